"""Provider quorum's cost: 10,000 EVM balances read from one anvil node, then through a QuorumAdapter over that
node and a fork of it at the snapshot block (same block hash, same state). Requests and balance sub-calls are
counted at each server (a counting proxy in front of each node). Prints Markdown for BENCHMARKS.md.

    .venv/bin/python benchmarks/quorum.py [--count 10000]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from auditor.assets import AssetRegistry  # noqa: E402
from auditor.demo.anvil import Anvil  # noqa: E402
from auditor.demo.chain import DemoChain  # noqa: E402
from auditor.demo.signing import evm_address  # noqa: E402
from chains.base import BalanceAdapter, BalanceQuery, Endpoint  # noqa: E402
from chains.evm.adapter import EvmBalanceAdapter  # noqa: E402
from chains.quorum import QuorumAdapter  # noqa: E402
from tests.nodes.counting_proxy import CountingProxy  # noqa: E402


class RequestCountingProxy(CountingProxy):
    """The counting proxy, also counting HTTP requests as the server receives them."""

    def _count(self, path: str, body: bytes) -> None:
        super()._count(path, body)
        with self._lock:
            self.counts["requests"] += 1


def _adapter(url: str) -> EvmBalanceAdapter:
    endpoint = Endpoint(url=url, backend="jsonrpc", display=url, chain_id=1, batch_size=500, max_concurrency=4,
                        requests_per_second=1_000_000)
    return EvmBalanceAdapter(AssetRegistry.load().network("ETH"), endpoint)


async def _read(adapter: BalanceAdapter, queries: list[BalanceQuery], height: int) -> tuple[float, int]:
    async with adapter:
        await adapter.snapshot(height)
        started = time.perf_counter()
        answers = await adapter.fetch_balances(queries, height)
        elapsed = time.perf_counter() - started
    assert len(answers) == len(queries) and all(answer.ok for answer in answers.values())
    return elapsed, sum(1 for answer in answers.values() if answer.amount)


def _line(label: str, queries: int, elapsed: float, counts: list[Counter]) -> str:
    requests = sum(c["requests"] for c in counts)
    sub_calls = sum(c["evm-balance"] for c in counts)
    per_server = " + ".join(f"{c['requests']:,}" for c in counts)
    return (f"| {label} | {queries:,} | {queries / elapsed:,.0f} | {requests * 1000 / queries:,.1f} ({per_server}) | "
            f"{sub_calls * 1000 / queries:,.0f} |")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=10_000, help="balances read (half native, half a token)")
    count = parser.parse_args().count
    with Anvil(chain_id=1) as node:
        chain = DemoChain(node)
        chain.deploy_multicall3()
        token = chain.deploy_token("Bench USD", "BUSD", 6)
        from coincurve import PrivateKey

        holders = [evm_address(PrivateKey((i + 1).to_bytes(32, "big"))) for i in range(count // 2)]
        for address in holders[:50]:
            chain.mint(token, address, 10**6)
            chain.send_eth(address, 10**15)
        height = chain.mine()
        chain.send_eth(holders[0], 10**18)  # money moves after the snapshot: the fork only has the snapshot's
        queries = [q for h in holders for q in (BalanceQuery(h.lower()), BalanceQuery(h.lower(), token.lower()))]
        fork_args = ("--fork-url", node.url, "--fork-block-number", str(height))
        with Anvil(chain_id=1, extra_args=fork_args) as twin, RequestCountingProxy(node.url) as first, \
                RequestCountingProxy(twin.url) as second:
            lines = ["| read | balances | balances/s | requests per 1,000 balances (per server) | "
                     "balance sub-calls per 1,000 balances |", "|---|---:|---:|---:|---:|"]
            first.reset()
            elapsed, funded = asyncio.run(_read(_adapter(first.url), queries, height))
            lines.append(_line("one endpoint (multicall3, 500 per call, 4 in flight)", len(queries), elapsed,
                               [first.reset()]))
            second.reset()
            quorum = QuorumAdapter(AssetRegistry.load().network("ETH"), [_adapter(first.url), _adapter(second.url)], 2)
            elapsed, agreed_funded = asyncio.run(_read(quorum, queries, height))
            assert agreed_funded == funded == 100
            lines.append(_line("quorum 2 of 2 (the node and its fork at the snapshot)", len(queries), elapsed,
                               [first.reset(), second.reset()]))
    print("\n".join(lines))
    print("\nRequests include each endpoint's snapshot checks (chain id, tip, block, state) and the block re-check "
          "after reading; every balance is asked of every endpoint, so a quorum of N costs N times the reads. The fork "
          "fetches state it lacks from the first node (not counted here), so it is slower than an independent "
          "node would be; both run on the same 2 cores as the auditor.")


if __name__ == "__main__":
    main()
