"""End to end: `auditor run` on an OKX-layout file with SOL, USDT-SOL, USDC-SOL, TON and USDT-TON rows.

Rows are signed with real Ed25519 keys in OKX's scheme (Solana: the key is the address; TON: the key's v4r2
wallet); balances come from the local Solana JSON-RPC and toncenter v2 stand-ins, with money moving after the
snapshot on both chains, so the totals are exact only if each figure is the snapshot's.
"""

from __future__ import annotations

import csv
import json
from decimal import Decimal
from pathlib import Path

import pytest

from auditor.cli import main
from tests.nodes import solana_server, ton_server
from tests.worlds.okx import write_file
from tests.worlds.solana import build as build_sol
from tests.worlds.ton import build as build_ton


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("sol_ton")
    sol, ton = solana_server.SolanaLedger(), ton_server.TonLedger()
    sol_part, ton_part = build_sol(sol), build_ton(ton)
    path = write_file(tmp / "okx_sol_ton.csv", [*sol_part.rows, *ton_part.rows])
    expect = {f"{asset}-{part.network}" if asset in ("USDT", "USDC") else asset: total
              for part in (sol_part, ton_part) for asset, total in part.at_snapshot.items()}
    with solana_server.ServerThread(sol) as sol_rpc, ton_server.ServerThread(ton) as toncenter:
        yield {"tmp": tmp, "file": path, "expect": expect, "sol": sol_rpc, "ton": toncenter,
               "rows": len(sol_part.rows) + len(ton_part.rows), "sol_slot": sol_part.height,
               "ton_seqno": ton_part.height}


def _config(world, name: str) -> Path:
    path = world["tmp"] / f"{name}.toml"
    usdt = world["expect"]["USDT-SOL"] + world["expect"]["USDT-TON"]
    path.write_text(f"""
[input]
file = "{world['file']}"
[output]
dir = "{world['tmp'] / name}"
[networks.SOL]
url = "{world['sol'].url}"
backend = "solana-rpc"
requests_per_second = 1000000
retries = 2
[networks.TON]
url = "{world['ton'].url}"
backend = "toncenter-v2"
requests_per_second = 1000000
retries = 2
[liabilities]
USDT = "{usdt}"
USDC = "{world['expect']['USDC-SOL']}"
SOL = "{world['expect']['SOL']}"
TON = "{world['expect']['TON']}"
""")
    return path


def test_sol_and_ton_totals_are_exact_at_the_snapshot(world):
    code = main(["run", str(_config(world, "ok"))])
    out = world["tmp"] / "ok" / "latest"
    report = json.loads((out / "report.json").read_text())
    expect, assets = world["expect"], report["assets"]
    assert Decimal(assets["SOL"]["onchain_verified"]) == expect["SOL"]
    assert Decimal(assets["TON"]["onchain_verified"]) == expect["TON"]
    assert Decimal(assets["USDC"]["onchain_verified"]) == expect["USDC-SOL"]
    assert Decimal(assets["USDT"]["networks"]["SOL"]["onchain_verified"]) == expect["USDT-SOL"]
    assert Decimal(assets["USDT"]["networks"]["TON"]["onchain_verified"]) == expect["USDT-TON"]
    for asset in ("SOL", "TON", "USDT", "USDC"):
        assert Decimal(assets[asset]["ratio"]) == 1, (asset, assets[asset])
    with (out / "addresses.csv").open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == world["rows"]
    assert all(r["status"] == "verified" and r["declared"] == r["onchain"] for r in rows), rows
    assert report["snapshot"]["SOL"]["block_hash"] == world["sol"].ledger.blocks[world["sol_slot"]]
    methods = report["snapshot"]["SOL"]["methods"]
    assert set(methods) <= {"getMultipleAccounts", "getMultipleAccounts-rollback", "getTokenAccountsByOwner",
                            "getTokenAccountsByOwner-rollback"}
    assert methods.get("getTokenAccountsByOwner-rollback", 0) >= 1 and methods.get("getMultipleAccounts-rollback")
    assert report["snapshot"]["TON"]["methods"] == {"getExtendedAddressInformation": 2,
                                                    "runGetMethod-get_wallet_data": 2}
    assert code == 0, report


def test_sources_without_the_history_are_refused_exit_3(world):
    sol, ton = world["sol"], world["ton"]
    sol.faults.first_available = world["sol_slot"] + 1
    ton.faults.archive_from = world["ton_seqno"] + 1
    try:
        code = main(["run", str(_config(world, "pruned"))])
    finally:
        sol.faults.first_available = None
        ton.faults.archive_from = None
    report = json.loads((world["tmp"] / "pruned" / "latest" / "report.json").read_text())
    assert code == 3
    errors = {e["network"]: e["error"] for e in report["data_source_errors"]}
    assert set(errors) == {"SOL", "TON"}
    assert "has no block" in errors["SOL"] and "must keep the state or history" in errors["TON"]
    assert report["missing_balances_total"] == world["rows"]
    assert Decimal(report["assets"]["SOL"]["onchain_verified"]) == 0  # nothing read at the tip instead


def test_auditor_check_answers_for_both_sources(world, capsys):
    assert main(["check", str(_config(world, "check"))]) == 0
    world["ton"].faults.blocks_from = world["ton_seqno"] + 1
    try:
        assert main(["check", str(_config(world, "check"))]) == 3
    finally:
        world["ton"].faults.blocks_from = None
    assert "has no block" in capsys.readouterr().out
