"""Balances per second at the snapshot height with each UTXO backend, on a local regtest chain.

Run: python benchmarks/utxo_backends.py [ADDRESSES]   (default 1,000; needs litecoind and the electrum extra)

Starts litecoind on 127.0.0.1, funds ADDRESSES addresses (plus the test addresses) in real transactions,
starts ElectrumX twice (reply padding off as in the tests, and on as public servers run it) and the local
Esplora-API server, then times one `fetch_balances` over all addresses per backend, checking every figure
against the node wallet's own count. Figures are for one machine and a tiny chain: the bitcoind figure
is dominated by the UTXO set size on a real chain (a full scan per chunk), the others by history lengths.
Requests are counted by the client's transport for the snapshot check and the read (HTTP requests; Electrum:
frames on the socket, a JSON array of calls being one), per 1,000 addresses; the same script run with an older
checkout on PYTHONPATH gives its figures (the attributes read exist there too).
"""

from __future__ import annotations

import asyncio
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from chains.base import BalanceQuery, Endpoint
from chains.transport import display_url
from chains.utxo.backends import open_backend
from tests.chains.utxo.conftest import NETWORK, rolled_back_to_snapshot
from tests.nodes.electrumx import ElectrumX
from tests.nodes.esplora_server import EsploraServer
from tests.nodes.litecoind import Litecoind
from tests.nodes.ltc_chain import BuiltChain, build_chain


async def measure(label: str, backend: str, url: str, chain: BuiltChain, wanted: list[BalanceQuery],
                  batch_size: int = 1000) -> None:
    endpoint = Endpoint(
        url=url,
        backend=backend,
        display=display_url(url),
        requests_per_second=0,
        max_concurrency=8,
        batch_size=batch_size,
        timeout_seconds=60,
    )
    async with open_backend(NETWORK, endpoint) as source:
        await source.snapshot(chain.snapshot_height)
        started = time.perf_counter()
        results = await source.fetch_balances(wanted, chain.snapshot_height)
        elapsed = time.perf_counter() - started
        connection = getattr(source, "connection", None)  # Electrum: frames, not calls
        requests = connection.batches_sent if connection is not None else source.requests_sent
    wrong = [q.address for q, b in results.items() if b.amount != chain.expected_at_snapshot[q.address]]
    assert not wrong, f"{label}: {len(wrong)} figures differ from the node's wallet, e.g. {wrong[:3]}"
    print(f"{label:<40} {len(wanted):>6} balances in {elapsed:7.3f} s = {len(wanted) / elapsed:9.0f} balances/s, "
          f"{requests:>5} requests = {1000 * requests / len(wanted):7.1f} per 1,000 addresses")


async def run_all(chain: BuiltChain, electrum: ElectrumX, padded: ElectrumX, esplora: EsploraServer) -> None:
    wanted = [BalanceQuery(a) for a in chain.bulk]
    await measure("electrum (ElectrumX, no padding)", "electrum", electrum.url, chain, wanted)
    await measure("electrum (no padding, batch_size 100)", "electrum", electrum.url, chain, wanted, 100)
    await measure("electrum (ElectrumX, padding on)", "electrum", padded.url, chain, wanted)
    await measure("esplora (local server)", "esplora", esplora.url, chain, wanted)
    with rolled_back_to_snapshot(chain):
        await measure("bitcoind (scantxoutset)", "bitcoind", chain.node.url, chain, wanted)


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    with Litecoind() as node:
        chain = build_chain(node, bulk=count)
        electrum = ElectrumX(node).start()
        padded = ElectrumX(node, padding=True).start()
        esplora = EsploraServer(node).start()
        try:
            asyncio.run(run_all(chain, electrum, padded, esplora))
        finally:
            esplora.stop()
            padded.stop()
            electrum.stop()


if __name__ == "__main__":
    main()
