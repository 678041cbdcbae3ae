"""aelf balances per second against the local aelf web API stand-in (tests/nodes/aelf_server.py, on its own
thread in this process: client and server share one interpreter, so the figures are floors), at 10,000
addresses. Each balance is a signed read-only GetBalance at the head, rolled back to the snapshot with the
token events of the blocks after it; the roll-back's share of the requests is counted at the server.

Run: python benchmarks/aelf_balances.py [ADDRESSES] [BLOCKS_AFTER_SNAPSHOT]
"""

from __future__ import annotations

import asyncio
import hashlib
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # for tests.nodes

from auditor.assets import AssetRegistry
from chains.aelf import addresses
from chains.base import BalanceQuery, Endpoint
from chains.registry import get_family
from chains.transport import display_url
from tests.nodes.aelf_server import AelfLedger, AelfServer
from tests.nodes.stand_in import ServerThread


async def _fetch(url: str, queries: list[BalanceQuery], height: int) -> tuple[dict, float]:
    network = AssetRegistry.load().network("ELF")
    family = get_family("aelf")
    endpoint = Endpoint(url=url, backend="aelf-web", display=display_url(url), max_concurrency=8,
                        requests_per_second=0, options={"pin_group_size": 50})
    async with family.open_adapter(network, endpoint) as adapter:
        started = time.perf_counter()
        balances = await adapter.fetch_balances(queries, height)
        return balances, time.perf_counter() - started


def main(count: int, blocks_after: int) -> None:
    ledger = AelfLedger()
    holders = [addresses.encode(hashlib.sha256(i.to_bytes(8, "big")).digest()) for i in range(count)]
    for i, holder in enumerate(holders):
        ledger.issue(holder, 10**10 + i)
    height = ledger.mine(2)
    moving = list(range(0, count, 5))  # a fifth of the addresses move after the snapshot, spread over the blocks
    per_block = max(1, len(moving) // blocks_after)
    for start in range(0, len(moving), per_block):
        for i in moving[start : start + per_block]:
            ledger.transfer(holders[i], holders[(i + 1) % count], 1000)
        ledger.mine()
    ledger.mine(max(0, blocks_after - (ledger.head - height)))
    server = AelfServer(ledger)
    with ServerThread(server):
        queries = [BalanceQuery(h) for h in holders]
        balances, elapsed = asyncio.run(_fetch(server.url, queries, height))
        wrong = [q for q in queries if balances[q].amount != ledger.balance(q.address, "ELF", height)]
        assert not wrong, wrong[:3]
    requests = server.total_requests
    rollback = server.requests["blockByHeight"] + server.requests["transactionResults"]
    print("| backend | addresses | blocks after H | seconds | balances/s | requests | requests per 1,000 | "
          "roll-back requests (share) |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    print(f"| aelf-web GetBalance@head + roll-back | {count:,} | {ledger.head - height} | {elapsed:.2f} | "
          f"{count / elapsed:,.0f} | {requests} | {requests * 1000 / count:.1f} | "
          f"{rollback} ({rollback / requests:.1%}) |")
    print(f"\nexecuteTransaction {server.requests['executeTransaction']}, chainStatus {server.requests['chainStatus']} "
          f"(head pins: one per group of 50), blockByHeight {server.requests['blockByHeight']}, transactionResults "
          f"{server.requests['transactionResults']} (these two are the roll-back's share, with 4 of the snapshot "
          "checks: block H, its re-check, block H+1 and its first results page). The roll-back costs about two requests per block after the "
          "snapshot whatever the number of addresses (aelf mainnet makes ~2 blocks a second: ~350,000 requests "
          "for a snapshot a day old), the reads one request per address and symbol.")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10_000, int(sys.argv[2]) if len(sys.argv) > 2 else 200)
