"""TRON figures: ownership verifications per second, and balances per second against the local java-tron /
TronGrid server (tests/nodes/tron_server.py, run on its own thread in this process, so the figure is a floor:
client and server share one interpreter), with the requests counted at the server per 1,000 addresses, and
what `auditor plan` predicted for the same read (its lower bound: one event page per TRC-20 account).
TRC-20 reads are measured one balanceOf per request (`multicall = ""`, as before the Multicall) and through the
Multicall's aggregate (the default); a quarter of the accounts move after the snapshot.

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


def bench_balances(accounts: int) -> None:
    registry = AssetRegistry.load()
    usdt_token = registry.resolve("USDT-TRC20", "TRON")
    assert usdt_token is not None and usdt_token.contract
    ledger = TronLedger()
    usdt = ledger.add_token(usdt_token.contract)
    holders = [addresses.from_evm_bytes(i.to_bytes(20, "big")) for i in range(1, accounts + 1)]
    for i, holder in enumerate(holders):
        ledger.credit(holder, 1_000_000 + i)
        ledger.credit(holder, 5_000_000 + i, contract=usdt)
    height = ledger.mine()
    for i in range(0, accounts, 4):  # a quarter of the accounts move after the snapshot
        ledger.transfer(holders[i], holders[(i + 1) % accounts], 1_000, contract=usdt)
    ledger.mine(3)
    print()
    print("| read | accounts | seconds | balances/s | requests (server) | per 1,000 addresses | planned (floor) |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    with ServerThread(ledger) as server:
        for label, contract, options in (
            ("TRX getaccountbalance at H", None, {}),
            ("USDT balanceOf per request + roll-back (before)", usdt, {"multicall": ""}),
            ("USDT Multicall aggregate + roll-back (after)", usdt, {}),
        ):
            queries = [BalanceQuery(h, contract) for h in holders]
            server.requests.clear()
            balances, elapsed, planned = asyncio.run(_fetch(server.url, queries, height, options))
            served = sum(server.requests.values())
            wrong = [q for q in queries if balances[q].amount != ledger.balance(q.address, height, contract)]
            assert not wrong, wrong[:3]
            print(f"| {label} | {accounts:,} | {elapsed:.2f} | {accounts / elapsed:,.0f} | {served:,} | "
                  f"{1000 * served / accounts:,.0f} | {planned:,} |")


if __name__ == "__main__":
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    accounts = int(sys.argv[2]) if len(sys.argv) > 2 else 10_000
    bench_ownership(rows)
    bench_balances(accounts)
