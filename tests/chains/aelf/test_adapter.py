"""The aelf `aelf-web` adapter against the local aelf web API stand-in (tests/nodes/aelf_server.py).

ELF moves after the snapshot block H (transfers in and out, fees, a burn, a cross-chain transfer, a decoy event
from another contract), and during the reads themselves; the adapter's figures must be the ledger's at H."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from typing import Any

import pytest
from coincurve import PrivateKey

from auditor.assets import AssetRegistry
from chains.aelf import addresses
from chains.base import BalanceQuery, DataSourceError, Endpoint, Refusal
from chains.registry import get_family
from chains.transport import display_url
from tests.nodes.aelf_server import AelfLedger, AelfServer

ELF_NETWORK = AssetRegistry.load().network("ELF")
UNIT = 10**8


def account(seed: int) -> str:
    return addresses.encode(addresses.account_of(PrivateKey(seed.to_bytes(32, "big")).public_key))


@dataclass
class Chain:
    ledger: AelfLedger
    server: AelfServer
    height: int
    accounts: list[str]
    outsider: str

    def endpoint(self, **options: Any) -> Endpoint:
        return Endpoint(url=self.server.url, backend="aelf-web", display=display_url(self.server.url),
                        max_concurrency=4, requests_per_second=0, retries=5, timeout_seconds=5, options=options)

    def open(self, network: Any = None, **options: Any):
        family = get_family("aelf")
        assert family is not None
        return family.open_adapter(network or ELF_NETWORK, self.endpoint(**options))

    def expected(self, address: str) -> int:
        return self.ledger.balance(address, "ELF", self.height)


def seed(ledger: AelfLedger) -> tuple[int, list[str], str]:
    exchange = [account(i) for i in range(1, 6)]
    outsider = account(99)
    for i, address in enumerate(exchange[:4]):
        ledger.issue(address, (i + 1) * 1000 * UNIT + i)
    ledger.issue(outsider, 10**6 * UNIT)
    ledger.mine()
    ledger.transfer(exchange[0], exchange[1], 7 * UNIT)
    height = ledger.mine(2)
    # after H
    ledger.transfer(outsider, exchange[0], 123 * UNIT + 5)
    ledger.transfer(exchange[1], outsider, 10 * UNIT)
    ledger.mine()
    ledger.transfer(exchange[2], exchange[3], 1)
    ledger.burn(exchange[3], 2 * UNIT)
    ledger.cross_chain_out(exchange[2], 3 * UNIT)
    ledger.decoy(exchange[0], 55 * UNIT)
    ledger.transfer(outsider, exchange[4], 5 * UNIT)
    ledger.mine(3)
    return height, exchange, outsider


@pytest.fixture
async def chain() -> AsyncIterator[Chain]:
    ledger = AelfLedger(lib_lag=2)
    height, accounts, outsider = seed(ledger)
    async with AelfServer(ledger) as server:
        yield Chain(ledger, server, height, accounts, outsider)


async def test_balances_rolled_back_to_the_snapshot_while_money_moves_after_it(chain: Chain) -> None:
    queries = [BalanceQuery(a) for a in chain.accounts]
    expected = {q: chain.expected(q.address) for q in queries}
    at_head = {q: chain.ledger.balance(q.address) for q in queries}
    assert sum(expected.values()) != sum(at_head.values())  # a reader of the head gets other totals
    async with chain.open() as adapter:
        snapshot = await adapter.snapshot(chain.height)
        balances = await adapter.fetch_balances(queries, chain.height)
    assert snapshot.block_hash == chain.ledger.block(chain.height).block_hash
    assert {q: b.amount for q, b in balances.items()} == expected
    head = chain.ledger.head
    how = [(balances[q].method, balances[q].read_at, balances[q].note) for q in queries[:2]]
    assert how[0] == ("GetBalance-rollback", head, "1 events")  # the decoy is not counted
    assert how[1] == ("GetBalance-rollback", head, "2 events")  # transfer + its fee
    # the roll-back reads each block after H once, for all accounts
    assert chain.server.requests["transactionResults"] == head - chain.height + 1  # + the state check


async def test_money_moving_during_the_read_is_read_again(chain: Chain) -> None:
    target = chain.accounts[0]
    moved: list[int] = []

    def mid_read(address: str, symbol: str) -> None:
        if address == target and len(moved) < 2:  # twice: the first two reads of target are ambiguous
            chain.ledger.transfer(chain.outsider, target, 11 * UNIT + len(moved))
            moved.append(chain.ledger.mine())

    chain.server.faults.on_execute = mid_read
    queries = [BalanceQuery(a) for a in chain.accounts]
    async with chain.open(pin_group_size=5) as adapter:
        balances = await adapter.fetch_balances(queries, chain.height)
    assert len(moved) == 2
    assert {q.address: b.amount for q, b in balances.items()} == {a: chain.expected(a) for a in chain.accounts}
    assert chain.server.requests["executeTransaction"] == 5 + 2  # target read three times


async def test_reads_that_never_settle_are_left_unread(chain: Chain) -> None:
    target = chain.accounts[0]

    def always(address: str, symbol: str) -> None:
        if address == target:
            chain.ledger.transfer(chain.outsider, target, UNIT)
            chain.ledger.mine()

    chain.server.faults.on_execute = always
    query = BalanceQuery(target)
    async with chain.open(pin_rounds=2) as adapter:
        balances = await adapter.fetch_balances([query, BalanceQuery(chain.accounts[1])], chain.height)
    assert balances[query].amount is None and "cannot tell which block" in balances[query].error
    assert balances[BalanceQuery(chain.accounts[1])].amount == chain.expected(chain.accounts[1])


async def test_a_node_without_transaction_results_is_refused(chain: Chain) -> None:
    chain.server.faults.no_results = True
    async with chain.open() as adapter:
        with pytest.raises(DataSourceError, match="no transaction results") as caught:
            await adapter.fetch_balances([BalanceQuery(chain.accounts[0])], chain.height)
    assert caught.value.refusal.kind is Refusal.NO_STATE
    assert chain.server.requests["executeTransaction"] == 0


async def test_refusals_wrong_chain_behind_not_final(chain: Chain) -> None:
    side_chain = replace(ELF_NETWORK, params={**ELF_NETWORK.params, "chain": "tDVV"})
    async with chain.open(network=side_chain) as adapter:
        with pytest.raises(DataSourceError, match="its chain id is AELF") as caught:
            await adapter.snapshot(chain.height)
    assert caught.value.refusal.kind is Refusal.WRONG_CHAIN
    async with chain.open() as adapter:
        with pytest.raises(DataSourceError) as caught:
            await adapter.snapshot(chain.ledger.head + 1)
    assert caught.value.refusal.kind is Refusal.BEHIND
    chain.ledger.lib_lag = 100
    async with chain.open() as adapter:
        with pytest.raises(DataSourceError) as caught:
            await adapter.snapshot(chain.height)
    assert caught.value.refusal.kind is Refusal.NOT_FINAL


async def test_429_with_retry_after_and_5xx_are_retried(chain: Chain) -> None:
    chain.server.transport_faults.rate_limited = 1
    chain.server.transport_faults.retry_after = "0.4"
    chain.server.transport_faults.server_errors = 2
    queries = [BalanceQuery(a) for a in chain.accounts]
    async with chain.open() as adapter:
        balances = await adapter.fetch_balances(queries, chain.height)
    assert {q.address: b.amount for q, b in balances.items()} == {a: chain.expected(a) for a in chain.accounts}
    assert len(chain.server.rate_limited_at) == 1


async def test_malformed_and_foreign_replies_leave_only_that_row_unread(chain: Chain) -> None:
    bad, foreign, good = chain.accounts[:3]
    chain.server.faults.malformed.add(bad)
    chain.server.faults.foreign.add(foreign)
    queries = [BalanceQuery(bad), BalanceQuery(foreign), BalanceQuery(good)]
    async with chain.open() as adapter:
        balances = await adapter.fetch_balances(queries, chain.height)
    assert balances[queries[0]].amount is None and "GetBalance" in balances[queries[0]].error
    assert balances[queries[1]].amount is None and "reply refused" in balances[queries[1]].error
    assert balances[queries[2]].amount == chain.expected(good)


async def test_a_roll_back_longer_than_allowed_leaves_rows_unread(chain: Chain) -> None:
    query = BalanceQuery(chain.accounts[0])
    async with chain.open(max_rollback_blocks=2) as adapter:
        balances = await adapter.fetch_balances([query], chain.height)
    assert balances[query].amount is None and "more than max_rollback_blocks (2)" in balances[query].error


async def test_full_address_form_and_token_symbols(chain: Chain) -> None:
    full = f"ELF_{chain.accounts[0]}_AELF"
    family = get_family("aelf")
    assert family.normalize_address(full, ELF_NETWORK) == chain.accounts[0]
    bad = BalanceQuery(chain.accounts[0], contract="not a symbol")
    async with chain.open() as adapter:
        balances = await adapter.fetch_balances([bad], chain.height)
    assert balances[bad].amount is None and "not an aelf token symbol" in balances[bad].error


async def test_a_registry_token_symbol_is_read_and_rolled_back_with_its_own_events(chain: Chain) -> None:
    """A MultiToken token is a registry entry whose contract is its symbol; its roll-back counts only its events
    (the ELF fees of the same transfers belong to ELF)."""
    ledger, holder = chain.ledger, chain.accounts[0]
    ledger.issue(holder, 900_000, symbol="USDT")
    height = ledger.mine(2)
    ledger.transfer(holder, chain.outsider, 250_000, symbol="USDT")
    ledger.issue(holder, 7, symbol="USDT")
    ledger.mine(3)
    usdt, elf = BalanceQuery(holder, contract="USDT"), BalanceQuery(holder)
    async with chain.open() as adapter:
        balances = await adapter.fetch_balances([usdt, elf], height)
    assert balances[usdt].amount == ledger.balance(holder, "USDT", height) == 900_000
    assert ledger.balance(holder, "USDT") != 900_000
    assert balances[elf].amount == ledger.balance(holder, "ELF", height)
    assert (balances[usdt].method, balances[usdt].note) == ("GetBalance-rollback", "2 events")


async def test_chunks_read_one_after_another_and_at_once_are_each_rolled_back(chain: Chain) -> None:
    """The pipeline calls `fetch_balances` once per chunk of rows, several chunks at once, on one adapter: the
    blocks scanned for one chunk must still roll back the accounts of the others, each event counted once."""
    first, second = [BalanceQuery(a) for a in chain.accounts[:2]], [BalanceQuery(a) for a in chain.accounts[2:]]
    expected = {q: chain.expected(q.address) for q in first + second}
    async with chain.open() as adapter:
        one = await adapter.fetch_balances(first, chain.height)
        two = await adapter.fetch_balances(second, chain.height)
        again = await adapter.fetch_balances(first, chain.height)
    assert {q: b.amount for q, b in {**one, **two}.items()} == expected
    assert {q: b.amount for q, b in again.items()} == {q: expected[q] for q in first}
    async with chain.open() as adapter:
        import asyncio

        parts = await asyncio.gather(*(adapter.fetch_balances(part, chain.height)
                                       for part in (first, second, first[:1] + second[:1])))
    for part in parts:
        assert {q: b.amount for q, b in part.items()} == {q: expected[q] for q in part}


async def test_blocks_of_two_branches_in_one_scan_leave_the_rows_unread(chain: Chain) -> None:
    """A block read from a branch the node then left (its events are not the chain's) breaks the hash links
    from the snapshot block up: the roll-back is refused for the rows, never computed over it."""
    chain.server.faults.stale_branch = {chain.height + 2}
    queries = [BalanceQuery(a) for a in chain.accounts]
    async with chain.open() as adapter:
        balances = await adapter.fetch_balances(queries, chain.height)
    for balance in balances.values():
        assert balance.amount is None and "switched branches" in balance.error


async def test_transaction_results_must_name_their_block_hash(chain: Chain) -> None:
    """A result is bound to the block asked by number and hash: one naming no hash could be another branch's."""
    chain.server.faults.results_without_hash = {chain.height + 1}
    query = BalanceQuery(chain.accounts[0])
    async with chain.open() as adapter:
        balance = (await adapter.fetch_balances([query], chain.height))[query]
    assert balance.amount is None and "names block" in balance.error, balance


async def test_a_branch_switch_during_the_scan_is_read_again(chain: Chain) -> None:
    """One block read from a branch the node then left: the blocks from the break up are read again, once, and the
    figures are the snapshot's, each event counted once."""
    chain.server.faults.stale_branch_once = {chain.height + 2}
    queries = [BalanceQuery(a) for a in chain.accounts]
    async with chain.open() as adapter:
        balances = await adapter.fetch_balances(queries, chain.height)
    assert {q: b.amount for q, b in balances.items()} == {q: chain.expected(q.address) for q in queries}
