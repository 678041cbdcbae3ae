"""The TRON balance adapter against the local java-tron/TronGrid server (tests/nodes/tron_server.py).

Each test seeds a ledger with real keys, takes a snapshot block H, moves funds after H, and checks that the
adapter's figures equal the ledger's own balances at H.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from typing import Any

import pytest
from coincurve import PrivateKey

from auditor.assets import AssetRegistry
from chains.base import BalanceQuery, DataSourceError, Endpoint, Network, Refusal
from chains.registry import get_family
from chains.transport import display_url
from chains.tron import addresses
from tests.nodes.tron_server import TronLedger, TronServer, running_server

REGISTRY = AssetRegistry.load()
TRON = REGISTRY.network("TRON")
USDT = REGISTRY.resolve("USDT-TRC20", "TRON")
USDC = REGISTRY.resolve("USDC-TRC20", "TRON")


def _address(seed: int) -> str:
    return addresses.from_public_key(PrivateKey(seed.to_bytes(32, "big")).public_key)


@dataclass
class Chain:
    ledger: TronLedger
    server: TronServer
    height: int  # the snapshot block H
    accounts: list[str]

    def endpoint(self, **options: Any) -> Endpoint:
        settings = {"events_settle_seconds": 0.0, **options}
        return Endpoint(url=self.server.url, backend="tron-http", display=display_url(self.server.url),
                        max_concurrency=4, requests_per_second=0, retries=3, timeout_seconds=5, options=settings)

    def open(self, network: Network | None = None, **options: Any):
        family = get_family("tron")
        assert family is not None
        return family.open_adapter(network or TRON, self.endpoint(**options))


def _seed(ledger: TronLedger) -> tuple[int, list[str]]:
    """Balances before H, then transfers in every direction after it (H is returned)."""
    assert USDT is not None and USDC is not None
    usdt, usdc = ledger.add_token(USDT.contract), ledger.add_token(USDC.contract)
    exchange = [_address(i) for i in range(1, 5)]
    outsider = _address(99)
    for i, account in enumerate(exchange):
        ledger.credit(account, 1_000_000 * (i + 1))
        ledger.credit(account, 50_000_000 * (i + 1), contract=usdt)
    ledger.credit(exchange[0], 7_000_000, contract=usdc)
    ledger.credit(outsider, 900_000_000, contract=usdt)
    ledger.credit(outsider, 900_000_000)
    ledger.mine()
    ledger.transfer(exchange[0], exchange[1], 5_000_000, contract=usdt)
    ledger.transfer(exchange[2], exchange[2], 1_000_000, contract=usdt)  # to itself
    ledger.mine(3)
    height = ledger.mine()
    # after H: in, out, between two audited accounts, a burn, TRX moves, a self-transfer
    ledger.transfer(outsider, exchange[0], 123_456_789, contract=usdt)
    ledger.transfer(exchange[1], outsider, 10_000_000, contract=usdt)
    ledger.mine()
    ledger.transfer(exchange[0], exchange[3], 3_000_000, contract=usdt)
    ledger.transfer(exchange[3], addresses.ZERO_ADDRESS, 1_000_000, contract=usdt)
    ledger.transfer(exchange[0], outsider, 2_000_000, contract=usdc)
    ledger.transfer(outsider, exchange[2], 77_000_000)
    ledger.transfer(exchange[2], exchange[2], 4_000_000, contract=usdt)
    ledger.mine(2)
    ledger.transfer(outsider, exchange[1], 1, contract=usdt)
    ledger.mine()
    never_seen = _address(1234)
    return height, [*exchange, never_seen]


@pytest.fixture
async def chain() -> AsyncIterator[Chain]:
    ledger = TronLedger(solid_lag=1)
    height, accounts = _seed(ledger)
    async with running_server(ledger) as server:
        yield Chain(ledger, server, height, accounts)


def _queries(accounts: list[str]) -> list[BalanceQuery]:
    assert USDT is not None and USDC is not None
    return [BalanceQuery(a, c) for a in accounts for c in (None, USDT.contract, USDC.contract)]


def _expected(chain: Chain, query: BalanceQuery) -> int:
    contract = addresses.canonical(query.contract) if query.contract else None
    return chain.ledger.balance(query.address, chain.height, contract)


async def test_snapshot_names_the_block(chain: Chain) -> None:
    async with chain.open() as adapter:
        snap = await adapter.snapshot(chain.height)
    assert snap.height == chain.height
    assert snap.block_hash == chain.ledger.blocks[chain.height].block_id
    assert snap.endpoint == display_url(chain.server.url)


@pytest.mark.parametrize("rollback", ["accounts", "blocks"])
@pytest.mark.parametrize("confirmed", [True, False])
async def test_balances_at_the_snapshot_equal_the_ledger(chain: Chain, confirmed: bool, rollback: str) -> None:
    queries = _queries(chain.accounts)
    tip = chain.ledger.balance
    moved = [q for q in queries if q.contract and tip(q.address, None, q.contract) != _expected(chain, q)]
    assert len(moved) >= 4  # the tip differs from H, so the roll-back is exercised
    async with chain.open(confirmed=confirmed, rollback=rollback) as adapter:
        await adapter.snapshot(chain.height)
        balances = await adapter.fetch_balances(queries, chain.height)
    assert set(balances) == set(queries)
    last = chain.ledger.solid_head if confirmed else chain.ledger.head
    for query in queries:
        balance = balances[query]
        assert balance.amount == _expected(chain, query), (query, balance)
        touched = _moved_between(chain, query, chain.height, last)
        if query.contract is None and (rollback == "accounts" or touched):
            assert (balance.method, balance.read_at, balance.note) == ("getaccountbalance", None, "")
        elif query.contract is None:  # in a Multicall batch, and no block since H names it
            assert balance.method == "multicall-getEthBalance" and balance.note.startswith("unchanged since"), balance
        elif rollback == "accounts" or touched:
            assert balance.method == "trc20-balanceOf-rollback", balance
            assert balance.read_at is not None and balance.read_at >= chain.height, balance
            assert balance.note.removesuffix(" events").isdigit(), balance
        else:
            assert balance.method == "trc20-balanceOf-unmoved" and balance.read_at == last, balance
    tip = chain.ledger.solid_head if confirmed else chain.ledger.head  # unconfirmed: the head, events too
    assert any(balances[q].read_at == tip and balances[q].note != "0 events" for q in moved)
    history = sum(n for path, n in chain.server.requests.items() if path.startswith("/v1/"))
    scanned = chain.server.requests.get("/wallet/gettransactioninfobyblocknum", 0)
    if rollback == "blocks":  # only the accounts that moved asked their history; every block since H scanned
        assert history == sum(1 for q in queries if q.contract and _moved_between(chain, q, chain.height, last))
        assert scanned == sum(1 for b in range(chain.height + 1, last + 1) if chain.ledger.blocks[b].transfers)
    else:
        assert history == sum(1 for q in queries if q.contract) and scanned == 0


def _moved_between(chain: Chain, query: BalanceQuery, height: int, last: int) -> bool:
    """Does a transfer of the query's asset in blocks height+1..last name the account?"""
    contract = addresses.canonical(query.contract) if query.contract else None
    return any(t.contract == contract and query.address in (t.sender, t.receiver)
               for b in range(height + 1, last + 1) for t in chain.ledger.blocks[b].transfers)


async def test_fetch_without_explicit_snapshot_and_pages_of_events(chain: Chain) -> None:
    assert USDT is not None
    busy = chain.accounts[0]
    for i in range(12):  # many small transfers after H, listed 5 per page
        chain.ledger.transfer(busy, chain.accounts[1], 1_000 + i, contract=USDT.contract)
        chain.ledger.mine()
    chain.ledger.mine(2)
    query = BalanceQuery(busy, USDT.contract)
    async with chain.open(events_page_size=5) as adapter:
        balances = await adapter.fetch_balances([query], chain.height)
    assert balances[query].amount == _expected(chain, query)
    assert chain.server.requests[f"/v1/accounts/{busy}/transactions/trc20"] >= 3


async def test_tip_moving_during_a_read_is_read_again(chain: Chain) -> None:
    assert USDT is not None
    target = chain.accounts[1]
    calls: list[str] = []

    def move_while_reading(contract: str, holder: str) -> None:
        calls.append(holder)
        if holder == target and calls.count(target) == 1:
            # a transfer to the account lands (and solidifies) while its balance is being read
            chain.ledger.transfer(chain.accounts[3], target, 4_242, contract=contract)
            chain.ledger.mine(2)

    chain.server.faults.on_constant_call = move_while_reading
    queries = [BalanceQuery(a, USDT.contract) for a in chain.accounts]
    async with chain.open(pin_group_size=8) as adapter:
        balances = await adapter.fetch_balances(queries, chain.height)
    assert calls.count(target) >= 2  # read again, alone
    for query in queries:
        assert balances[query].amount == _expected(chain, query), (query, balances[query])


async def test_an_account_that_never_settles_gets_an_error_not_a_guess(chain: Chain) -> None:
    assert USDT is not None
    target = chain.accounts[0]

    def always_moving(contract: str, holder: str) -> None:
        chain.ledger.transfer(chain.accounts[2], target, 1, contract=contract)
        chain.ledger.mine(2)

    chain.server.faults.on_constant_call = always_moving
    query = BalanceQuery(target, USDT.contract)
    async with chain.open(pin_rounds=3) as adapter:
        balances = await adapter.fetch_balances([query], chain.height)
    assert balances[query].amount is None
    assert "attempts" in balances[query].error


async def test_node_without_balance_history_is_refused(chain: Chain) -> None:
    chain.server.faults.history = False
    async with chain.open() as adapter:
        with pytest.raises(DataSourceError, match=r"storage\.balance\.history\.lookup"):
            await adapter.snapshot(chain.height)


async def test_history_probe_reading_zero_is_refused(chain: Chain) -> None:
    async with chain.open(history_probe_address=_address(4321)) as adapter:  # never funded
        with pytest.raises(DataSourceError, match="history probe"):
            await adapter.snapshot(chain.height)
    async with chain.open(history_probe_address=chain.accounts[0]) as adapter:
        assert (await adapter.snapshot(chain.height)).height == chain.height


async def test_retry_after_of_a_429_is_honoured(chain: Chain) -> None:
    chain.server.faults.rate_limited = 2
    chain.server.faults.retry_after = "0.4"
    query = BalanceQuery(chain.accounts[0])
    async with chain.open() as adapter:
        started = time.monotonic()
        await adapter.snapshot(chain.height)
        balances = await adapter.fetch_balances([query], chain.height)
        elapsed = time.monotonic() - started
    assert balances[query].amount == _expected(chain, query)
    assert len(chain.server.rate_limited_at) == 2
    assert chain.server.rate_limited_at[1] - chain.server.rate_limited_at[0] >= 0.4
    assert elapsed >= 0.8


async def test_malformed_replies_give_no_amount(chain: Chain) -> None:
    assert USDT is not None
    broken = chain.accounts[2]
    chain.server.faults.malformed = {broken}
    queries = [BalanceQuery(broken), BalanceQuery(broken, USDT.contract), BalanceQuery(chain.accounts[0])]
    async with chain.open() as adapter:
        balances = await adapter.fetch_balances(queries, chain.height)
    for query in queries[:2]:
        assert balances[query].amount is None and balances[query].error, balances[query]
    assert balances[queries[2]].amount == _expected(chain, queries[2])


async def test_a_contract_that_does_not_exist_gives_an_error(chain: Chain) -> None:
    query = BalanceQuery(chain.accounts[0], _address(555))
    async with chain.open() as adapter:
        balances = await adapter.fetch_balances([query], chain.height)
    assert balances[query].amount is None
    assert "Smart contract is not exist" in balances[query].error


async def test_event_history_longer_than_the_page_bound_gives_an_error(chain: Chain) -> None:
    assert USDT is not None
    query = BalanceQuery(chain.accounts[0], USDT.contract)
    async with chain.open(events_page_size=1, max_event_pages=1) as adapter:
        balances = await adapter.fetch_balances([query], chain.height)
    assert balances[query].amount is None and "pages" in balances[query].error


async def test_snapshot_refusals() -> None:
    ledger = TronLedger(genesis_id="0000000000000000" + "ab" * 24, solid_lag=5)
    _seed(ledger)
    async with running_server(ledger) as server:
        chain = Chain(ledger, server, 0, [])
        async with chain.open() as adapter:
            with pytest.raises(DataSourceError, match="another chain"):
                await adapter.snapshot(3)
        assert TRON is not None
        testnet = replace(TRON, params={**TRON.params, "genesis_block_id": ledger.blocks[0].block_id})
        async with chain.open(testnet) as adapter:
            with pytest.raises(DataSourceError, match="behind the snapshot"):
                await adapter.snapshot(ledger.head + 1)
            with pytest.raises(DataSourceError, match="not final yet"):
                await adapter.snapshot(ledger.head - 1)
            assert (await adapter.snapshot(ledger.solid_head)).height == ledger.solid_head


def test_unknown_options_and_backends_are_refused(chain: Chain) -> None:
    family = get_family("tron")
    assert family is not None and TRON is not None
    with pytest.raises(ValueError, match="unknown option 'colour'"):
        family.open_adapter(TRON, chain.endpoint(colour="blue"))
    with pytest.raises(ValueError, match="tron-http"):
        family.open_adapter(TRON, replace(chain.endpoint(), backend="jsonrpc"))


async def test_a_reply_for_another_account_is_refused(chain: Chain) -> None:
    """balanceOf(A) answered with B's balance and B's call echoed (a caching proxy): A is unread with the reason,
    never given B's balance; B itself reads right."""
    assert USDT is not None
    victim, other = chain.accounts[1], chain.accounts[3]
    chain.server.faults.swapped = {victim: other}
    queries = [BalanceQuery(victim, USDT.contract), BalanceQuery(other, USDT.contract)]
    async with chain.open() as adapter:
        balances = await adapter.fetch_balances(queries, chain.height)
    assert balances[queries[0]].amount is None and "echoes another call" in balances[queries[0]].error
    assert balances[queries[1]].amount == _expected(chain, queries[1])


async def test_a_reorganised_snapshot_block_is_refused_by_the_header_recheck(chain: Chain) -> None:
    """After the reads, block H is asked for again by its header alone (getblock, detail false: a block's
    transactions can be megabytes); an id that changed meanwhile refuses every figure read (REORG)."""
    height, original = chain.height, chain.ledger.blocks[chain.height]

    def reorganise(contract: str | None, address: str) -> None:
        chain.ledger.blocks[height] = replace(original, block_id=f"{height:016x}" + "ab" * 24)

    chain.server.faults.on_constant_call = reorganise
    async with chain.open(rollback="blocks") as adapter:
        with pytest.raises(DataSourceError) as caught:
            await adapter.fetch_balances(_queries(chain.accounts), height)
    assert caught.value.refusal is not None and caught.value.refusal.kind is Refusal.REORG
    assert chain.server.requests["/wallet/getblock"] == 1
    assert chain.server.requests["/wallet/getblockbynum"] >= 2  # block 0 and H in full, once each


async def test_the_header_recheck_answers_the_same_id_without_transactions(chain: Chain) -> None:
    async with chain.open() as adapter:
        await adapter.snapshot(chain.height)
        assert await adapter.block_hash(chain.height) == chain.ledger.blocks[chain.height].block_id
    assert chain.server.requests["/wallet/getblock"] == 1
