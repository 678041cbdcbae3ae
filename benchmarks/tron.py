"""TRON figures: ownership verifications per second, and balances per second against the local java-tron /
TronGrid server (tests/nodes/tron_server.py, run on its own thread in this process, so the figure is a floor:
client and server share one interpreter), with the requests counted at the server per 1,000 addresses, and
what `auditor plan` predicted for the same read (its lower bound: nobody moving since the snapshot).
Per account (`rollback = "accounts"`, before issue 16 part 4): TRX one getaccountbalance at H each; USDT one
balanceOf per request (`multicall = ""`) or in the Multicall's aggregate, then one event page per account. In
batches (`rollback = "blocks"`, after): TRX by getEthBalance and USDT by balanceOf in Multicall aggregates, then a
scan of the blocks since the snapshot (getblockbynum; getblockbalance or gettransactioninfobyblocknum), and only
the accounts it names read one by one. A quarter of the accounts move USDT and a sixteenth move TRX after the
snapshot; every block since has transactions (as on mainnet), 3 blocks of lag, or 1,200 (an hour).

Run: python benchmarks/tron.py [ROWS] [ACCOUNTS]   (defaults 2,000 and 10,000)
"""

from __future__ import annotations

import asyncio
import sys
import time
from pathlib import Path

from coincurve import PrivateKey

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # for tests.nodes

from auditor.assets import AssetRegistry
from chains.base import AddressRow, BalanceQuery, Endpoint, RowStatus
from chains.registry import get_family
from chains.transport import display_url
from chains.tron import addresses
from chains.tron.ownership import digest_v1, digest_v2
from tests.nodes.tron_server import ServerThread, TronLedger

MESSAGE = "I am an OKX address"
PER_ACCOUNT = ("getaccountbalance", "trc20-balanceOf-rollback")  # read (or rolled back) one account at a time


def signed_rows(count: int, digest) -> list[AddressRow]:
    rows = []
    for i in range(count):
        key = PrivateKey()
        compact = key.sign_recoverable(digest(MESSAGE.encode()), hasher=None)
        signature = "0x" + (compact[:64] + bytes([27 + compact[64]])).hex()
        address = addresses.from_public_key(key.public_key)
        rows.append(AddressRow(i, "TRX", "TRON", address, message=MESSAGE, signature1=signature))
    return rows


def bench_ownership(count: int) -> None:
    registry = AssetRegistry.load()
    network = registry.network("TRON")
    family = get_family("tron")
    assert network is not None and family is not None
    print("| ownership | rows | seconds | verifications/s |")
    print("|---|---:|---:|---:|")
    for label, digest in (("v1 (first digest tried)", digest_v1), ("v2 TIP-191 (second digest)", digest_v2)):
        rows = signed_rows(count, digest)
        started = time.perf_counter()
        proofs = [family.verify_ownership(row, network) for row in rows]
        elapsed = time.perf_counter() - started
        assert all(p.status == RowStatus.VERIFIED for p in proofs)
        print(f"| {label} | {count:,} | {elapsed:.3f} | {count / elapsed:,.0f} |")


async def _fetch(url: str, queries: list[BalanceQuery], height: int, options: dict[str, object]
                 ) -> tuple[dict, float, int]:
    registry = AssetRegistry.load()
    network = registry.network("TRON")
    family = get_family("tron")
    assert network is not None and family is not None
    endpoint = Endpoint(url=url, backend="tron-http", display=display_url(url), max_concurrency=16,
                        requests_per_second=0, options={"events_settle_seconds": 0.0, **options})
    adapter = family.open_adapter(network, endpoint)
    ordered = sorted(queries, key=lambda q: (q.address, q.contract or ""))
    planned = adapter.estimate_snapshot_requests() + adapter.estimate_requests(ordered)
    async with adapter:
        started = time.perf_counter()
        balances = await adapter.fetch_balances(ordered, height)
        elapsed = time.perf_counter() - started
    return balances, elapsed, planned.low


def _ledger(accounts: int, lag: int) -> tuple[TronLedger, str, list[str], int]:
    """10,000 funded accounts; after the snapshot H, a quarter move USDT and a sixteenth TRX in the first block,
    then `lag - 1` more blocks, each with a transfer between two accounts outside the audit."""
    registry = AssetRegistry.load()
    usdt_token = registry.resolve("USDT-TRC20", "TRON")
    assert usdt_token is not None and usdt_token.contract
    ledger = TronLedger()
    usdt = ledger.add_token(usdt_token.contract)
    holders = [addresses.from_evm_bytes(i.to_bytes(20, "big")) for i in range(1, accounts + 1)]
    outsiders = [addresses.from_evm_bytes((10**9 + i).to_bytes(20, "big")) for i in range(2)]
    for i, holder in enumerate(holders):
        ledger.credit(holder, 1_000_000 + i)
        ledger.credit(holder, 5_000_000 + i, contract=usdt)
    ledger.credit(outsiders[0], 10**12)
    height = ledger.mine()
    for i in range(0, accounts, 4):  # a quarter of the accounts move USDT after the snapshot
        ledger.transfer(holders[i], holders[(i + 1) % accounts], 1_000, contract=usdt)
    for i in range(0, accounts, 16):  # and a sixteenth TRX
        ledger.transfer(holders[i], holders[(i + 2) % accounts], 1_000)
    ledger.mine()
    for block in range(lag - 1):  # busy blocks that touch no audited account
        ledger.transfer(outsiders[block % 2], outsiders[(block + 1) % 2], 1)
        ledger.mine()
    return ledger, usdt, holders, height


def bench_balances(accounts: int) -> None:
    print()
    print("| read | accounts | blocks since H | read alone | seconds | balances/s | requests (server) | "
          "per 1,000 addresses | planned (floor) |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    runs = (
        ("TRX getaccountbalance at H (before)", None, {"rollback": "accounts"}),
        ("TRX Multicall getEthBalance + block scan (after)", None, {"rollback": "blocks"}),
        ("USDT balanceOf per request + roll-back", "usdt", {"multicall": "", "rollback": "accounts"}),
        ("USDT Multicall aggregate + roll-back per account (before)", "usdt", {"rollback": "accounts"}),
        ("USDT Multicall aggregate + block scan (after)", "usdt", {"rollback": "blocks"}),
        ("TRX + USDT, `auto`", "both", {}),
    )
    for lag in (3, 1200):
        ledger, usdt, holders, height = _ledger(accounts, lag)
        with ServerThread(ledger) as server:
            for label, asset, options in runs:
                if lag > 3 and asset != "both" and "blocks" not in options.values():
                    continue  # the per-account reads do not depend on the lag
                contracts = [None, usdt] if asset == "both" else [usdt if asset else None]
                queries = [BalanceQuery(h, c) for h in holders for c in contracts]
                server.requests.clear()
                balances, elapsed, planned = asyncio.run(_fetch(server.url, queries, height, options))
                served = sum(server.requests.values())
                wrong = [q for q in queries if balances[q].amount != ledger.balance(q.address, height, q.contract)]
                assert not wrong, wrong[:3]
                alone = sum(1 for b in balances.values() if b.method in PER_ACCOUNT)
                print(f"| {label} | {accounts:,} | {lag:,} | {alone:,} | {elapsed:.2f} | {len(queries) / elapsed:,.0f} | "
                      f"{served:,} | {1000 * served / accounts:,.0f} | {planned:,} |")
    print()
    print("_read alone_: balances read or rolled back one account at a time (per account: all; in batches: the "
          "accounts a block since H names, here the senders and receivers of the transfers after H: half the "
          "accounts for USDT, an eighth for TRX). _planned (floor)_: `auditor plan`'s lower bound (in batches: nobody "
          "moving, no block since H). Every figure read equals the ledger's at H.")


if __name__ == "__main__":
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    accounts = int(sys.argv[2]) if len(sys.argv) > 2 else 10_000
    bench_ownership(rows)
    bench_balances(accounts)
