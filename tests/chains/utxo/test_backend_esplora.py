"""The Esplora backend against the local Esplora-API server fed by the regtest litecoind."""

from __future__ import annotations

import dataclasses
import time

import pytest

from chains.base import BalanceQuery, DataSourceError, Network
from chains.utxo.backends import open_backend
from chains.utxo.esplora import EsploraAdapter
from chains.utxo.query import UtxoQueryDetail
from tests.chains.utxo.conftest import NETWORK, amounts, endpoint, queries
from tests.nodes import free_port
from tests.nodes.esplora_server import EsploraServer
from tests.nodes.ltc_chain import BuiltChain


def adapter(url: str, network: Network = NETWORK, retries: int = 3, **options: object) -> EsploraAdapter:
    opened = open_backend(network, endpoint(url, "esplora", dict(options), retries=retries))
    assert isinstance(opened, EsploraAdapter)
    return opened


async def test_balances_at_snapshot_and_at_tip(chain: BuiltChain, esplora: EsploraServer) -> None:
    async with adapter(esplora.url) as source:
        snapshot = await source.snapshot(chain.snapshot_height)
        at_h = await source.fetch_balances(queries(chain), chain.snapshot_height)
        at_tip = await source.fetch_balances(queries(chain), chain.tip_height)
    assert snapshot.block_hash == chain.snapshot_hash
    assert amounts(at_h) == {a.address: chain.expected_at_snapshot[a.address] for a in chain.addresses.values()}
    assert amounts(at_tip) == {a.address: chain.expected_at_tip[a.address] for a in chain.addresses.values()}
    assert {b.method for b in at_h.values()} == {"esplora-history"}


async def test_long_history_is_paged(chain: BuiltChain, esplora: EsploraServer) -> None:
    busy = chain.addresses["busy"].address
    esplora.paths.clear()
    async with adapter(esplora.url) as source:
        results = await source.fetch_balances([BalanceQuery(busy)], chain.snapshot_height)
    assert amounts(results) == {busy: chain.expected_at_snapshot[busy]}
    pages = [p for p in esplora.paths if p.startswith(f"/address/{busy}/txs")]
    assert pages[0] == f"/address/{busy}/txs" and len(pages) >= 3
    assert all(p.startswith(f"/address/{busy}/txs/chain/") for p in pages[1:])


async def test_too_long_a_history_is_an_error_not_zero(chain: BuiltChain, esplora: EsploraServer) -> None:
    busy = chain.addresses["busy"].address
    async with adapter(esplora.url, max_pages=1) as source:
        (result,) = (await source.fetch_balances([BalanceQuery(busy)], chain.snapshot_height)).values()
    assert result.amount is None and "more than 25 confirmed transactions" in result.error


async def test_rate_limited_server_is_waited_for(chain: BuiltChain) -> None:
    """Every 2nd request answered 429 with Retry-After: 1; the figures are still right, and later."""
    throttled = EsploraServer(chain.node, throttle_every=2, retry_after="1").start()
    try:
        wanted = [BalanceQuery(chain.addresses["bech32"].address)]
        started = time.monotonic()
        async with adapter(throttled.url, retries=5) as source:
            results = await source.fetch_balances(wanted, chain.snapshot_height)
        elapsed = time.monotonic() - started
    finally:
        throttled.stop()
    assert amounts(results) == {q.address: chain.expected_at_snapshot[q.address] for q in wanted}
    assert throttled.throttled >= 1 and elapsed >= 1.0


async def test_unanswerable_queries_get_none_never_zero(chain: BuiltChain, esplora: EsploraServer) -> None:
    # A network that also accepts version 0x05 decodes a "3..." address the server's chain does not have:
    # the server answers 400, and that address alone gets no figure.
    lenient = dataclasses.replace(NETWORK, params={**NETWORK.params, "p2sh_alt": [0xC4, 0x05]})
    foreign = "3P14159f73E4gFr7JterCCQh9QjiTjiZrG"  # a mainnet-version P2SH address
    good = chain.addresses["msig_p2sh"]
    wanted = [BalanceQuery(foreign), BalanceQuery("nope"),
              BalanceQuery(good.address, None, UtxoQueryDetail(good.redeem_script))]
    async with adapter(esplora.url, network=lenient) as source:
        results = await source.fetch_balances(wanted, chain.snapshot_height)
    assert results[wanted[0]].amount is None and "400" in results[wanted[0]].error
    assert esplora.url in results[wanted[0]].error
    assert results[wanted[1]].amount is None and results[wanted[1]].error
    assert results[wanted[2]].amount == chain.expected_at_snapshot[good.address] > 0


async def test_behind_and_unreachable(chain: BuiltChain, esplora: EsploraServer) -> None:
    async with adapter(esplora.url) as source:
        with pytest.raises(DataSourceError, match="behind"):
            await source.snapshot(chain.tip_height + 1)
    url = f"http://127.0.0.1:{free_port()}"
    async with adapter(url, retries=1) as source:
        with pytest.raises(DataSourceError, match=url):
            await source.snapshot(chain.snapshot_height)


async def test_another_addresss_history_is_refused(chain: BuiltChain, esplora: EsploraServer) -> None:
    """A history page holding another address's transactions (a reply to another request) is not read as this
    address's: the row is unread with the reason, never 0 or the other's balance."""
    victim, other = chain.addresses["bech32"].address, chain.addresses["legacy"].address
    esplora.swapped[victim] = other
    try:
        async with adapter(esplora.url) as source:
            results = await source.fetch_balances([BalanceQuery(victim), BalanceQuery(other)], chain.snapshot_height)
    finally:
        esplora.swapped.clear()
    assert results[BalanceQuery(victim)].amount is None
    assert "neither pays nor spends it" in results[BalanceQuery(victim)].error
    assert results[BalanceQuery(other)].amount == chain.expected_at_snapshot[other]
