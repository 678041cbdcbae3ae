"""The Substrate balance adapter against Chopsticks running a real Asset Hub runtime (tests/nodes/chopsticks.py),
with tests/nodes/substrate_proxy.py in front where a node must be pruned, busy, or lie."""

from __future__ import annotations

import time
from dataclasses import replace
from typing import Any

import pytest

from chains.base import BalanceQuery, DataSourceError, Endpoint, Network, Refusal
from chains.registry import get_family
from chains.substrate import addresses, storage
from chains.transport import display_url
from tests.chains.substrate.conftest import USDC, USDT, World
from tests.nodes.substrate_proxy import SubstrateProxy

DOTAH = Network("DOTAH", "substrate", "Polkadot Asset Hub", "DOT", 10, params={
    "ss58_prefix": 0, "genesis_hash": "0x68d56f15f85d3136970ec16946040bc1752654e906147f7e43e9d539d7c3de2f"})


def _open(url: str, world: World, **options: Any):
    settings = {"genesis_hash": world.genesis, **options}
    endpoint = Endpoint(url=url, backend="substrate-rpc", display=display_url(url), max_concurrency=4,
                        requests_per_second=0, retries=3, timeout_seconds=30, batch_size=3, options=settings)
    family = get_family("substrate")
    assert family is not None
    return family.open_adapter(DOTAH, endpoint)


def _queries(world: World) -> list[BalanceQuery]:
    return [BalanceQuery(addresses.encode(a, 0), c) for a in world.accounts for c in (None, str(USDT), str(USDC))]


def _expected(world: World, query: BalanceQuery, tip: bool = False) -> int:
    _, account = addresses.decode(query.address)
    if query.contract is None:
        return (world.native_tip if tip else world.native)[account]
    return (world.assets_tip if tip else world.assets)[(int(query.contract), account)]


def test_storage_keys_are_the_nodes(substrate_world: World) -> None:
    node = substrate_world.node
    system = node.rpc("state_getKeysPaged", ["0x" + storage.SYSTEM_ACCOUNT.hex(), 1000])
    for account in substrate_world.accounts[:2]:
        assert "0x" + storage.system_account_key(account).hex() in system
    prefix = storage.ASSETS_ACCOUNT + storage.blake2_128_concat(storage.asset_id_bytes(USDT))
    assets = node.rpc("state_getKeysPaged", ["0x" + prefix.hex(), 1000])
    assert "0x" + storage.assets_account_key(USDT, substrate_world.accounts[0]).hex() in assets


async def test_figures_are_the_snapshot_blocks_while_the_tip_differs(substrate_world: World) -> None:
    world = substrate_world
    queries = _queries(world)
    moved = [q for q in queries if _expected(world, q) != _expected(world, q, tip=True)]
    assert len(moved) >= 4  # a reader of the tip would get other figures
    async with _open(world.node.url, world) as adapter:
        snapshot = await adapter.snapshot(world.height)
        assert snapshot.block_hash == world.node.rpc("chain_getBlockHash", [world.height])
        balances = await adapter.fetch_balances(queries, world.height)
        tip_height = world.node.height()
        at_tip = await adapter.fetch_balances(queries, tip_height)
    assert {q: b.amount for q, b in balances.items()} == {q: _expected(world, q) for q in queries}
    assert {q: b.amount for q, b in at_tip.items()} == {q: _expected(world, q, tip=True) for q in queries}
    a0 = addresses.encode(world.accounts[0], 0)
    frozen = world.frozen[world.accounts[0]]
    assert balances[BalanceQuery(a0)].note == f"frozen {frozen}"
    never = addresses.encode(world.accounts[2], 0)  # created only after H
    assert balances[BalanceQuery(never)].amount == 0
    assert balances[BalanceQuery(never)].note == "no account"
    assert {(b.method, b.read_at) for q, b in balances.items() if q.contract is None} == {("System.Account", None)}
    assert (balances[BalanceQuery(a0, str(USDT))].method, balances[BalanceQuery(a0, str(USDT))].note) == (
        "Assets.Account", "")  # the asset is the row's contract; the account is not frozen


async def test_pruned_node_is_refused(substrate_world: World) -> None:
    world = substrate_world
    with SubstrateProxy(world.node.url) as proxy:
        proxy.pruned.add(world.node.rpc("chain_getBlockHash", [world.height]))
        async with _open(proxy.url, world) as adapter:
            with pytest.raises(DataSourceError) as caught:
                await adapter.fetch_balances(_queries(world), world.height)
            assert caught.value.refusal is not None and caught.value.refusal.kind == Refusal.NO_STATE
            assert "State already discarded" in str(caught.value)
            await adapter.snapshot(world.height + 1)  # a block it still has is fine


async def test_state_discarded_during_the_read_is_refused(substrate_world: World) -> None:
    world = substrate_world
    with SubstrateProxy(world.node.url) as proxy:
        async with _open(proxy.url, world) as adapter:
            await adapter.snapshot(world.height)
            proxy.pruned.add(world.node.rpc("chain_getBlockHash", [world.height]))
            with pytest.raises(DataSourceError) as caught:
                await adapter.fetch_balances(_queries(world), world.height)
    assert caught.value.refusal is not None and caught.value.refusal.kind == Refusal.NO_STATE


async def test_other_chain_and_future_block_are_refused(substrate_world: World) -> None:
    world = substrate_world
    polkadot = "0x91b171bb158e2d3848fa23a9f1c25182fb8e20313b2c1eb49219da7a70ce90c3"
    async with _open(world.node.url, world, genesis_hash=polkadot) as adapter:
        with pytest.raises(DataSourceError) as caught:
            await adapter.snapshot(world.height)
    assert caught.value.refusal is not None and caught.value.refusal.kind == Refusal.WRONG_CHAIN
    assert polkadot in str(caught.value) and world.genesis in str(caught.value)
    async with _open(world.node.url, world) as adapter:
        with pytest.raises(DataSourceError) as caught:
            await adapter.snapshot(world.node.height() + 5)
    assert caught.value.refusal is not None and caught.value.refusal.kind == Refusal.BEHIND


async def test_429_with_retry_after_and_5xx_are_retried(substrate_world: World) -> None:
    world = substrate_world
    queries = _queries(world)
    with SubstrateProxy(world.node.url) as proxy:
        async with _open(proxy.url, world) as adapter:
            await adapter.snapshot(world.height)
            proxy.reset()
            proxy.failures.extend([(429, "1"), (503, None), (502, None)])
            started = time.monotonic()
            balances = await adapter.fetch_balances(queries, world.height)
            elapsed = time.monotonic() - started
        counts = proxy.reset()
    assert {q: b.amount for q, b in balances.items()} == {q: _expected(world, q) for q in queries}
    assert elapsed >= 1.0  # Retry-After: 1 was waited out
    batches = -(-len(queries) // 3)
    assert counts["state_queryStorageAt"] == batches + 3  # three were answered 429/503/502 and sent again
    assert counts["requests"] == batches + 3 + 1  # + the block-hash re-check after the read


async def test_malformed_value_leaves_its_row_unread(substrate_world: World) -> None:
    world = substrate_world
    a0, a1 = (addresses.encode(a, 0) for a in world.accounts[:2])
    garbled = "0x" + storage.system_account_key(world.accounts[0]).hex()

    def tamper(method: str, params: list, result: Any) -> Any:
        if method == "state_queryStorageAt":
            for change in result[0]["changes"]:
                if change[0] == garbled:
                    change[1] = change[1][:40]  # a truncated AccountInfo
        return result

    with SubstrateProxy(world.node.url) as proxy:
        proxy.tamper = tamper
        async with _open(proxy.url, world) as adapter:
            balances = await adapter.fetch_balances([BalanceQuery(a0), BalanceQuery(a1)], world.height)
    assert balances[BalanceQuery(a0)].amount is None
    assert "not an AccountInfo layout" in balances[BalanceQuery(a0)].error
    assert balances[BalanceQuery(a1)].amount == world.native[world.accounts[1]]


async def test_reply_for_another_account_or_block_is_refused(substrate_world: World) -> None:
    world = substrate_world
    a0, a1 = (addresses.encode(a, 0) for a in world.accounts[:2])
    asked = "0x" + storage.system_account_key(world.accounts[0]).hex()
    other = "0x" + storage.system_account_key(world.accounts[3]).hex()

    def swap_account(method: str, params: list, result: Any) -> Any:
        if method == "state_queryStorageAt":
            for change in result[0]["changes"]:
                if change[0] == asked:
                    change[0] = other  # the answer names another account
        return result

    def other_block(method: str, params: list, result: Any) -> Any:
        if method == "state_queryStorageAt" and len(params[0]) > 1:
            result[0]["block"] = "0x" + "ab" * 32
        return result

    queries = [BalanceQuery(a0), BalanceQuery(a1)]
    with SubstrateProxy(world.node.url) as proxy:
        proxy.tamper = swap_account
        async with _open(proxy.url, world) as adapter:
            balances = await adapter.fetch_balances(queries, world.height)
        assert balances[queries[0]].amount is None and "no entry" in balances[queries[0]].error
        assert balances[queries[1]].amount == world.native[world.accounts[1]]
        proxy.tamper = other_block
        async with _open(proxy.url, world) as adapter:
            balances = await adapter.fetch_balances(queries, world.height)
    assert all(b.amount is None and "not the snapshot's" in b.error for b in balances.values())


def test_storage_hashers_match_known_prefixes() -> None:
    # twox128("System") ‖ twox128("Account"): the prefix every Substrate explorer shows for System.Account
    assert storage.SYSTEM_ACCOUNT.hex() == "26aa394eea5630e07c48ae0c9558cef7b99d880ec681799c0cf30e8886371da9"
    assert storage.twox128(b"Assets").hex() == "682a59d51ab9e48a8c8cc418ff9708d2"


def test_account_info_layouts() -> None:
    data = b"".join(v.to_bytes(16, "little") for v in (10, 5, 3, (1 << 127)))
    for counters in (5, 8, 12, 16):
        account = storage.decode_account_info(bytes(counters) + data)
        assert (account.free, account.reserved, account.frozen, account.total) == (10, 5, 3, 15)
    old = b"".join(v.to_bytes(16, "little") for v in (10, 5, 3, 4))  # misc_frozen 3, fee_frozen 4
    assert storage.decode_account_info(bytes(16) + old).frozen == 4
    with pytest.raises(ValueError, match="79 bytes"):
        storage.decode_account_info(bytes(15) + data)
    with pytest.raises(ValueError, match="status byte"):
        storage.decode_asset_account((7).to_bytes(16, "little") + b"\x05\x00")


def test_options_and_backends_are_checked() -> None:
    family = get_family("substrate")
    assert family is not None
    endpoint = Endpoint(url="http://127.0.0.1:1", backend="substrate-rpc", display="http://127.0.0.1:1")
    with pytest.raises(ValueError, match="did you mean 'source'"):
        family.open_adapter(DOTAH, replace(endpoint, options={"sourse": "own"}))
    with pytest.raises(ValueError, match="asset-hub"):
        family.open_adapter(DOTAH, replace(endpoint, options={"source": "parachain"}))
    with pytest.raises(ValueError, match="asset_hub_genesis_hash"):  # DOTAH itself has none: it is the hub
        family.open_adapter(DOTAH, replace(endpoint, options={"source": "asset-hub"}))
    with pytest.raises(ValueError, match="substrate-rpc"):
        family.open_adapter(DOTAH, replace(endpoint, backend="electrum"))
    with pytest.raises(ValueError, match="genesis hash"):
        family.open_adapter(DOTAH, replace(endpoint, chain_id=0))


async def test_relay_block_after_the_asset_hub_migration_is_refused(substrate_world: World) -> None:
    """A relay chain's state holds RcMigrator.RcMigratedBalance[Archive] once balances leave for Asset Hub."""
    world = substrate_world
    relay = Network("DOT", "substrate", "Polkadot", "DOT", 10, params={
        "ss58_prefix": 0, "genesis_hash": "0x91b171bb158e2d3848fa23a9f1c25182fb8e20313b2c1eb49219da7a70ce90c3",
        "asset_hub_genesis_hash": DOTAH.params["genesis_hash"], "asset_hub_migration": "2025-11-04"})
    world.node.new_block()
    archive = "0x" + storage.RC_MIGRATED_BALANCE_ARCHIVE.hex()
    world.node.rpc("dev_setStorage", [[[archive, "0x" + (5).to_bytes(16, "little").hex() * 2]]])
    after = world.node.new_block()
    family = get_family("substrate")
    assert family is not None

    def adapter(**options: Any):
        endpoint = Endpoint(url=world.node.url, backend="substrate-rpc", display=display_url(world.node.url),
                            requests_per_second=0, options={"genesis_hash": world.genesis, **options})
        return family.open_adapter(relay, endpoint)

    async with adapter() as relay_adapter:
        await relay_adapter.snapshot(world.height)  # before: the relay still holds the balances
        with pytest.raises(DataSourceError) as caught:
            await relay_adapter.snapshot(after)
    assert caught.value.refusal is not None and caught.value.refusal.kind == Refusal.WRONG_CHAIN
    assert "source = \"asset-hub\"" in str(caught.value) and "2025-11-04" in str(caught.value)
    async with adapter(source="asset-hub") as hub_adapter:  # an Asset Hub node: no such check
        await hub_adapter.snapshot(after)


async def test_unfinalized_snapshot_and_a_reorg_are_refused(substrate_world: World) -> None:
    world = substrate_world
    earlier = world.node.rpc("chain_getBlockHash", [world.height - 1])
    other = "0x" + "cd" * 32

    def finalized_behind(method: str, params: list, result: Any) -> Any:
        return earlier if method == "chain_getFinalizedHead" else result

    def block_replaced(method: str, params: list, result: Any) -> Any:
        return other if method == "chain_getBlockHash" and params == [world.height] else result

    with SubstrateProxy(world.node.url) as proxy:
        proxy.tamper = finalized_behind
        async with _open(proxy.url, world) as adapter:
            with pytest.raises(DataSourceError) as caught:
                await adapter.snapshot(world.height)
        assert caught.value.refusal is not None and caught.value.refusal.kind == Refusal.NOT_FINAL
        assert f"final up to block {world.height - 1}" in str(caught.value)
        async with _open(proxy.url, world, require_final=False) as adapter:
            await adapter.snapshot(world.height)
        proxy.tamper = None
        async with _open(proxy.url, world) as adapter:
            await adapter.snapshot(world.height)
            proxy.tamper = block_replaced  # the block at H changes while the balances are read
            with pytest.raises(DataSourceError) as caught:
                await adapter.fetch_balances(_queries(world)[:2], world.height)
    assert caught.value.refusal is not None and caught.value.refusal.kind == Refusal.REORG
    assert other in str(caught.value)


async def test_provider_without_query_storage_at_is_read_key_by_key(substrate_world: World) -> None:
    world = substrate_world
    queries = _queries(world)
    with SubstrateProxy(world.node.url) as proxy:
        proxy.unavailable.add("state_queryStorageAt")
        async with _open(proxy.url, world) as adapter:
            balances = await adapter.fetch_balances(queries, world.height)
            proxy.pruned.add(world.node.rpc("chain_getBlockHash", [world.height]))
            with pytest.raises(DataSourceError) as caught:  # pruned: refused on this path too
                await adapter.fetch_balances(queries[:1], world.height)
        counts = proxy.reset()
    assert {q: b.amount for q, b in balances.items()} == {q: _expected(world, q) for q in queries}
    assert counts["state_getStorage"] == len(queries) + 1 + 1  # + System.Number of the snapshot check + pruned
    assert counts["state_queryStorageAt"] == 1  # asked once, then no more
    assert caught.value.refusal is not None and caught.value.refusal.kind == Refusal.NO_STATE


async def test_asset_hub_block_from_before_the_migration_is_refused_for_the_relay_coin(substrate_world: World) -> None:
    """source = "asset-hub" for a block whose time is before the registry's migration date and whose AhMigrator
    stage is still Pending: the relay chain held the balances then."""
    world = substrate_world
    params = {"ss58_prefix": 0, "genesis_hash": "0x91b171bb158e2d3848fa23a9f1c25182fb8e20313b2c1eb49219da7a70ce90c3",
              "asset_hub_genesis_hash": DOTAH.params["genesis_hash"]}
    family = get_family("substrate")
    assert family is not None

    def adapter(migration: str):
        relay = Network("DOT", "substrate", "Polkadot", "DOT", 10, params={**params, "asset_hub_migration": migration})
        endpoint = Endpoint(url=world.node.url, backend="substrate-rpc", display=display_url(world.node.url),
                            requests_per_second=0, options={"genesis_hash": world.genesis, "source": "asset-hub"})
        return family.open_adapter(relay, endpoint)

    async with adapter("2099-01-01") as future_migration:
        with pytest.raises(DataSourceError) as caught:
            await future_migration.snapshot(world.height)
    assert caught.value.refusal is not None and caught.value.refusal.kind == Refusal.WRONG_CHAIN
    assert "source = \"own\"" in str(caught.value) and "2099-01-01" in str(caught.value)
    async with adapter("2025-11-04") as past_migration:
        await past_migration.snapshot(world.height)
    world.node.new_block()
    world.node.rpc("dev_setStorage", [[["0x" + storage.AH_MIGRATION_STAGE.hex(), "0x01"]]])  # ongoing
    started = world.node.new_block()
    async with adapter("2099-01-01") as future_migration:
        await future_migration.snapshot(started)
