"""`auditor run` on an OKX-layout file of XRP, RLUSD, APT, USDT-APTOS and USDC-APTOS rows, signed with real keys in
each chain's ownership scheme (OKX's "ECDSA family" for XRP, OKX's Ed25519 for Aptos; one APT row in owner mode,
bound on chain by the account's authentication key at the snapshot), read from the local rippled
and Aptos fullnode stand-ins while money moves after the snapshot: per-asset totals exact at the snapshot; a
rippled without the snapshot ledger is refused with exit 3 (its rows unread, never 0)."""

from __future__ import annotations

import csv
import json
from decimal import Decimal
from pathlib import Path

import pytest

from auditor.cli import main
from tests.nodes.aptos_server import AptosChain, AptosServerThread
from tests.nodes.xrpl_server import XrplChain, XrplServerThread
from tests.worlds.aptos import OWNER_WALLET
from tests.worlds.aptos import build as build_aptos
from tests.worlds.okx import MESSAGE, write_file
from tests.worlds.xrpl import build as build_xrpl


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("xrpl_aptos")
    xrpl, aptos = XrplChain(), AptosChain()
    parts = [build_xrpl(xrpl), build_aptos(aptos)]
    path = write_file(tmp / "okx_xrpl_aptos.csv", [row for part in parts for row in part.rows])
    expect = {asset: total for part in parts for asset, total in part.at_snapshot.items()}
    tips = {asset: total for part in parts for asset, total in part.at_tip.items()}
    with XrplServerThread(xrpl) as xrpl_server, AptosServerThread(aptos) as aptos_server:
        yield {"tmp": tmp, "file": path, "expect": expect, "xrpl": xrpl_server, "aptos": aptos_server,
               "rows": sum(len(part.rows) for part in parts), "tips": tips}


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
    assert world["tips"]["XRP"] != expect["XRP"]  # a tip reader would get other totals
    assert world["tips"]["APT"] != expect["APT"]
    with (world["tmp"] / "out" / "latest" / "addresses.csv").open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == world["rows"]
    assert all(r["status"] == "verified" and Decimal(r["declared"]) == Decimal(r["onchain"]) for r in rows), rows
    assert set(report["snapshot"]) == {"XRP", "APTOS"}
    assert report["snapshot"]["XRP"]["methods"] == {"xrpl-account_info": 3, "xrpl-account_lines": 3}
    assert report["snapshot"]["APTOS"]["methods"] == {"aptos-coin+fa": 4, "aptos-fa": 6}
    owner_row = next(r for r in rows if r["address"] == OWNER_WALLET)  # verified by the chain, not offline
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
