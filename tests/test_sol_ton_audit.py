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

from auditor.assets import AssetRegistry
from auditor.cli import main
from chains.solana import addresses as sol_addresses
from chains.ton import addresses as ton_addresses
from chains.ton.wallets import WALLETS, account_id
from tests.chains.ed25519_signing import key, public, sign
from tests.nodes import solana_server, ton_server

MESSAGE = "I am an OKX address"
HEADER = ["coin", "Network", "Snapshot Height", "address", "amount", "message", "signature1", "signature2",
          "redeem script/ public key", " eoa1", " eoa2"]
REGISTRY = AssetRegistry.load()
USDT_SOL = str(REGISTRY.resolve("USDT-SOL", "SOL").contract)  # type: ignore[union-attr]
USDC_SOL = str(REGISTRY.resolve("USDC-SOL", "SOL").contract)  # type: ignore[union-attr]
USDT_TON = str(REGISTRY.resolve("USDT-TON", "TON").contract)  # type: ignore[union-attr]
V4R2 = next(w for w in WALLETS if w.name == "v4r2")


def _whole(amount: int, decimals: int) -> str:
    return str(Decimal(amount) / 10**decimals)


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("sol_ton")
    rows: list[list[str]] = []
    expect: dict[str, int] = {}

    # --- Solana ---
    sol = solana_server.SolanaLedger()
    sol_keys = [key(500 + i) for i in range(2)]
    owners = [sol_addresses.encode(public(k)) for k in sol_keys]
    outsider = sol_addresses.encode(public(key(599)))
    sol.fund(outsider, 50 * 10**9)
    for i, owner in enumerate(owners):
        sol.fund(owner, (i + 1) * 10**9)
    sol.mine()
    usdt_accounts = [sol.create_token_account(o, USDT_SOL) for o in [*owners, outsider]]
    usdc_account = sol.create_token_account(owners[1], USDC_SOL)
    sol.mine()
    for i, account in enumerate(usdt_accounts):
        sol.mint_tokens(account, (i + 1) * 1_000_000_000)
    sol.mint_tokens(usdc_account, 250_000_000)
    sol_slot = sol.mine(skip=1)
    for signing_key, owner in zip(sol_keys, owners, strict=True):
        signature, pubkey = sign(signing_key), public(signing_key).hex()
        lamports, usdt = sol.lamports_at(owner, sol_slot), sol.tokens_at(owner, USDT_SOL, sol_slot)
        rows.append(["SOL", "SOL", sol_slot, owner, _whole(lamports, 9), MESSAGE, signature, "", pubkey, "", ""])
        rows.append(["USDT-SOL", "SOL", sol_slot, owner, _whole(usdt, 6), MESSAGE, signature, "", pubkey, "", ""])
    usdc = sol.tokens_at(owners[1], USDC_SOL, sol_slot)
    rows.append(["USDC-SOL", "SOL", sol_slot, owners[1], _whole(usdc, 6), MESSAGE, sign(sol_keys[1]), "",
                 public(sol_keys[1]).hex(), "", ""])
    expect["SOL"] = sum(sol.lamports_at(o, sol_slot) for o in owners)
    expect["USDT-SOL"] = sum(sol.tokens_at(o, USDT_SOL, sol_slot) for o in owners)
    expect["USDC-SOL"] = usdc
    # after the snapshot: SOL and tokens move both ways
    sol.transfer(outsider, owners[0], 7 * 10**9)
    sol.token_transfer(usdt_accounts[2], usdt_accounts[0], 123_000_000)
    sol.token_transfer(usdt_accounts[1], usdt_accounts[2], 5_000_000)
    sol.token_transfer(usdc_account, sol.create_token_account(outsider, USDC_SOL), 1)
    sol.mine(skip=2)

    # --- TON ---
    ton = ton_server.TonLedger()
    ton_keys = [key(700 + i) for i in range(2)]
    wallets = [ton_addresses.encode(account_id(V4R2, public(k))) for k in ton_keys]
    ton_outsider = ton_addresses.encode(account_id(V4R2, public(key(799))))
    ton.credit(ton_outsider, 10**12)
    ton.mint(USDT_TON, ton_outsider, 10**12)
    for i, address in enumerate(wallets):
        ton.credit(address, (i + 3) * 10**9)
        ton.mint(USDT_TON, address, (i + 1) * 2_000_000_000)
    ton_seqno = ton.mine()
    for signing_key, address in zip(ton_keys, wallets, strict=True):
        signature, pubkey = sign(signing_key), public(signing_key).hex()
        rows.append(["TON", "TON", ton_seqno, address, _whole(ton.balance(address, ton_seqno), 9), MESSAGE,
                     signature, "", pubkey, "", ""])
        rows.append(["USDT-TON", "TON", ton_seqno, address,
                     _whole(ton.jetton_balance(USDT_TON, address, ton_seqno), 6), MESSAGE, signature, "", pubkey,
                     "", ""])
    expect["TON"] = sum(ton.balance(a, ton_seqno) for a in wallets)
    expect["USDT-TON"] = sum(ton.jetton_balance(USDT_TON, a, ton_seqno) for a in wallets)
    ton.transfer(ton_outsider, wallets[0], 5 * 10**9)
    ton.jetton_transfer(USDT_TON, wallets[1], ton_outsider, 1_000_000)
    ton.jetton_transfer(USDT_TON, ton_outsider, wallets[0], 77_000_000)
    ton.mine()

    path = tmp / "okx_sol_ton.csv"
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(HEADER)
        writer.writerows(rows)
    with solana_server.ServerThread(sol) as sol_rpc, ton_server.ServerThread(ton) as toncenter:
        yield {"tmp": tmp, "file": path, "expect": expect, "sol": sol_rpc, "ton": toncenter, "rows": len(rows),
               "sol_slot": sol_slot, "ton_seqno": ton_seqno}


def _config(world, name: str) -> Path:
    path = world["tmp"] / f"{name}.toml"
    usdt = Decimal(world["expect"]["USDT-SOL"] + world["expect"]["USDT-TON"]) / 10**6
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
USDC = "{Decimal(world['expect']['USDC-SOL']) / 10**6}"
SOL = "{Decimal(world['expect']['SOL']) / 10**9}"
TON = "{Decimal(world['expect']['TON']) / 10**9}"
""")
    return path


def test_sol_and_ton_totals_are_exact_at_the_snapshot(world):
    code = main(["run", str(_config(world, "ok"))])
    out = world["tmp"] / "ok" / "latest"
    report = json.loads((out / "report.json").read_text())
    expect, assets = world["expect"], report["assets"]
    assert Decimal(assets["SOL"]["onchain_verified"]) == Decimal(expect["SOL"]) / 10**9
    assert Decimal(assets["TON"]["onchain_verified"]) == Decimal(expect["TON"]) / 10**9
    assert Decimal(assets["USDC"]["onchain_verified"]) == Decimal(expect["USDC-SOL"]) / 10**6
    assert Decimal(assets["USDT"]["networks"]["SOL"]["onchain_verified"]) == Decimal(expect["USDT-SOL"]) / 10**6
    assert Decimal(assets["USDT"]["networks"]["TON"]["onchain_verified"]) == Decimal(expect["USDT-TON"]) / 10**6
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
