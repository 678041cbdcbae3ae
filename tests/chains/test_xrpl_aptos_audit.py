"""`auditor run` on an OKX-layout file of XRP, RLUSD, APT, USDT-APTOS and USDC-APTOS rows, signed with real keys in
each chain's ownership scheme (OKX's "ECDSA family" for XRP, OKX's Ed25519 for Aptos; one APT row in owner mode,
bound on chain by the account's authentication key at the snapshot), read from the local rippled
and Aptos fullnode stand-ins while money moves after the snapshot: per-asset totals exact at the snapshot; a
rippled without the snapshot ledger is refused with exit 3 (its rows unread, never 0)."""

from __future__ import annotations

import csv
import hashlib
import json
from decimal import Decimal
from pathlib import Path

import pytest
from coincurve import PrivateKey

from auditor.assets import AssetRegistry
from auditor.cli import main
from chains.xrpl import addresses as xrpl_addresses
from chains.xrpl.api import IssuedCurrency
from tests.chains.ed25519_signing import key as ed_key
from tests.chains.ed25519_signing import public, sign
from tests.chains.okx_ecdsa_signing import sign_okx_ecdsa
from tests.nodes.aptos_server import AptosChain, AptosServerThread
from tests.nodes.xrpl_server import XrplChain, XrplServerThread

MESSAGE = "I am an OKX address"
HEADER = ["coin", "Network", "Snapshot Height", "address", "amount", "message", "signature1", "signature2",
          "redeem script/ public key", " eoa1", " eoa2"]
REGISTRY = AssetRegistry.load()


def _whole(base: int, decimals: int) -> str:
    return format(Decimal(base).scaleb(-decimals).normalize(), "f")


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("xrpl_aptos")
    rows: list[list[str]] = []
    expect: dict[str, Decimal] = {}
    # --- XRP Ledger ---
    rlusd = REGISTRY.resolve("RLUSD", "XRP")
    assert rlusd is not None and rlusd.contract
    token = IssuedCurrency.parse(rlusd.contract, rlusd.decimals)
    xrpl = XrplChain()
    xrp_keys = [PrivateKey((7000 + i).to_bytes(32, "big")) for i in range(3)]
    xrp_accounts = [xrpl_addresses.encode(xrpl_addresses.account_id(k.public_key)) for k in xrp_keys]
    outsider = xrpl_addresses.encode(xrpl_addresses.account_id(PrivateKey((7999).to_bytes(32, "big")).public_key))
    xrpl.fund(token.issuer, 50_000_000)
    xrpl.fund(outsider, 10**12)
    for i, acct in enumerate(xrp_accounts[:2]):
        xrpl.fund(acct, (i + 1) * 1_000_000_000 + 7)
        xrpl.set_line(acct, token.issuer, token.currency, Decimal("2500.25") * (i + 1))
    xrp_height = xrpl.close(2)
    xrpl.pay(outsider, xrp_accounts[0], 5_000_000_000)  # after H
    xrpl.pay(xrp_accounts[1], outsider, 1_000_000)
    xrpl.fund(xrp_accounts[2], 30_000_000)  # did not exist at H: 0 there
    xrpl.set_line(xrp_accounts[0], token.issuer, token.currency, Decimal(1))
    xrpl.close(2)
    for key, acct in zip(xrp_keys, xrp_accounts, strict=True):
        signature = sign_okx_ecdsa(key, MESSAGE)
        xrp_at_h = xrpl.balance(acct, xrp_height)
        rows.append(["XRP", "XRP", xrp_height, acct, _whole(xrp_at_h, 6), MESSAGE, signature, "", "", "", ""])
        line = xrpl.line_balance(acct, token.issuer, token.currency, xrp_height)
        rows.append(["RLUSD", "XRP", xrp_height, acct, format(line.normalize(), "f"), MESSAGE, signature, "", "", "",
                     ""])
    expect["XRP"] = Decimal(sum(xrpl.balance(a, xrp_height) for a in xrp_accounts)).scaleb(-6)
    expect["RLUSD"] = sum((xrpl.line_balance(a, token.issuer, token.currency, xrp_height) for a in xrp_accounts),
                          Decimal(0))

    # --- Aptos ---
    usdt, usdc = REGISTRY.resolve("USDT", "APTOS"), REGISTRY.resolve("USDC", "APTOS")
    assert usdt is not None and usdt.contract and usdc is not None and usdc.contract
    aptos = AptosChain()
    apt_keys = [ed_key(8000 + i) for i in range(3)]
    apt_accounts = ["0x" + hashlib.sha3_256(public(k) + b"\x00").hexdigest() for k in apt_keys]
    other = "0x" + "77" * 32
    aptos.credit_coin(other, 10**14)
    aptos.credit_fa(other, usdt.contract, 10**12)
    aptos.credit_coin(apt_accounts[0], 250_000_000_000)
    aptos.credit_coin(apt_accounts[1], 40_000_000)
    aptos.migrate(apt_accounts[1])
    aptos.credit_fa(apt_accounts[1], usdt.contract, 3_000_000_000_000)
    aptos.credit_fa(apt_accounts[2], usdc.contract, 1_500_000_000)
    wallet = "0x" + "cd" * 32  # an account whose authentication key was rotated to apt_accounts[0]'s (owner mode)
    aptos.credit_coin(wallet, 70_000_000_000)
    aptos.rotate(wallet, apt_accounts[0])
    apt_height = aptos.seal(2)
    aptos.transfer_fa(apt_accounts[1], other, usdt.contract, 999_000_000)  # after H
    aptos.transfer_coin(other, apt_accounts[2], 5 * 10**8)
    aptos.migrate(apt_accounts[0])
    aptos.seal(2)
    for signing_key, acct in zip(apt_keys, apt_accounts, strict=True):
        signature, script = sign(signing_key, MESSAGE), public(signing_key).hex()
        for coin, contract, decimals in (("APT", None, 8), ("USDT", usdt.contract, 6), ("USDC", usdc.contract, 6)):
            amount = aptos.balance(acct, apt_height, contract)
            rows.append([coin, "APTOS", apt_height, acct, _whole(amount, decimals), MESSAGE, signature, "", script,
                         "", ""])
    rows.append(["APT", "APTOS", apt_height, wallet, _whole(aptos.balance(wallet, apt_height), 8), MESSAGE,
                 sign(apt_keys[0], MESSAGE), "", public(apt_keys[0]).hex(), apt_accounts[0], ""])
    aptos.rotate(wallet, "0x" + "ee" * 32)  # after H
    aptos.seal()
    expect["APT"] = Decimal(sum(aptos.balance(a, apt_height) for a in [*apt_accounts, wallet])).scaleb(-8)
    expect["USDT"] = Decimal(sum(aptos.balance(a, apt_height, usdt.contract) for a in apt_accounts)).scaleb(-6)
    expect["USDC"] = Decimal(sum(aptos.balance(a, apt_height, usdc.contract) for a in apt_accounts)).scaleb(-6)

    path = tmp / "okx_xrpl_aptos.csv"
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(HEADER)
        writer.writerows(rows)
    with XrplServerThread(xrpl) as xrpl_server, AptosServerThread(aptos) as aptos_server:
        yield {"tmp": tmp, "file": path, "expect": expect, "xrpl": xrpl_server, "aptos": aptos_server,
               "rows": len(rows), "tips": {"XRP": sum(xrpl.balance(a) for a in xrp_accounts),
                                           "APT": sum(aptos.balance(a) for a in apt_accounts)}}


def _config(world) -> Path:
    path = world["tmp"] / "run.toml"
    path.write_text(f"""
[input]
file = "{world['file']}"
messages = ["{MESSAGE}"]
[output]
dir = "{world['tmp'] / 'out'}"
[networks.XRP]
url = "{world['xrpl'].url}"
backend = "rippled"
requests_per_second = 1000000
[networks.APTOS]
url = "{world['aptos'].url}"
backend = "aptos-rest"
requests_per_second = 1000000
[liabilities]
XRP = "1000"
APT = "2500"
""")
    return path


def _report(world) -> dict:
    return json.loads((world["tmp"] / "out" / "latest" / "report.json").read_text())


def test_totals_are_exact_at_the_snapshot(world):
    code = main(["run", str(_config(world))])
    report = _report(world)
    assets, expect = report["assets"], world["expect"]
    for asset in ("XRP", "RLUSD", "APT", "USDT", "USDC"):
        assert Decimal(assets[asset]["onchain_verified"]) == expect[asset], (asset, assets[asset])
    assert Decimal(world["tips"]["XRP"]).scaleb(-6) != expect["XRP"]  # a tip reader would get other totals
    assert Decimal(world["tips"]["APT"]).scaleb(-8) != expect["APT"]
    with (world["tmp"] / "out" / "latest" / "addresses.csv").open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == world["rows"]
    assert all(r["status"] == "verified" and Decimal(r["declared"]) == Decimal(r["onchain"]) for r in rows), rows
    assert set(report["snapshot"]) == {"XRP", "APTOS"}
    assert report["snapshot"]["XRP"]["methods"] == {"xrpl-account_info": 3, "xrpl-account_lines": 3}
    assert report["snapshot"]["APTOS"]["methods"] == {"aptos-coin+fa": 4, "aptos-fa": 6}
    owner_row = next(r for r in rows if r["address"] == "0x" + "cd" * 32)  # verified by the chain, not offline
    assert "was the authentication key of account" in owner_row["reason"], owner_row
    with (world["tmp"] / "out" / "latest" / "balances.csv").open(newline="") as handle:
        balances = list(csv.DictReader(handle))
    xrp = [b for b in balances if b["network"] == "XRP"]
    assert any(b["note"] == "reserve 1200000 drops locked" and b["method"] == "xrpl-account_info" for b in xrp)
    assert any(b["note"] == "no account at this ledger" for b in xrp)
    assert all(b["read_at"] == "" for b in xrp)  # read at the snapshot ledger itself
    aptos = [b for b in balances if b["network"] == "APTOS"]
    version = world["aptos"].chain.blocks[int(aptos[0]["height"])].last_version  # the block's last version
    assert {b["read_at"] for b in aptos} == {str(version)}
    assert code == 0, report


def test_a_server_without_the_snapshot_ledger_is_refused_with_exit_3(world):
    server = world["xrpl"]
    server.faults.history_from = server.chain.head  # keeps only the newest ledger
    try:
        assert main(["run", str(_config(world))]) == 3
    finally:
        server.faults.history_from = None
    report = _report(world)
    assert [e["network"] for e in report["data_source_errors"]] == ["XRP"]
    assert "has no block" in report["data_source_errors"][0]["error"]
    assert report["assets"]["XRP"]["onchain_verified"] == "0"
    with (world["tmp"] / "out" / "latest" / "addresses.csv").open(newline="") as handle:
        xrp_rows = [r for r in csv.DictReader(handle) if r["network"] == "XRP"]
    assert xrp_rows and all(r["onchain"] == "" for r in xrp_rows), xrp_rows
    assert Decimal(report["assets"]["APT"]["onchain_verified"]) == world["expect"]["APT"]


def test_a_node_that_pruned_the_snapshot_block_is_refused_with_exit_3(world):
    server = world["aptos"]
    server.faults.oldest_block = server.chain.head
    try:
        assert main(["run", str(_config(world))]) == 3
    finally:
        server.faults.oldest_block = 0
    report = _report(world)
    assert [e["network"] for e in report["data_source_errors"]] == ["APTOS"]
    assert "block_pruned" in report["data_source_errors"][0]["error"]
    assert report["assets"]["APT"]["onchain_verified"] == "0"
    assert Decimal(report["assets"]["XRP"]["onchain_verified"]) == world["expect"]["XRP"]
