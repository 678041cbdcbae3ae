"""TON balances against the local toncenter API v2 stand-in (tests/nodes/ton_server.py, on its own thread in this
process: client and server share one interpreter, so the rate is a floor). 10,000 wallets hold TON and USDT at
the snapshot block; a quarter of them move both after it. Reads are at the snapshot block itself (an archival
source keeps its state), so there is no roll-back. Requests are counted at the server.

Run: python benchmarks/ton_balances.py [WALLETS]
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # for tests.nodes

from auditor.assets import AssetRegistry
from chains.base import BalanceQuery, Endpoint
from chains.registry import get_family
from chains.transport import display_url
from tests.nodes.ton_server import ServerThread, TonLedger


def _wallet(i: int) -> str:
    return "0:" + hashlib.sha256(f"wallet {i}".encode()).hexdigest()


async def _fetch(url: str, queries: list[BalanceQuery], height: int) -> tuple[dict, float]:
    registry = AssetRegistry.load()
    network, family = registry.network("TON"), get_family("ton")
    assert network is not None and family is not None
    endpoint = Endpoint(url=url, backend="toncenter-v2", display=display_url(url), max_concurrency=16,
                        requests_per_second=0, batch_size=100)
    async with family.open_adapter(network, endpoint) as adapter:
        await adapter.snapshot(height)
        started = time.perf_counter()
        balances = await adapter.fetch_balances(queries, height)
        return balances, time.perf_counter() - started


def main(count: int) -> None:
    usdt = AssetRegistry.load().resolve("USDT-TON", "TON")
    assert usdt is not None and usdt.contract
    ledger = TonLedger()
    wallets = [_wallet(i) for i in range(count)]
    for i, wallet in enumerate(wallets):
        ledger.credit(wallet, 10**9 + i)
        ledger.mint(usdt.contract, wallet, 5_000_000 + i)
    height = ledger.mine()
    for i in range(0, count, 4):
        ledger.transfer(wallets[i], wallets[(i + 1) % count], 1_000)
        ledger.jetton_transfer(usdt.contract, wallets[i], wallets[(i + 2) % count], 1_000)
    ledger.mine()
    print("| figure | wallets | seconds | balances/s | HTTP requests | per 1,000 addresses |")
    print("|---|---:|---:|---:|---:|---:|")
    with ServerThread(ledger) as server:
        for label, contract in (("TON (getExtendedAddressInformation at S)", None),
                                ("USDT (runGetMethod get_wallet_address + get_wallet_data at S)", usdt.contract)):
            server.requests = {}
            queries = [BalanceQuery(w, contract) for w in wallets]
            balances, elapsed = asyncio.run(_fetch(server.url, queries, height))
            for q in queries:
                want = (ledger.balance(q.address, height) if contract is None
                        else ledger.jetton_balance(contract, q.address, height))
                assert balances[q].amount == want, (q, balances[q])
            reads = server.http_requests  # with the snapshot's 5 (info x2, lookupBlock x2, probe)
            print(f"| {label} | {count:,} | {elapsed:.2f} | {count / elapsed:,.0f} | {reads:,} | "
                  f"{reads * 1000 / count:,.0f} |")
    print()
    print("toncenter's API v2 reads one account per request (no batching); no roll-back requests: the state at "
          "the snapshot block is read directly.")
    print(f"Load average when measured: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores (other work on the "
          "machine slows both client and stand-in; counts do not depend on it).")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10_000)
