"""`auditor cross-check`: double claims across exchanges' files and within one file (auditor/cross_check.py).

Addresses are real ones of each network (generated keys, EIP-55/base58check/bech32 encodings); the files mix an
OKX 9-column file, an HTX file, a generic CSV and a second month of OKX, and write the same address in different
spellings (checksum/lower case, network aliases) so that only canonical comparison finds the overlaps."""

from __future__ import annotations

import csv
import hashlib
import json
from pathlib import Path

import pytest

from auditor.cli import main
from auditor.cross_check import (
    ClaimFile,
    CrossCheckConfigError,
    cross_check,
    parse_cross_check,
    run_findings,
)
from auditor.demo.signing import demo_key, evm_address
from auditor.formats.layouts import GenericColumns
from chains.tron import addresses as tron_addresses
from chains.utxo.addresses import ScriptType, encode_address
from chains.utxo.params import UtxoParams

BTC = UtxoParams(code="BTC", p2pkh=b"\x00", p2sh=b"\x05", hrp="bc", message_magic="Bitcoin Signed Message:\n")
E1, E2, E3 = (evm_address(demo_key(f"cross-check/{i}")) for i in range(3))
B1 = encode_address(ScriptType.P2WPKH, hashlib.new("ripemd160", b"b1").digest(), BTC)
B2 = encode_address(ScriptType.P2PKH, hashlib.new("ripemd160", b"b2").digest(), BTC)
T1 = tron_addresses.encode(b"\x41" + hashlib.sha256(b"t1").digest()[:20])
OKX_HEADER = ["coin", "Network", "Snapshot Height", "address", "amount", "message", "signature1", "signature2",
              "redeem script/ public key"]


def _okx(path: Path, rows: list[tuple[str, str, str, str]]) -> Path:
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(OKX_HEADER)
        for coin, network, address, amount in rows:
            writer.writerow([coin, network, "100", address, amount, "I am an OKX address", "0x00", "", ""])
    return path


def _files(tmp_path: Path) -> list[ClaimFile]:
    okx = _okx(tmp_path / "okx_2026_01.csv", [
        ("ETH", "ETH", E1, "10"),
        ("USDT-ERC20", "ETH", E1, "5"),           # same address, other token: a separate balance
        ("ETH", "ARBITRUM", E1.lower(), "3"),     # same address, other EVM network: a separate balance
        ("BTC", "BTC", B1, "1.5"),
        ("BTC", "Bitcoin", B1.upper(), "1.25"),   # the same BTC balance again (network alias, bech32 upper case)
        ("ETH", "ETH", E2.lower(), "7"),
        ("ETH", "ETH", E3, "not-a-number"),       # malformed: skipped with the reason, never compared
    ])
    htx = tmp_path / "htx.csv"
    htx.write_text("coin,address,snapshot height,balance,message,signature\n"
                   f"USDT-ETH,{E1.lower()},100,4,hello,0x00\n"   # OKX's USDT-ERC20 balance of E1, claimed by HTX
                   f"TRX,{T1},100,50,hello,0x00\n")
    other = tmp_path / "other.csv"
    other.write_text("Asset,Chain,Wallet,Balance\n"
                     f"ETH,ETH,{E2},7\n"                        # OKX's ETH balance of E2
                     f"ETH,OPTIMISM,{E1},1\n"                   # E1 on another network: no overlap
                     f"BTC,BTC,{B2},2\n")
    feb = _okx(tmp_path / "okx_2026_02.csv", [("ETH", "ETH", E1, "11")])  # OKX's own next month: not a claim
    generic = GenericColumns({"coin": "Asset", "network": "Chain", "address": "Wallet", "amount": "Balance"})
    return [ClaimFile(okx), ClaimFile(htx), ClaimFile(other, "Foo", generic), ClaimFile(feb)]


def _overlaps(out: Path) -> list[dict[str, str]]:
    with (out / "overlaps.csv").open() as handle:
        return list(csv.DictReader(handle))


def test_double_claims_across_exchanges_and_within_a_file(tmp_path):
    result = cross_check(_files(tmp_path), tmp_path / "out")
    rows = _overlaps(tmp_path / "out")
    groups: dict[str, list[dict[str, str]]] = {}
    for row in rows:
        groups.setdefault(row["overlap"], []).append(row)
    found = {(g[0]["balance_network"], g[0]["address"], g[0]["asset"]): g for g in groups.values()}
    assert set(found) == {("ETH", E1.lower(), "USDT"), ("BTC", B1, "BTC"), ("ETH", E2.lower(), "ETH")}
    usdt = found["ETH", E1.lower(), "USDT"]
    assert {(r["exchange"], r["coin"], r["declared"]) for r in usdt} == {("OKX", "USDT-ERC20", "5"),
                                                                        ("HTX", "USDT-ETH", "4")}
    assert usdt[0]["kind"] == "across exchanges"
    btc = found["BTC", B1, "BTC"]
    assert [r["line"] for r in btc] == ["5", "6"] and btc[0]["kind"] == "within one file"
    assert {r["address_as_written"] for r in btc} == {B1, B1.upper()}
    assert {r["exchange"] for r in found["ETH", E2.lower(), "ETH"]} == {"OKX", "Foo"}
    assert result.overlaps_total == 3 and result.reused_within_exchange == 1  # OKX Jan/Feb share E1's ETH
    assert result.per_asset["BTC"]["declared_in_claims"] == "2.75"
    assert result.per_asset["BTC"]["declared_beyond_largest_claim"] == "1.25"
    assert result.per_asset["USDT"]["declared_beyond_largest_claim"] == "4"
    skipped = (tmp_path / "out" / "skipped.csv").read_text().splitlines()
    assert len(skipped) == 2 and "field 'amount'" in skipped[1] and skipped[1].split(",")[1] == "8"
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert summary["double_claimed_balances"] == 3 and summary["exit_code"] == 1
    assert [f["exchange"] for f in summary["files"]] == ["OKX", "HTX", "Foo", "OKX"]


def test_separate_balances_are_not_double_claims(tmp_path):
    files = _files(tmp_path)
    result = cross_check([files[1], files[3]], tmp_path / "out")  # HTX's USDT vs OKX Feb's ETH of E1
    assert result.overlaps_total == 0 and result.exit_code == 0
    assert _overlaps(tmp_path / "out") == []


def test_cli_exit_codes_and_exchange_names(tmp_path, capsys):
    files = _files(tmp_path)
    out = tmp_path / "cli"
    code = main(["cross-check", f"Binance={files[3].path}", str(files[0].path), "--out", str(out)])
    assert code == 1  # OKX Jan and "Binance" share E1's ETH; OKX Jan also has B1 twice
    exchanges = {r["exchange"] for r in _overlaps(out) if r["asset"] == "ETH"}
    assert exchanges == {"Binance", "OKX"}
    assert "balance(s) claimed more than once" in capsys.readouterr().out
    assert main(["cross-check", str(files[1].path), "--out", str(tmp_path / "one")]) == 0
    missing = main(["cross-check", str(tmp_path / "nope.csv"), "--out", str(tmp_path / "two")])
    assert missing == 2
    code = main(["cross-check", str(files[0].path), str(files[2].path), "--out", str(tmp_path / "three"),
                 "--columns", "coin=Asset,network=Chain,address=Wallet,amount=Balance"])
    assert code == 1 and any(r["exchange"] == "other" for r in _overlaps(tmp_path / "three"))


def test_config_table_and_run_findings(tmp_path):
    files = _files(tmp_path)
    settings = parse_cross_check({"files": [files[1].path.name, {"file": str(files[2].path), "exchange": "Foo",
                                  "columns": {"coin": "Asset", "network": "Chain", "address": "Wallet",
                                              "amount": "Balance"}}]}, tmp_path)
    assert settings.files[0].path == files[1].path and settings.files[1].generic is not None
    findings = list(run_findings(settings, files[0].path, None, tmp_path))
    assert {(f["asset"], f["address"]) for f in findings} == {("USDT", E1.lower()), ("BTC", B1), ("ETH", E2.lower())}
    usdt = next(f for f in findings if f["asset"] == "USDT")
    assert usdt["kind"] == "double_claim" and usdt["line"] == 3
    assert [(c["exchange"], c["declared"]) for c in usdt["claims"]] == [("OKX", "5"), ("HTX", "4")]
    unread = list(run_findings(parse_cross_check({"files": ["gone.csv"]}, tmp_path), files[3].path, None, tmp_path))
    assert [f["kind"] for f in unread] == ["cross_check_unread"]
    assert not list(tmp_path.glob(".cross-check-*"))  # its index is removed
    with pytest.raises(CrossCheckConfigError, match="unknown key"):
        parse_cross_check({"file": ["x"]}, tmp_path)
    with pytest.raises(CrossCheckConfigError, match="columns must map address"):
        parse_cross_check({"files": [{"file": "x", "columns": {"coin": "c"}}]}, tmp_path)


def test_base_unit_amounts_are_declared_in_whole_units(tmp_path):
    """OKX's 2022 layout gives base units: the declared amount is converted with the token's decimals."""
    files = _files(tmp_path)
    old = tmp_path / "okx_2022.csv"
    old.write_text("coin,address,amount,message,signature1,signature2,redeem script/ public key\n"
                   f"BTC,{B2},150000000,I am an OKX address,x,,\n"
                   f"BTC,{B2},150000000,I am an OKX address,x,,\n")   # and twice in its own file
    result = cross_check([ClaimFile(old), files[2]], tmp_path / "out")
    claims = _overlaps(tmp_path / "out")
    assert [(c["exchange"], c["line"], c["declared"]) for c in claims] == [("OKX", "2", "1.5"), ("OKX", "3", "1.5"),
                                                                          ("Foo", "4", "2")]
    assert claims[0]["kind"] == "across exchanges; within one file"
    assert result.per_asset["BTC"]["declared_in_claims"] == "5"


def test_a_row_repeated_in_the_runs_own_file_is_its_duplicate_not_a_double_claim(tmp_path):
    """In `auditor run` a row repeated under the same coin and network is a duplicate (counted once); the same
    address under another coin sharing the balance, or in another exchange's file, is still a double claim."""
    own = _okx(tmp_path / "own.csv", [("ETH", "ETH", E1, "10"), ("ETH", "ETH", E1, "10"), ("ETH", "ETH", E2, "3")])
    other = _okx(tmp_path / "other.csv", [("ETH", "ETH", E2, "3")])
    settings = parse_cross_check({"files": [{"file": str(other), "exchange": "B"}]}, tmp_path)
    findings = list(run_findings(settings, own, None, tmp_path, exchange="A"))
    assert [(f["kind"], f["address"]) for f in findings] == [("double_claim", E2.lower())]
