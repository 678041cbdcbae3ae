"""The UTXO backends' cost models against what they send, on the regtest litecoind chain: bitcoind (counted by
a proxy in front of the node), the local Esplora server (its own count) and ElectrumX (frames on the socket).
The transport's counters equal the server-side counts, and the planned requests cover them: exactly for
bitcoind, and for Esplora and Electrum as their history-dependent ranges allow, with the difference explained."""

from __future__ import annotations

import pytest

from chains.base import BalanceQuery
from chains.utxo.backends import open_backend
from tests.chains.request_counts import read_counted
from tests.chains.utxo.conftest import NETWORK, amounts, endpoint, queries, rolled_back_to_snapshot
from tests.nodes.counting_proxy import CountingProxy
from tests.nodes.electrumx import ElectrumX
from tests.nodes.esplora_server import EsploraServer
from tests.nodes.ltc_chain import BuiltChain


def _wanted(chain: BuiltChain) -> list[BalanceQuery]:
    return [*queries(chain), *(BalanceQuery(a) for a in chain.bulk[:40])]


def _expected(chain: BuiltChain, wanted: list[BalanceQuery]) -> dict[str, int | None]:
    return {q.address: chain.expected_at_snapshot[q.address] for q in wanted}


@pytest.mark.parametrize("scan_chunk", [None, 7])
async def test_bitcoind_plan_is_exact(chain: BuiltChain, scan_chunk: int | None) -> None:
    wanted = _wanted(chain)
    options = {"scan_chunk": scan_chunk} if scan_chunk else {}
    with CountingProxy(chain.node.url) as proxy, rolled_back_to_snapshot(chain):
        source = open_backend(NETWORK, endpoint(proxy.url_with_credentials(chain.node.url), "bitcoind",
                                                options, batch_size=20))
        counted = await read_counted(source, wanted, chain.snapshot_height)
        served = proxy.reset()["http"]
    assert amounts(counted.balances) == _expected(chain, wanted)
    assert counted.sent.requests == served == counted.planned.low == counted.planned.high
    # genesis, tip, block H; then per batch of 20 one scan, or ceil(scripts / 7)
    assert served == 3 + (sum(-(-n // 7) for n in _batch_sizes(len(wanted), 20)) if scan_chunk else
                          len(_batch_sizes(len(wanted), 20)))


def _batch_sizes(count: int, size: int) -> list[int]:
    return [min(size, count - start) for start in range(0, count, size)]


async def test_esplora_requests_within_the_plan(chain: BuiltChain, esplora: EsploraServer) -> None:
    wanted = _wanted(chain)
    before = esplora.requests
    esplora.paths.clear()
    source = open_backend(NETWORK, endpoint(esplora.url, "esplora", batch_size=20))
    counted = await read_counted(source, wanted, chain.snapshot_height)
    served = esplora.requests - before
    assert amounts(counted.balances) == _expected(chain, wanted)
    assert counted.sent.requests == served and counted.planned.covers(served)
    # one page per address, but for the pages after the first of the busy address (three at the tip)
    busy = chain.addresses["busy"].address
    later_pages = sum(1 for p in esplora.paths if p.startswith(f"/address/{busy}/txs/chain/"))
    assert later_pages == 2 and served == counted.planned.low + later_pages


async def test_electrum_frames_within_the_plan(chain: BuiltChain, electrumx: ElectrumX) -> None:
    wanted = _wanted(chain)
    source = open_backend(NETWORK, endpoint(electrumx.url, "electrum", batch_size=20))
    counted = await read_counted(source, wanted, chain.snapshot_height)
    assert amounts(counted.balances) == _expected(chain, wanted)
    assert counted.planned.covers(counted.sent.requests) and counted.planned.high is None
    batches = len(_batch_sizes(len(wanted), 20))
    # the plan's floor: version, genesis, tip, block H; per batch one get_history frame and one header frame.
    # What it cannot know: the transaction.get frames, at most one per batch at this size (20 calls a frame)
    assert counted.planned.low == 4 + 2 * batches
    assert counted.planned.low <= counted.sent.requests <= counted.planned.low + batches
    assert counted.sent.calls > counted.sent.requests  # calls go in frames
