"""Aptos balances per second against the local fullnode REST stand-in (tests/nodes/aptos_server.py, on its own
thread in this process, so the figure is a floor: client and server share one interpreter), and requests per
1,000 addresses counted at the server (snapshot checks included).

Run: python benchmarks/aptos_balances.py [ACCOUNTS] [CONCURRENCY]
"""

from __future__ import annotations

import asyncio
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # for tests.nodes

from auditor.assets import AssetRegistry
from chains.base import BalanceQuery, Endpoint
from chains.registry import get_family
from chains.transport import display_url
from tests.nodes.aptos_server import AptosChain, AptosServerThread


async def _read(url: str, queries, height: int, concurrency: int):
    registry = AssetRegistry.load()
    network, family = registry.network("APTOS"), get_family("aptos")
    assert network is not None and family is not None
    endpoint = Endpoint(url=url, backend="aptos-rest", display=display_url(url), max_concurrency=concurrency,
                        requests_per_second=0)
    async with family.open_adapter(network, endpoint) as adapter:
        started = time.perf_counter()
        balances = await adapter.fetch_balances(queries, height)
        return balances, time.perf_counter() - started


def main(accounts: int, concurrency: int) -> None:
    usdt = AssetRegistry.load().resolve("USDT", "APTOS")
    assert usdt is not None and usdt.contract
    chain = AptosChain()
    holders = [f"0x{i:064x}" for i in range(1, accounts + 1)]
    for i, holder in enumerate(holders):
        chain.credit_coin(holder, 100_000_000 + i)
        chain.credit_fa(holder, usdt.contract, 1_000_000 + i)
        if i % 2:
            chain.migrate(holder)  # half the accounts hold APT in the fungible store
    height = chain.seal()
    for i in range(0, accounts, 4):  # a quarter of the accounts move after the snapshot
        chain.transfer_fa(holders[i], holders[(i + 1) % accounts], usdt.contract, 1_000)
    chain.seal(2)
    print(f"| Aptos ({accounts:,} addresses, concurrency {concurrency}) | balances/s | requests per 1,000 addresses "
          "| requests |")
    print("|---|---:|---:|---:|")
    with AptosServerThread(chain) as server:
        for label, contract in (("APT (CoinStore resource + primary store view)", None),
                                ("USDT (primary store view)", usdt.contract)):
            queries = [BalanceQuery(h, contract) for h in holders]
            before = server.http_requests
            balances, elapsed = asyncio.run(_read(server.url, queries, height, concurrency))
            requests = server.http_requests - before
            wrong = [q for q in queries if balances[q].amount != chain.balance(q.address, height, q.contract)]
            assert not wrong, wrong[:3]
            print(f"| {label} | {accounts / elapsed:,.0f} | {requests * 1000 / accounts:,.1f} | {requests:,} |")
    print()
    print("Requests include the snapshot check (GET /v1, the block by height, one probe view) and the block re-check "
          "after reading; the REST API has no multi-account read, so APT costs two requests per address.")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10_000, int(sys.argv[2]) if len(sys.argv) > 2 else 16)
