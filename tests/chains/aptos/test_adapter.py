"""The Aptos balance adapter against the local fullnode REST stand-in (tests/nodes/aptos_server.py).

Accounts are real Ed25519 keys' authentication keys; each test takes a snapshot block H, moves APT (coin store
and fungible store, a migration) and USDT after it, and checks the figures against the chain's state at H.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from typing import Any

import pytest

from auditor.assets import AssetRegistry
from chains.aptos.query import AptosQueryDetail, owners_of
from chains.base import BalanceQuery, DataSourceError, Endpoint, Refusal
from chains.registry import get_family
from chains.transport import display_url
from tests.chains.ed25519_signing import key, public, signed_row
from tests.nodes.aptos_server import AptosChain, AptosServer, running_server

REGISTRY = AssetRegistry.load()
APTOS = REGISTRY.network("APTOS")
USDT = REGISTRY.resolve("USDT", "APTOS")
USDC = REGISTRY.resolve("USDC", "APTOS")
FAMILY = get_family("aptos")


def account(seed: int) -> str:
    return "0x" + hashlib.sha3_256(public(key(seed)) + b"\x00").hexdigest()


@dataclass
class World:
    chain: AptosChain
    server: AptosServer
    height: int
    accounts: list[str]

    def endpoint(self, **options: Any) -> Endpoint:
        return Endpoint(url=self.server.url, backend="aptos-rest", display=display_url(self.server.url),
                        max_concurrency=4, requests_per_second=0, retries=3, timeout_seconds=5, options=options)

    def open(self, **options: Any):
        assert FAMILY is not None and APTOS is not None
        return FAMILY.open_adapter(APTOS, self.endpoint(**options))


def seed(chain: AptosChain) -> tuple[int, list[str]]:
    assert USDT is not None and USDT.contract and USDC is not None and USDC.contract
    exchange = [account(i) for i in range(1, 5)]
    outsider = account(99)
    chain.credit_coin(outsider, 10**15)
    chain.credit_fa(outsider, USDT.contract, 10**13)
    chain.credit_coin(exchange[0], 300_000_000)  # coin store only
    chain.credit_coin(exchange[1], 100_000_000)
    chain.seal()
    chain.migrate(exchange[1])  # APT now in the primary fungible store
    chain.credit_coin(exchange[1], 5)  # and a little in a (re-created) coin store: both count
    chain.credit_fa(exchange[2], USDT.contract, 42_000_000)
    chain.credit_fa(exchange[2], USDC.contract, 9_000_000)
    chain.credit_fa(exchange[0], USDT.contract, 1_000_000)
    height = chain.seal(2)
    # after H: APT in and out, a migration, USDT moves; exchange[3] first appears
    chain.transfer_coin(outsider, exchange[0], 123_456_789)
    chain.migrate(exchange[0])
    chain.transfer_fa(exchange[2], outsider, USDT.contract, 2_000_000)
    chain.transfer_fa(outsider, exchange[3], USDT.contract, 3_000_000)
    chain.credit_coin(exchange[3], 77)
    chain.seal(3)
    return height, exchange


@pytest.fixture
async def world() -> AsyncIterator[World]:
    chain = AptosChain()
    height, accounts = seed(chain)
    async with running_server(chain) as server:
        yield World(chain, server, height, accounts)


def queries(accounts: list[str]) -> list[BalanceQuery]:
    assert USDT is not None and USDC is not None
    return [BalanceQuery(a, c) for a in accounts for c in (None, USDT.contract, USDC.contract)]


def expected(world: World, query: BalanceQuery, height: int | None = None) -> int:
    return world.chain.balance(query.address, world.height if height is None else height, query.contract)


async def test_snapshot_is_the_blocks_last_version(world: World) -> None:
    async with world.open() as adapter:
        snap = await adapter.snapshot(world.height)
        assert adapter.version_at(world.height) == world.chain.blocks[world.height].last_version
    assert snap.block_hash == world.chain.blocks[world.height].block_hash


async def test_balances_are_the_snapshots_while_money_moves_after_it(world: World) -> None:
    wanted = queries(world.accounts)
    assert sum(expected(world, q) != world.chain.balance(q.address, None, q.contract) for q in wanted) >= 4
    async with world.open() as adapter:
        balances = await adapter.fetch_balances(wanted, world.height)
    assert set(balances) == set(wanted)
    for query in wanted:
        assert balances[query].amount == expected(world, query), (query, balances[query])
    version = world.chain.blocks[world.height].last_version
    both = next(q for q in wanted if q.address == world.accounts[1] and q.contract is None)
    assert balances[both].amount == 100_000_005
    assert (balances[both].method, balances[both].read_at, balances[both].note) == (
        "aptos-coin+fa", version, "coin 5 + fa 100000000")
    assert {(b.method, b.read_at) for q, b in balances.items() if q.contract} == {("aptos-fa", version)}
    assert world.server.requests["/v1/view"] >= len(wanted)


async def test_pruned_blocks_and_versions_are_refused(world: World) -> None:
    world.server.faults.oldest_block = world.height + 1
    async with world.open() as adapter:
        with pytest.raises(DataSourceError) as caught:
            await adapter.fetch_balances(queries(world.accounts), world.height)
    assert caught.value.refusal is not None and caught.value.refusal.kind == Refusal.NO_STATE
    assert "block_pruned" in str(caught.value)
    world.server.faults.oldest_block = 0
    world.server.faults.oldest_state_version = world.chain.blocks[world.height].last_version + 1
    async with world.open() as adapter:
        with pytest.raises(DataSourceError) as caught:
            await adapter.snapshot(world.height)
    assert caught.value.refusal is not None and caught.value.refusal.kind == Refusal.NO_STATE
    assert "oldest ledger version" in str(caught.value)
    assert world.server.requests.get("/v1/accounts/{address}/resource/{tag}", 0) == 0  # never read at the tip


async def test_a_410_from_the_probe_view_is_refused(world: World) -> None:
    world.server.faults.views_pruned = True  # state pruned although GET /v1 does not say so
    async with world.open() as adapter:
        with pytest.raises(DataSourceError) as caught:
            await adapter.snapshot(world.height)
    assert caught.value.refusal is not None and caught.value.refusal.kind == Refusal.NO_STATE
    assert "version_pruned" in str(caught.value)


async def test_wrong_chain_and_missing_blocks_are_refused(world: World) -> None:
    world.chain.chain_id = 2  # testnet
    async with world.open() as adapter:
        with pytest.raises(DataSourceError, match="serves another chain"):
            await adapter.snapshot(world.height)
    world.chain.chain_id = 1
    async with world.open() as adapter:
        with pytest.raises(DataSourceError, match="behind the snapshot"):
            await adapter.snapshot(world.chain.head + 5)


async def test_429_with_retry_after_and_5xx_are_retried(world: World) -> None:
    wanted = queries(world.accounts[:2])
    async with world.open() as adapter:
        await adapter.snapshot(world.height)
        world.server.faults.rate_limited = 2
        world.server.faults.retry_after = "0.3"
        started = time.monotonic()
        balances = await adapter.fetch_balances(wanted, world.height)
        elapsed = time.monotonic() - started
        world.server.faults.server_errors = 3
        again = await adapter.fetch_balances(wanted, world.height)
    assert all(balances[q].amount == expected(world, q) == again[q].amount for q in wanted)
    assert len(world.server.rate_limited_at) == 2 and elapsed >= 0.3
    assert world.server.faults.server_errors == 0


async def test_malformed_replies_leave_the_row_unread(world: World) -> None:
    broken = world.accounts[0]
    world.server.faults.malformed = {broken}
    wanted = queries([broken, world.accounts[2]])
    async with world.open() as adapter:
        balances = await adapter.fetch_balances(wanted, world.height)
    for query in wanted:
        if query.address == broken:
            assert balances[query].amount is None and "not a u64" in balances[query].error, balances[query]
        else:
            assert balances[query].amount == expected(world, query)


async def test_a_reply_for_another_resource_is_refused(world: World) -> None:
    target = world.accounts[0]
    world.server.faults.wrong_type = {target}
    query = BalanceQuery(target)
    async with world.open() as adapter:
        balance = (await adapter.fetch_balances([query], world.height))[query]
    assert balance.amount is None and "the reply is for resource" in balance.error


async def test_owner_mode_is_bound_by_the_authentication_key_at_the_snapshot(world: World) -> None:
    assert FAMILY is not None and APTOS is not None
    contract_account, signer, later = "0x" + "ab" * 32, account(5), account(6)
    world.chain.credit_coin(contract_account, 12_345)
    world.chain.rotate(contract_account, signer)
    height = world.chain.seal()
    world.chain.rotate(contract_account, later)  # rotated away after the snapshot: still bound at it
    world.chain.seal()
    row = signed_row(key(5), "APTOS", contract_account, eoa1=signer)
    assert FAMILY.verify_ownership(row, APTOS).binds_address is False  # offline: not bound
    token = REGISTRY.resolve("APT", "APTOS")
    assert token is not None
    query = FAMILY.balance_query(row, token, contract_account)
    assert owners_of(query) == (signer,)
    stranger = replace(query, detail=AptosQueryDetail((account(7),)))
    missing = replace(query, address=account(8))
    async with world.open() as adapter:
        balances = await adapter.fetch_balances([query, stranger, missing], height)
    assert balances[query].amount == 12_345 and balances[query].owners_bound is True
    assert signer in balances[query].owners_note
    assert balances[stranger].owners_bound is False and signer in balances[stranger].owners_note
    assert balances[missing].owners_bound is False and "did not exist" in balances[missing].owners_note


def test_options_and_backends_are_checked(world: World) -> None:
    assert FAMILY is not None and APTOS is not None
    with pytest.raises(ValueError, match="did you mean 'probe_state'"):
        FAMILY.open_adapter(APTOS, world.endpoint(probe_states=False))
    with pytest.raises(ValueError, match="aptos-rest"):
        FAMILY.open_adapter(APTOS, replace(world.endpoint(), backend="jsonrpc"))
