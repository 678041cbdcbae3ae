"""Filecoin balances per second against the local Lotus JSON-RPC stand-in (tests/nodes/lotus_server.py, on its
own thread in this process: client and server share one interpreter, so the figures are floors), at 10,000 f1
addresses, a fifth of which move after the snapshot. Requests are counted at the server.

Run: python benchmarks/filecoin_balances.py [ADDRESSES]
"""

from __future__ import annotations

import asyncio
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # for tests.nodes

from auditor.assets import AssetRegistry
from chains.base import BalanceQuery, Endpoint
from chains.filecoin import addresses
from chains.registry import get_family
from chains.transport import display_url
from tests.nodes.lotus_server import FilLedger, LotusServer
from tests.nodes.stand_in import ServerThread


async def _fetch(url: str, queries: list[BalanceQuery], height: int, batch: int) -> tuple[dict, float]:
    network = AssetRegistry.load().network("FIL")
    family = get_family("filecoin")
    endpoint = Endpoint(url=url, backend="lotus", display=display_url(url), max_concurrency=8,
                        requests_per_second=0, batch_size=batch, options={"finality_epochs": 2})
    async with family.open_adapter(network, endpoint) as adapter:
        started = time.perf_counter()
        balances = await adapter.fetch_balances(queries, height)
        return balances, time.perf_counter() - started


def main(count: int) -> None:
    ledger = FilLedger()
    holders = [addresses.encode(i.to_bytes(20, "big")) for i in range(1, count + 1)]
    for i, holder in enumerate(holders):
        ledger.credit(holder, 10**18 + i)
    height = ledger.mine(2)
    for i in range(0, count, 5):
        ledger.transfer(holders[i], holders[(i + 1) % count], 1000)
    ledger.mine(4)
    print("| backend | addresses | batch_size | seconds | balances/s | requests | requests per 1,000 |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    server = LotusServer(ledger)
    with ServerThread(server):
        for batch in (100, 500):
            server.requests.clear()
            queries = [BalanceQuery(h) for h in holders]
            balances, elapsed = asyncio.run(_fetch(server.rpc_url, queries, height, batch))
            wrong = [q for q in queries if balances[q].amount != ledger.balance(q.address, height)]
            assert not wrong, wrong[:3]
            requests = server.total_requests
            print(f"| lotus StateGetActor@H (JSON-RPC batches) | {count:,} | {batch} | {elapsed:.2f} | "
                  f"{count / elapsed:,.0f} | {requests} | {requests * 1000 / count:.1f} |")
    print("\nRequests include the snapshot checks (genesis, head, tipset, head again for finality, probe actor, tipset re-check: 6). "
          "No roll-back: Lotus reads the state at the snapshot tipset itself.")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10_000)
