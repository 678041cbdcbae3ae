"""The XRP Ledger balance adapter against the local rippled stand-in (tests/nodes/xrpl_server.py).

Accounts are real secp256k1 keys' classic addresses; each test takes a snapshot ledger H, moves XRP and RLUSD
after it, and checks the adapter's figures against the chain's own state at H (a tip reader gets other totals).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

import pytest
from coincurve import PrivateKey

from auditor.assets import AssetRegistry
from chains.base import AddressRow, BalanceQuery, DataSourceError, Endpoint, Refusal
from chains.registry import get_family
from chains.transport import display_url
from chains.xrpl import addresses
from chains.xrpl.api import LSF_DISABLE_MASTER, IssuedCurrency
from tests.nodes.xrpl_server import XrplChain, XrplServer, running_server

REGISTRY = AssetRegistry.load()
XRP = REGISTRY.network("XRP")
RLUSD = REGISTRY.resolve("RLUSD", "XRP")
FAMILY = get_family("xrpl")


def account(seed: int) -> str:
    return addresses.encode(addresses.account_id(PrivateKey(seed.to_bytes(32, "big")).public_key))


@dataclass
class World:
    chain: XrplChain
    server: XrplServer
    height: int
    accounts: list[str]
    issuer: str
    currency: str

    def endpoint(self, **settings: Any) -> Endpoint:
        options = settings.pop("options", {})
        return Endpoint(url=self.server.url, backend="rippled", display=display_url(self.server.url),
                        max_concurrency=4, requests_per_second=0, retries=3, timeout_seconds=5, options=options,
                        **settings)

    def open(self, **settings: Any):
        assert FAMILY is not None and XRP is not None
        return FAMILY.open_adapter(XRP, self.endpoint(**settings))


def seed(chain: XrplChain, issuer: str, currency: str) -> tuple[int, list[str]]:
    """Balances before H, then payments in every direction after it (H is returned)."""
    exchange = [account(i) for i in range(1, 5)]
    outsider = account(99)
    chain.fund(issuer, 100_000_000)
    chain.fund(outsider, 900_000_000_000)
    for i, holder in enumerate(exchange[:3]):
        chain.fund(holder, 25_000_000 * (i + 1) + i)
        chain.set_line(holder, issuer, currency, Decimal("1000.5") * (i + 1))
    chain.close()
    chain.pay(exchange[0], exchange[1], 3_000_000)
    chain.set_flags(exchange[2], LSF_DISABLE_MASTER)
    height = chain.close(2)
    # after H: money in, out, between audited accounts; a new account (exchange[3]); trust lines change
    chain.pay(outsider, exchange[0], 777_000_000)
    chain.pay(exchange[1], outsider, 5_000_000)
    chain.fund(exchange[3], 40_000_000)
    chain.set_line(exchange[0], issuer, currency, Decimal("1.000000000000001"))
    chain.set_line(exchange[3], issuer, currency, Decimal("9"))
    chain.close(3)
    return height, exchange


@pytest.fixture
async def world() -> AsyncIterator[World]:
    assert RLUSD is not None and RLUSD.contract is not None
    token = IssuedCurrency.parse(RLUSD.contract, RLUSD.decimals)
    chain = XrplChain()
    height, accounts = seed(chain, token.issuer, token.currency)
    async with running_server(chain) as server:
        yield World(chain, server, height, accounts, token.issuer, token.currency)


def queries(world: World, accounts: list[str]) -> list[BalanceQuery]:
    assert FAMILY is not None and RLUSD is not None and XRP is not None
    xrp = REGISTRY.resolve("XRP", "XRP")
    assert xrp is not None
    row = AddressRow(1, "XRP", "XRP", "")
    return [FAMILY.balance_query(row, token, a) for a in accounts for token in (xrp, RLUSD)]


def expected(world: World, query: BalanceQuery) -> int:
    if query.contract is None:
        return world.chain.balance(query.address, world.height)
    assert RLUSD is not None
    value = world.chain.line_balance(query.address, world.issuer, world.currency, world.height)
    return int(value.scaleb(RLUSD.decimals))


async def test_snapshot_names_the_ledger(world: World) -> None:
    async with world.open() as adapter:
        snap = await adapter.snapshot(world.height)
    ledger = world.chain.ledger(world.height)
    assert ledger is not None and snap.block_hash == ledger.ledger_hash and snap.height == world.height


async def test_balances_are_the_snapshot_ledgers_while_money_moves_after_it(world: World) -> None:
    wanted = queries(world, world.accounts)
    tip = {q: (world.chain.balance(q.address) if q.contract is None else
               int(world.chain.line_balance(q.address, world.issuer, world.currency).scaleb(15))) for q in wanted}
    assert sum(tip[q] != expected(world, q) for q in wanted) >= 5  # a tip reader gets other figures
    async with world.open() as adapter:
        balances = await adapter.fetch_balances(wanted, world.height)
    assert set(balances) == set(wanted)
    for query in wanted:
        assert balances[query].amount == expected(world, query), (query, balances[query])
        assert not balances[query].error
    xrp = {q.address: balances[q] for q in wanted if q.contract is None}
    first, never = world.accounts[0], world.accounts[3]
    # reserve: 1 XRP base + 1 trust line x 0.2 XRP, read from FeeSettings at H
    assert (xrp[first].method, xrp[first].read_at, xrp[first].note) == (
        "xrpl-account_info", None, "reserve 1200000 drops locked")  # read at the snapshot ledger itself
    assert xrp[first].owners_bound is True
    assert xrp[never].amount == 0 and xrp[never].note == "no account at this ledger"
    assert xrp[world.accounts[2]].owners_bound is False and "disabled" in xrp[world.accounts[2]].owners_note
    lines = {q.address: balances[q] for q in wanted if q.contract is not None}
    assert lines[never].amount == 0 and lines[never].note == "no account at this ledger"
    assert {b.method for b in lines.values()} == {"xrpl-account_lines"}


@pytest.mark.parametrize("legacy", [False, True])
async def test_the_reserve_is_the_snapshot_ledgers_in_either_feesettings_format(world: World, legacy: bool) -> None:
    world.server.faults.legacy_fees = legacy
    world.chain.reserve_base, world.chain.reserve_increment = 10_000_000, 2_000_000  # the reserves before 2024
    query = BalanceQuery(world.accounts[1])
    async with world.open() as adapter:
        balance = (await adapter.fetch_balances([query], world.height))[query]
    assert balance.note == "reserve 12000000 drops locked", balance


async def test_a_server_without_the_ledger_is_refused(world: World) -> None:
    world.server.faults.history_from = world.height + 1  # an online-delete server: recent ledgers only
    async with world.open() as adapter:
        with pytest.raises(DataSourceError) as caught:
            await adapter.fetch_balances(queries(world, world.accounts), world.height)
    assert caught.value.refusal is not None and caught.value.refusal.kind == Refusal.NO_BLOCK
    assert world.server.requests.get("account_info", 0) == 0  # never read at the tip instead


async def test_a_ledger_header_without_its_state_is_refused() -> None:
    chain = XrplChain()
    height, _ = seed(chain, account(500), "USD")
    async with running_server(chain) as server:
        world = World(chain, server, height, [], account(500), "USD")

        def drop_state(method: str, params: dict[str, Any]) -> None:  # complete_ledgers says: not from H
            if method == "server_info":
                server.faults.history_from = height + 1
            elif method == "ledger":
                server.faults.history_from = None
        server.faults.on_request = drop_state
        async with world.open() as adapter:
            with pytest.raises(DataSourceError) as caught:
                await adapter.snapshot(height)
    assert caught.value.refusal is not None and caught.value.refusal.kind == Refusal.NO_STATE
    assert "complete_ledgers" in str(caught.value)


async def test_wrong_network_and_unvalidated_ledgers_are_refused(world: World) -> None:
    world.server.faults.network_id = 1  # the XRPL testnet's network id
    async with world.open() as adapter:
        with pytest.raises(DataSourceError, match="serves another chain"):
            await adapter.snapshot(world.height)
    world.server.faults.network_id = None  # Clio: not reported, not checked
    world.chain.validated_lag = 2
    async with world.open() as adapter:
        assert (await adapter.snapshot(world.chain.validated)).height == world.chain.validated
        with pytest.raises(DataSourceError) as caught:
            await adapter.snapshot(world.chain.head)
        assert caught.value.refusal is not None and caught.value.refusal.kind == Refusal.NOT_FINAL
        with pytest.raises(DataSourceError, match="behind the snapshot"):
            await adapter.snapshot(world.chain.head + 1)


async def test_429_with_retry_after_and_5xx_are_retried(world: World) -> None:
    world.server.faults.rate_limited = 2
    world.server.faults.retry_after = "0.3"
    wanted = queries(world, world.accounts[:1])
    async with world.open() as adapter:
        await adapter.snapshot(world.height)
        world.server.faults.server_errors = 2
        balances = await adapter.fetch_balances(wanted, world.height)
    assert all(balances[q].amount == expected(world, q) for q in wanted)
    assert len(world.server.rate_limited_at) == 2
    assert world.server.rate_limited_at[1] - world.server.rate_limited_at[0] >= 0.3
    assert world.server.faults.server_errors == 0


async def test_malformed_replies_leave_the_row_unread(world: World) -> None:
    broken = world.accounts[1]
    world.server.faults.malformed = {broken}
    wanted = queries(world, [broken, world.accounts[0]])
    async with world.open() as adapter:
        balances = await adapter.fetch_balances(wanted, world.height)
    for query in wanted:
        if query.address == broken:
            assert balances[query].amount is None and balances[query].error, balances[query]
        else:
            assert balances[query].amount == expected(world, query)
    assert "Balance" in next(balances[q].error for q in wanted if q.address == broken and q.contract is None)


async def test_a_reply_for_another_account_is_refused(world: World) -> None:
    target = world.accounts[0]
    world.server.faults.other_account = {target}
    wanted = queries(world, [target])
    async with world.open() as adapter:
        balances = await adapter.fetch_balances(wanted, world.height)
    for query in wanted:
        assert balances[query].amount is None and "the reply is for account" in balances[query].error


async def test_trust_lines_page_by_marker_and_fine_amounts_are_not_rounded(world: World) -> None:
    holder = world.accounts[0]
    for i in range(25):  # other lines with the same issuer: 3 pages of 10
        world.chain.set_line(holder, world.issuer, f"{i:040X}", Decimal(i))
    world.chain.set_line(holder, world.issuer, world.currency, Decimal("0.0000000000000001"))  # 16 places
    height = world.chain.close()
    query = queries(world, [holder])[1]
    async with world.open(options={"lines_limit": 10}) as adapter:
        balance = (await adapter.fetch_balances([query], height))[query]
    assert world.server.requests["account_lines"] == 3
    assert balance.amount is None and "decimal places" in balance.error


async def test_a_registry_contract_that_is_not_currency_dot_issuer_leaves_the_row_unread(world: World) -> None:
    assert FAMILY is not None and RLUSD is not None
    bad = replace(RLUSD, contract="RLUSD-" + world.issuer)
    query = FAMILY.balance_query(AddressRow(1, "RLUSD", "XRP", ""), bad, world.accounts[0])
    async with world.open() as adapter:
        balance = (await adapter.fetch_balances([query], world.height))[query]
    assert balance.amount is None and "CURRENCY.ISSUER" in balance.error


def test_options_and_backends_are_checked(world: World) -> None:
    assert FAMILY is not None and XRP is not None
    with pytest.raises(ValueError, match="lines_limit"):
        FAMILY.open_adapter(XRP, world.endpoint(options={"lines_limit": 1000}))
    with pytest.raises(ValueError, match="did you mean 'lines_limit'"):
        FAMILY.open_adapter(XRP, world.endpoint(options={"line_limit": 100}))
    with pytest.raises(ValueError, match="rippled"):
        FAMILY.open_adapter(XRP, replace(world.endpoint(), backend="jsonrpc"))


async def test_a_busy_server_is_asked_again(world: World) -> None:
    """`tooBusy` with HTTP 200 (a universal error) is retried like an HTTP 503, never leaves the row unread."""
    wanted = queries(world, world.accounts[:1])
    async with world.open() as adapter:
        await adapter.snapshot(world.height)
        world.server.faults.busy = 2
        balances = await adapter.fetch_balances(wanted, world.height)
    assert world.server.faults.busy == 0
    assert all(balances[q].amount == expected(world, q) for q in wanted), balances


async def test_an_act_not_found_from_another_ledger_is_not_a_zero(world: World) -> None:
    """actNotFound is 0 only when the error reply names the snapshot ledger, validated: one from the open
    ledger (a server that ignored `ledger_index`) says nothing about the snapshot."""
    target = world.accounts[0]
    assert world.chain.balance(target, world.height) > 0
    world.server.faults.not_found_in_open_ledger = {target}
    wanted = queries(world, [target])
    async with world.open() as adapter:
        balances = await adapter.fetch_balances(wanted, world.height)
    for query in wanted:
        assert balances[query].amount is None and "actNotFound" in balances[query].error, balances[query]


async def test_a_three_letter_currency_matches_exactly(world: World) -> None:
    """'usd' and 'USD' are two currencies on the ledger (their bytes): a line in one is not a balance in the
    other, whatever the issuer."""
    holder = world.accounts[0]
    world.chain.set_line(holder, world.issuer, "usd", Decimal("70"))
    height = world.chain.close()
    assert FAMILY is not None and RLUSD is not None
    usd = replace(RLUSD, code="USD-XRP", contract=f"USD.{world.issuer}", decimals=6)
    query = FAMILY.balance_query(AddressRow(1, "USD", "XRP", ""), usd, holder)
    async with world.open() as adapter:
        balance = (await adapter.fetch_balances([query], height))[query]
    assert balance.amount == 0 and (balance.method, balance.note) == ("xrpl-account_lines", "no trust line"), balance
