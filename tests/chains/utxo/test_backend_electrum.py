"""The Electrum backend against a real ElectrumX indexing the regtest litecoind, over TCP and TLS."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import time
from pathlib import Path

import pytest

from chains.base import BalanceQuery, DataSourceError
from chains.utxo.backends import open_backend
from chains.utxo.electrum import ElectrumAdapter, ElectrumConnection
from tests.chains.utxo.conftest import NETWORK, amounts, endpoint, queries
from tests.nodes import free_port
from tests.nodes.electrumx import ElectrumX
from tests.nodes.ltc_chain import BuiltChain


def adapter(url: str, batch_size: int = 500, retries: int = 2, **options: object) -> ElectrumAdapter:
    opened = open_backend(NETWORK, endpoint(url, "electrum", dict(options), retries=retries, batch_size=batch_size))
    assert isinstance(opened, ElectrumAdapter)
    return opened


async def test_balances_at_snapshot_and_at_tip(chain: BuiltChain, electrumx: ElectrumX) -> None:
    async with adapter(electrumx.url) as source:
        snapshot = await source.snapshot(chain.snapshot_height)
        at_h = await source.fetch_balances(queries(chain), chain.snapshot_height)
        at_tip = await source.fetch_balances(queries(chain), chain.tip_height)
    assert snapshot.block_hash == chain.snapshot_hash and snapshot.endpoint == electrumx.url
    assert amounts(at_h) == {a.address: chain.expected_at_snapshot[a.address] for a in chain.addresses.values()}
    assert amounts(at_tip) == {a.address: chain.expected_at_tip[a.address] for a in chain.addresses.values()}
    assert amounts(at_h) != amounts(at_tip)  # spends after H are not counted at H
    assert {b.method for b in at_h.values()} == {"electrum-history"}


async def test_tls_with_the_servers_certificate(
    chain: BuiltChain, electrumx: ElectrumX, tls_files: tuple[Path, Path]
) -> None:
    wanted = [BalanceQuery(a) for a in chain.bulk[:10]]
    async with adapter(electrumx.tls_url, tls_ca_file=str(tls_files[0])) as source:
        await source.snapshot(chain.snapshot_height)
        results = await source.fetch_balances(wanted, chain.snapshot_height)
    assert amounts(results) == {q.address: chain.expected_at_snapshot[q.address] for q in wanted}
    async with adapter(electrumx.tls_url) as source:  # self-signed: refused unless trusted...
        with pytest.raises((DataSourceError, OSError)):
            await source.snapshot(chain.snapshot_height)
    async with adapter(electrumx.tls_url, tls_verify=False) as source:  # ...or verification is turned off
        assert (await source.snapshot(chain.snapshot_height)).block_hash == chain.snapshot_hash


async def test_small_batches_and_many_addresses(chain: BuiltChain, electrumx: ElectrumX) -> None:
    wanted = [BalanceQuery(a) for a in chain.bulk]
    started = time.monotonic()
    async with adapter(electrumx.url, batch_size=7) as source:
        results = await source.fetch_balances(wanted, chain.snapshot_height)
        sent, batches = source.connection.requests_sent, source.connection.batches_sent
    assert amounts(results) == {q.address: chain.expected_at_snapshot[q.address] for q in wanted}
    assert sent >= len(wanted) + 1  # a history per address and the one transaction that funded them all
    assert batches >= len(wanted) // 7  # in arrays of at most 7 requests
    assert time.monotonic() - started < 20


async def test_unanswerable_queries_get_none_never_zero(chain: BuiltChain, electrumx: ElectrumX) -> None:
    bad = [BalanceQuery("not-an-address"), BalanceQuery(chain.addresses["legacy"].address, contract="0xabc")]
    async with adapter(electrumx.url) as source:
        results = await source.fetch_balances(bad, chain.snapshot_height)
    assert all(b.amount is None and b.error for b in results.values())


async def test_behind_wrong_chain_unreachable(chain: BuiltChain, electrumx: ElectrumX) -> None:
    async with adapter(electrumx.url) as source:
        with pytest.raises(DataSourceError, match="behind"):
            await source.snapshot(chain.tip_height + 1)
    async with adapter(electrumx.url, genesis_hash="11" * 32) as source:
        with pytest.raises(DataSourceError, match="another chain"):
            await source.snapshot(chain.snapshot_height)
    url = f"tcp://127.0.0.1:{free_port()}"
    async with adapter(url, retries=2) as source:
        with pytest.raises(DataSourceError, match=f"{url}: no answer after 2 attempts"):
            await source.snapshot(chain.snapshot_height)
    with pytest.raises(ValueError, match="tcp://host:port"):
        adapter("http://127.0.0.1:1/")


async def test_a_server_that_stops_reading_times_out_instead_of_hanging() -> None:
    """The server answers server.version, then never reads again: a batch bigger than the socket buffers
    cannot be written, and the write's timeout is retried and then reported like any stalled connection."""
    connections = 0
    release = asyncio.Event()

    async def stalled(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal connections
        connections += 1
        request = json.loads(await reader.readline())
        writer.write(json.dumps({"jsonrpc": "2.0", "id": request["id"], "result": ["stub", "1.4"]}).encode() + b"\n")
        await writer.drain()
        await release.wait()  # reads nothing more: the client's writes pile up in the kernel buffers
        writer.close()

    server = await asyncio.start_server(stalled, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    url = f"tcp://127.0.0.1:{port}"
    connection = ElectrumConnection(dataclasses.replace(endpoint(url, "electrum", retries=2), timeout_seconds=0.5))
    huge = [("blockchain.transaction.broadcast", ["00" * 16 * 1024 * 1024])]  # 32 MB of JSON
    started = time.monotonic()
    try:
        with pytest.raises(DataSourceError, match=f"{url}: no answer after 2 attempts \\(TimeoutError"):
            await asyncio.wait_for(connection.batch(huge), timeout=30)  # a hang fails here, not forever
    finally:
        await connection.close()
        release.set()
        server.close()
        await server.wait_closed()
    assert connections == 2  # the stalled socket was dropped and the retry reconnected
    assert time.monotonic() - started < 10
