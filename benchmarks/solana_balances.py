"""Solana balances against the local JSON-RPC stand-in (tests/nodes/solana_server.py, on its own thread in this
process: client and server share one interpreter, so the rate is a floor). 10,000 owners hold SOL and a USDT
token account at the snapshot; a quarter of them move SOL and USDT after it, so their figures are rolled back.
Requests are counted at the server (HTTP requests, and the JSON-RPC calls inside them).

Run: python benchmarks/solana_balances.py [OWNERS]
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import sys
import time
from pathlib import Path

import base58

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # for tests.nodes

from auditor.assets import AssetRegistry
from chains.base import BalanceQuery, Endpoint
from chains.registry import get_family
from chains.transport import display_url
from tests.nodes.solana_server import ServerThread, SolanaLedger

ROLLBACK = ("getSignaturesForAddress", "getTransaction")


def _owner(i: int) -> str:
    return base58.b58encode(hashlib.sha256(f"owner {i}".encode()).digest()).decode()


async def _fetch(url: str, queries: list[BalanceQuery], height: int) -> tuple[dict, float]:
    registry = AssetRegistry.load()
    network, family = registry.network("SOL"), get_family("solana")
    assert network is not None and family is not None
    endpoint = Endpoint(url=url, backend="solana-rpc", display=display_url(url), max_concurrency=8,
                        requests_per_second=0, batch_size=100)
    async with family.open_adapter(network, endpoint) as adapter:
        await adapter.snapshot(height)
        started = time.perf_counter()
        balances = await adapter.fetch_balances(queries, height)
        return balances, time.perf_counter() - started


def main(count: int) -> None:
    usdt = AssetRegistry.load().resolve("USDT-SOL", "SOL")
    assert usdt is not None and usdt.contract
    ledger = SolanaLedger()
    owners = [_owner(i) for i in range(count)]
    for i, owner in enumerate(owners):
        ledger.fund(owner, 10**9 + i)
    ledger.mine()
    token_accounts = [ledger.create_token_account(owner, usdt.contract) for owner in owners]
    ledger.mine()
    for i, account in enumerate(token_accounts):
        ledger.mint_tokens(account, 5_000_000 + i)
    height = ledger.mine()
    for i in range(0, count, 4):  # a quarter move after the snapshot
        ledger.transfer(owners[i], owners[(i + 1) % count], 1_000)
        ledger.token_transfer(token_accounts[i], token_accounts[(i + 2) % count], 1_000)
    ledger.mine(skip=1)
    print("| figure | owners | seconds | balances/s | HTTP requests | per 1,000 addresses | roll-back share | "
          "JSON-RPC calls | per 1,000 | roll-back share |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    with ServerThread(ledger) as server:
        for label, contract in (("SOL (getMultipleAccounts + roll-back)", None),
                                ("USDT (getTokenAccountsByOwner + roll-back)", usdt.contract)):
            server.http_requests, server.calls, server.http_by_method = 0, {}, {}
            queries = [BalanceQuery(o, contract) for o in owners]
            balances, elapsed = asyncio.run(_fetch(server.url, queries, height))
            for q in queries:
                want = (ledger.lamports_at(q.address, height) if contract is None
                        else ledger.tokens_at(q.address, contract, height))
                assert balances[q].amount == want, (q, balances[q])
            calls = sum(server.calls.values())
            rollback = sum(server.calls.get(m, 0) for m in ROLLBACK)
            reads = server.http_requests  # with the snapshot's 5 (identity, tip, block, history, block re-check)
            rollback_http = sum(server.http_by_method.get(m, 0) for m in ROLLBACK)
            print(f"| {label} | {count:,} | {elapsed:.2f} | {count / elapsed:,.0f} | {reads:,} | "
                  f"{reads * 1000 / count:,.1f} | {rollback_http / reads:.0%} | {calls:,} | "
                  f"{calls * 1000 / count:,.0f} | {rollback / calls:.0%} |")
    print()
    print("HTTP requests carry JSON-RPC batches of up to 100 calls (`rpc_batch`); the roll-back share is "
          "getSignaturesForAddress + getTransaction among all calls. Every rolled-back account costs one "
          "getSignaturesForAddress page here, and one getTransaction if it moved after the snapshot (a quarter "
          "did). USDT rows also read the owner's own transactions after the snapshot, to find token accounts "
          "closed or handed over since (`find_closed_token_accounts`, on by default): one more page per owner "
          "and one getTransaction per owner transaction.")
    print(f"Load average when measured: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores (other work on the "
          "machine slows both client and stand-in; counts do not depend on it).")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10_000)
