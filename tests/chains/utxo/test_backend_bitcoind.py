"""The bitcoind backend (scantxoutset) against a real regtest Litecoin Core."""

from __future__ import annotations

import dataclasses

import pytest

from chains.base import BalanceQuery, DataSourceError
from chains.utxo.backends import open_backend
from chains.utxo.bitcoind import BitcoindAdapter, coins_to_sats
from tests.chains.utxo.conftest import NETWORK, amounts, endpoint, queries, rolled_back_to_snapshot
from tests.nodes import free_port
from tests.nodes.electrumx import ElectrumX
from tests.nodes.esplora_server import EsploraServer
from tests.nodes.litecoind import RPC_PASSWORD, RPC_USER
from tests.nodes.ltc_chain import BuiltChain


def adapter(url: str, **options: object) -> BitcoindAdapter:
    opened = open_backend(NETWORK, endpoint(url, "bitcoind", options=dict(options), retries=1))
    assert isinstance(opened, BitcoindAdapter)
    return opened


async def test_refuses_a_tip_above_the_snapshot_and_says_how_to_roll_back(chain: BuiltChain) -> None:
    next_hash = chain.block_hash(chain.snapshot_height + 1)
    async with adapter(chain.node.url) as source:
        with pytest.raises(DataSourceError) as refused:
            await source.snapshot(chain.snapshot_height)
    message = str(refused.value)
    assert f"invalidateblock {next_hash}" in message
    assert f"reconsiderblock {next_hash}" in message
    assert f"tip is block {chain.tip_height}" in message
    assert RPC_PASSWORD not in message and f"127.0.0.1:{chain.node.rpc_port}" in message


async def test_refuses_a_node_behind_the_snapshot(chain: BuiltChain) -> None:
    async with adapter(chain.node.url) as source:
        with pytest.raises(DataSourceError, match="behind"):
            await source.snapshot(chain.tip_height + 10)


async def test_balances_at_the_snapshot_after_invalidateblock(chain: BuiltChain) -> None:
    with rolled_back_to_snapshot(chain):
        async with adapter(chain.node.url) as source:
            snapshot = await source.snapshot(chain.snapshot_height)
            results = await source.fetch_balances(queries(chain), chain.snapshot_height)
    assert snapshot.block_hash == chain.snapshot_hash and snapshot.height == chain.snapshot_height
    assert snapshot.endpoint == f"http://127.0.0.1:{chain.node.rpc_port}"
    assert amounts(results) == {a.address: chain.expected_at_snapshot[a.address] for a in chain.addresses.values()}
    assert {b.method for b in results.values()} == {"scantxoutset"}
    # The multisig outputs were funded and are found (not just zero everywhere).
    assert results[queries(chain)[3]].amount and results[queries(chain)[4]].amount


async def test_small_chunks_give_the_same_figures(chain: BuiltChain) -> None:
    bulk = [BalanceQuery(a) for a in chain.bulk[:20]]
    with rolled_back_to_snapshot(chain):
        async with adapter(chain.node.url, scan_chunk=6) as source:
            await source.snapshot(chain.snapshot_height)
            results = await source.fetch_balances(bulk, chain.snapshot_height)
    assert source.scans == 4  # 20 scripts in chunks of 6
    assert amounts(results) == {q.address: chain.expected_at_snapshot[q.address] for q in bulk}


async def test_a_tip_that_moves_during_the_read_gives_no_figures(chain: BuiltChain) -> None:
    with rolled_back_to_snapshot(chain) as next_hash:
        async with adapter(chain.node.url) as source:
            await source.snapshot(chain.snapshot_height)
            chain.node.rpc("reconsiderblock", next_hash)  # the node moves on before the scan
            results = await source.fetch_balances(queries(chain), chain.snapshot_height)
    assert all(b.amount is None for b in results.values())
    assert all("tip moved" in b.error for b in results.values())


async def test_unanswerable_queries_get_none_never_zero(chain: BuiltChain) -> None:
    bad = [
        BalanceQuery("not-an-address"),
        BalanceQuery("ltc1qw508d6qejxtdg4y5r3zarvary0c5xw7kgmn4n9"),  # mainnet: wrong network
        BalanceQuery(chain.addresses["legacy"].address, contract="0xdeadbeef"),
    ]
    with rolled_back_to_snapshot(chain):
        async with adapter(chain.node.url) as source:
            results = await source.fetch_balances(bad, chain.snapshot_height)
    assert all(b.amount is None and b.error for b in results.values())


async def test_wrong_credentials_name_the_endpoint_without_secrets(chain: BuiltChain) -> None:
    url = f"http://{RPC_USER}:wrong-password@127.0.0.1:{chain.node.rpc_port}/"
    async with adapter(url) as source:
        with pytest.raises(DataSourceError) as refused:
            await source.snapshot(chain.tip_height)
    message = str(refused.value)
    assert f"http://127.0.0.1:{chain.node.rpc_port}" in message and "401" in message
    assert "wrong-password" not in message and RPC_USER not in message


async def test_cookie_file_credentials(chain: BuiltChain, tmp_path: object) -> None:
    cookie = tmp_path / ".cookie"  # type: ignore[operator]
    cookie.write_text(f"{RPC_USER}:{RPC_PASSWORD}")
    async with adapter(f"http://127.0.0.1:{chain.node.rpc_port}/", cookie_file=str(cookie)) as source:
        with pytest.raises(DataSourceError, match="invalidateblock"):  # authenticated: it got to the tip check
            await source.snapshot(chain.snapshot_height)


async def test_unreachable_node_and_wrong_chain(chain: BuiltChain) -> None:
    async with adapter(f"http://{RPC_USER}:{RPC_PASSWORD}@127.0.0.1:{free_port()}/") as source:
        with pytest.raises(DataSourceError) as unreachable:
            await source.snapshot(1)
    assert "127.0.0.1" in str(unreachable.value) and RPC_PASSWORD not in str(unreachable.value)
    async with adapter(chain.node.url, genesis_hash="00" * 32) as source:
        with pytest.raises(DataSourceError, match="another chain"):
            await source.snapshot(chain.tip_height)


def test_amount_conversion_is_exact() -> None:
    assert coins_to_sats(0.1) == 10_000_000
    assert coins_to_sats(0.00000001) == 1
    assert coins_to_sats(1234567.89012345) == 123456789012345
    assert coins_to_sats("21000000.00000000") == 2_100_000_000_000_000
    with pytest.raises(ValueError):
        coins_to_sats(0.000000001)
    with pytest.raises(ValueError):
        coins_to_sats(None)


async def test_all_three_backends_agree(
    chain: BuiltChain, electrumx: ElectrumX, esplora: EsploraServer
) -> None:
    """Electrum and Esplora read at the tip (H in their past); bitcoind needs the node rolled back to H."""
    wanted = queries(chain) + [BalanceQuery(a) for a in chain.bulk]
    height = chain.snapshot_height
    readings = {}
    for backend, url in (("electrum", electrumx.url), ("esplora", esplora.url)):
        async with open_backend(NETWORK, endpoint(url, backend)) as source:
            assert (await source.snapshot(height)).block_hash == chain.snapshot_hash
            readings[backend] = amounts(await source.fetch_balances(wanted, height))
    with rolled_back_to_snapshot(chain):
        async with adapter(chain.node.url) as source:
            await source.snapshot(height)
            readings["bitcoind"] = amounts(await source.fetch_balances(wanted, height))
    expected = {q.address: chain.expected_at_snapshot[q.address] for q in wanted}
    assert readings["bitcoind"] == readings["electrum"] == readings["esplora"] == expected


def test_unknown_backend_is_refused() -> None:
    with pytest.raises(ValueError, match="known: bitcoind, electrum, esplora"):
        open_backend(NETWORK, dataclasses.replace(endpoint("http://127.0.0.1:1/", "bitcoind"), backend="blockbook"))
