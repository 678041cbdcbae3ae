"""The Solana balance adapter against the local JSON-RPC server (tests/nodes/solana_server.py).

Accounts are real Ed25519 keys; the ledger funds them before the snapshot slot S, then moves SOL and USDT/USDC
after it (some of it in v0 transactions, some in failed ones, across skipped slots), so a reader of the tip gets
other figures than the ledger's own balances at S, which the adapter must give exactly.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from typing import Any

import pytest

from auditor.assets import AssetRegistry
from chains.base import BalanceQuery, DataSourceError, Endpoint, Network
from chains.registry import get_family
from chains.solana import addresses
from chains.solana.rpc import TOKEN_2022_PROGRAM
from chains.transport import display_url
from tests.chains.ed25519_signing import key, public
from tests.nodes.solana_server import SolanaLedger, SolanaServer, running_server

REGISTRY = AssetRegistry.load()
SOL = REGISTRY.network("SOL")
USDT = REGISTRY.resolve("USDT-SOL", "SOL")
USDC = REGISTRY.resolve("USDC-SOL", "SOL")


def account(seed: int) -> str:
    return addresses.encode(public(key(seed)))


@dataclass
class Chain:
    ledger: SolanaLedger
    server: SolanaServer
    height: int
    accounts: list[str]

    def endpoint(self, **options: Any) -> Endpoint:
        return Endpoint(url=self.server.url, backend="solana-rpc", display=display_url(self.server.url),
                        max_concurrency=4, requests_per_second=0, retries=3, timeout_seconds=5, options=options)

    def open(self, network: Network | None = None, **options: Any):
        family = get_family("solana")
        assert family is not None and SOL is not None
        return family.open_adapter(network or SOL, self.endpoint(**options))


def seed(ledger: SolanaLedger) -> tuple[int, list[str]]:
    """Balances before S (returned), then SOL and token moves in every direction after it."""
    assert USDT is not None and USDC is not None
    usdt, usdc = str(USDT.contract), str(USDC.contract)
    exchange = [account(i) for i in range(1, 5)]
    outsider = account(99)
    for i, owner in enumerate([*exchange, outsider]):
        ledger.fund(owner, (i + 1) * 10**9)
    ledger.mine()
    usdt_accounts = [ledger.create_token_account(owner, usdt) for owner in [*exchange, outsider]]
    usdc_2022 = ledger.create_token_account(exchange[0], usdc, program=TOKEN_2022_PROGRAM)
    second_usdt = ledger.create_token_account(exchange[1], usdt)  # an owner with two accounts of one mint
    ledger.mine()
    for i, token_account in enumerate(usdt_accounts):
        ledger.mint_tokens(token_account, (i + 1) * 50_000_000)
    ledger.mint_tokens(usdc_2022, 7_000_000)
    ledger.mint_tokens(second_usdt, 1_000)
    ledger.mine(skip=1)
    ledger.token_transfer(usdt_accounts[0], usdt_accounts[1], 5_000_000)
    height = ledger.mine()
    # after S: skipped slots, SOL in and out, a v0 transfer, a failed one (fee only), tokens in, out and between
    ledger.mine(skip=2)
    ledger.transfer(outsider, exchange[0], 123_456_789)
    ledger.transfer(exchange[1], outsider, 10_000_000, lookup=True)
    ledger.transfer(exchange[2], outsider, 10**12, failed=True)
    ledger.token_transfer(usdt_accounts[4], usdt_accounts[0], 7_777_777)
    ledger.token_transfer(usdt_accounts[1], usdt_accounts[4], 1_000_000)
    ledger.mine()
    ledger.token_transfer(usdt_accounts[0], usdt_accounts[3], 3_000_000)
    ledger.token_transfer(usdc_2022, ledger.create_token_account(outsider, usdc), 2_000_000)
    late = ledger.create_token_account(exchange[2], usdt)  # an account created after S: 0 at S
    ledger.mine()
    ledger.token_transfer(usdt_accounts[4], late, 42)
    ledger.fund(exchange[3], 5)
    ledger.mine(skip=1)
    return height, [*exchange, account(1234)]


@pytest.fixture
async def chain() -> AsyncIterator[Chain]:
    ledger = SolanaLedger()
    height, accounts = seed(ledger)
    async with running_server(ledger) as server:
        yield Chain(ledger, server, height, accounts)


def queries(accounts: list[str]) -> list[BalanceQuery]:
    assert USDT is not None and USDC is not None
    return [BalanceQuery(a, c) for a in accounts for c in (None, USDT.contract, USDC.contract)]


def expected(chain: Chain, query: BalanceQuery, slot: int | None = None) -> int:
    slot = chain.height if slot is None else slot
    if query.contract is None:
        return chain.ledger.lamports_at(query.address, slot)
    return chain.ledger.tokens_at(query.address, query.contract, slot)


async def test_snapshot_names_the_block(chain: Chain) -> None:
    async with chain.open() as adapter:
        snap = await adapter.snapshot(chain.height)
    assert snap.height == chain.height and snap.block_hash == chain.ledger.blocks[chain.height]


async def test_skipped_snapshot_slot_is_the_state_after_the_block_before_it(chain: Chain) -> None:
    blocks = chain.ledger.blocks
    skipped = max(s for s in blocks if s < chain.height and blocks[s] is None)
    before = max(s for s in blocks if s < skipped and blocks[s])
    async with chain.open() as adapter:
        snap = await adapter.snapshot(skipped)
        balances = await adapter.fetch_balances(queries(chain.accounts), skipped)
    assert snap.block_hash == f"{blocks[before]} (slot {skipped} skipped: block of slot {before})"
    for query, balance in balances.items():
        assert balance.amount == expected(chain, query, skipped), (query, balance)


@pytest.mark.parametrize("rpc_batch", [100, 1])
async def test_balances_at_the_snapshot_equal_the_ledger(chain: Chain, rpc_batch: int) -> None:
    asked = queries(chain.accounts)
    moved = [q for q in asked if expected(chain, q, chain.ledger.head) != expected(chain, q)]
    assert len(moved) >= 6  # a tip reader would be wrong on these: the roll-back is exercised
    async with chain.open(rpc_batch=rpc_batch) as adapter:
        balances = await adapter.fetch_balances(asked, chain.height)
    assert set(balances) == set(asked)
    for query in asked:
        balance = balances[query]
        assert balance.amount == expected(chain, query), (query, balance)
        name = "getMultipleAccounts" if query.contract is None else "getTokenAccountsByOwner"
        assert balance.method in (name, f"{name}-rollback") and balance.read_at == chain.ledger.head, balance
        assert query.contract is None or balance.note.split(";")[0].endswith(" accounts"), balance
    assert chain.ledger.head != chain.height
    assert all(balances[q].method.endswith("-rollback") and "pre-balance of" in balances[q].note for q in moved)
    assert sum(b.amount or 0 for b in balances.values()) != sum(expected(chain, q, chain.ledger.head) for q in asked)


async def test_pages_of_signatures_reach_back_to_the_snapshot(chain: Chain) -> None:
    busy, other = chain.accounts[0], chain.accounts[1]
    for i in range(7):
        chain.ledger.transfer(busy, other, 1_000 + i)
        chain.ledger.mine()
    query = BalanceQuery(busy)
    async with chain.open(signatures_page=2) as adapter:
        balances = await adapter.fetch_balances([query, BalanceQuery(other)], chain.height)
    assert balances[query].amount == expected(chain, query)
    assert chain.server.calls["getSignaturesForAddress"] >= 5
    async with chain.open(signatures_page=2, max_signature_pages=2) as adapter:
        bounded = await adapter.fetch_balances([query], chain.height)
    assert bounded[query].amount is None and "max_signature_pages" in bounded[query].error


async def test_token_accounts_closed_or_handed_over_after_the_snapshot_still_count() -> None:
    assert USDT is not None
    usdt = str(USDT.contract)
    ledger = SolanaLedger()
    owner, outsider = account(31), account(32)
    ledger.fund(owner, 10**9)
    ledger.fund(outsider, 10**9)
    ledger.mine()
    closed, handed, kept = (ledger.create_token_account(owner, usdt) for _ in range(3))
    elsewhere = ledger.create_token_account(outsider, usdt)
    ledger.mine()
    for i, token_account in enumerate((closed, handed, kept)):
        ledger.mint_tokens(token_account, (i + 1) * 1_000_000)
    height = ledger.mine()
    ledger.token_transfer(closed, elsewhere, 1_000_000)  # emptied, then closed
    ledger.close_token_account(closed)
    ledger.set_token_owner(handed, outsider)  # given away
    ledger.token_transfer(elsewhere, kept, 5)
    ledger.mine()
    query = BalanceQuery(owner, usdt)
    assert ledger.tokens_at(owner, usdt, height) == 6_000_000 and ledger.tokens_at(owner, usdt) == 3_000_005
    async with running_server(ledger) as server:
        chain = Chain(ledger, server, height, [owner])
        async with chain.open() as adapter:
            found = (await adapter.fetch_balances([query], height))[query]
        async with chain.open(find_closed_token_accounts=False) as adapter:
            listed_only = (await adapter.fetch_balances([query], height))[query]
    assert found.amount == 6_000_000 and "accounts, 2 closed or handed over since" in found.note, found
    assert listed_only.amount == 3_000_000  # what the option trades away: an under-count


async def test_stake_account_is_out_of_scope_and_said_so(chain: Chain) -> None:
    stake = account(777)
    chain.ledger.make_stake_account(stake, 5 * 10**9)
    chain.ledger.mine()
    async with chain.open() as adapter:
        balances = await adapter.fetch_balances([BalanceQuery(stake), BalanceQuery(chain.accounts[0])],
                                                chain.ledger.head)
    assert balances[BalanceQuery(stake)].amount is None
    error = balances[BalanceQuery(stake)].error
    assert "stake account" in error and "out of scope" in error
    assert balances[BalanceQuery(chain.accounts[0])].ok


async def test_node_without_history_back_to_the_snapshot_is_refused(chain: Chain) -> None:
    chain.server.faults.first_available = chain.height + 2
    async with chain.open() as adapter:
        with pytest.raises(DataSourceError, match="has no block") as caught:
            await adapter.snapshot(chain.height)  # its ledger was cleaned up: -32001
        assert caught.value.refusal is not None and caught.value.refusal.kind == "no-block"
    chain.server.faults.blocks_kept = True  # blocks still answered, but the transactions after S are gone
    async with chain.open() as adapter:
        with pytest.raises(DataSourceError, match="must keep the state or history") as caught:
            await adapter.snapshot(chain.height)
        assert caught.value.refusal is not None and caught.value.refusal.kind == "no-state"
        assert (await adapter.snapshot(chain.height + 3)).height == chain.height + 3


async def test_history_lost_after_the_snapshot_check_leaves_rows_unread(chain: Chain) -> None:
    asked = queries(chain.accounts[:2])
    async with chain.open() as adapter:
        await adapter.snapshot(chain.height)
        chain.server.faults.transactions_lost = True  # the node loses its history while we read
        balances = await adapter.fetch_balances(asked, chain.height)
    moved = [q for q in asked if expected(chain, q, chain.ledger.head) != expected(chain, q)]
    assert moved
    for query in moved:  # never the tip in place of the snapshot
        assert balances[query].amount is None and "does not have this transaction" in balances[query].error


async def test_other_chain_and_behind_are_refused(chain: Chain) -> None:
    assert SOL is not None
    devnet = replace(SOL, params={**SOL.params, "genesis_hash": "EtWTRABZaYq6iMfeYKouRu166VU2xqa1wcaWoxPkrZBG"})
    async with chain.open(devnet) as adapter:
        with pytest.raises(DataSourceError, match=r"another chain.*genesis hash"):
            await adapter.snapshot(chain.height)
    async with chain.open() as adapter:
        with pytest.raises(DataSourceError, match="behind the snapshot"):
            await adapter.snapshot(chain.ledger.head + 10)


async def test_429_with_retry_after_and_5xx_are_retried(chain: Chain) -> None:
    chain.server.faults.rate_limited = 2
    chain.server.faults.retry_after = "0.4"
    query = BalanceQuery(chain.accounts[0])
    async with chain.open() as adapter:
        started = time.monotonic()
        await adapter.snapshot(chain.height)
        chain.server.faults.server_errors = 2
        balances = await adapter.fetch_balances([query], chain.height)
        elapsed = time.monotonic() - started
    assert balances[query].amount == expected(chain, query)
    assert len(chain.server.rate_limited_at) == 2
    assert chain.server.rate_limited_at[1] - chain.server.rate_limited_at[0] >= 0.4 and elapsed >= 0.8
    assert chain.server.faults.server_errors == 0


async def test_malformed_replies_leave_only_their_rows_unread(chain: Chain) -> None:
    assert USDT is not None
    broken = chain.accounts[2]
    chain.server.faults.malformed = {broken}
    asked = [BalanceQuery(broken), BalanceQuery(broken, USDT.contract), BalanceQuery(chain.accounts[0]),
             BalanceQuery(chain.accounts[0], USDT.contract)]
    async with chain.open() as adapter:
        balances = await adapter.fetch_balances(asked, chain.height)
    for query in asked[:2]:
        assert balances[query].amount is None and balances[query].error, balances[query]
    for query in asked[2:]:
        assert balances[query].amount == expected(chain, query)


async def test_a_malformed_transaction_leaves_its_rows_unread_never_the_tip(chain: Chain) -> None:
    assert USDT is not None
    moved = chain.accounts[0]  # its SOL and USDT both moved after the snapshot
    its_token_accounts = {a for a, t in chain.ledger.working.tokens.items() if t[1] == moved}
    chain.server.faults.malformed_transactions = {moved, *its_token_accounts}
    asked = [BalanceQuery(moved), BalanceQuery(moved, USDT.contract), BalanceQuery(chain.accounts[3])]
    async with chain.open(find_closed_token_accounts=False) as adapter:
        balances = await adapter.fetch_balances(asked, chain.height)
    assert balances[asked[0]].amount is None and "preBalance" in balances[asked[0]].error
    assert balances[asked[1]].amount is None and "is not an integer" in balances[asked[1]].error
    assert balances[asked[0]].method == "getMultipleAccounts-rollback"  # the pin's figure is not passed off as S's
    assert balances[asked[0]].read_at == chain.ledger.head
    assert balances[asked[2]].amount == expected(chain, asked[2])


async def test_a_reply_about_another_owner_is_refused(chain: Chain) -> None:
    assert USDT is not None
    target = chain.accounts[1]
    chain.server.faults.foreign_owner = {target}
    query = BalanceQuery(target, USDT.contract)
    async with chain.open() as adapter:
        balances = await adapter.fetch_balances([query, BalanceQuery(target)], chain.height)
    assert balances[query].amount is None and "asked for owner" in balances[query].error
    assert balances[BalanceQuery(target)].amount == expected(chain, BalanceQuery(target))


def test_options_and_backends_are_checked(chain: Chain) -> None:
    family = get_family("solana")
    assert family is not None and SOL is not None
    with pytest.raises(ValueError, match="did you mean 'rpc_batch'"):
        family.open_adapter(SOL, chain.endpoint(rpc_batchs=5))
    with pytest.raises(ValueError, match="signatures_page"):
        family.open_adapter(SOL, chain.endpoint(signatures_page=5000))
    with pytest.raises(ValueError, match="solana-rpc"):
        family.open_adapter(SOL, replace(chain.endpoint(), backend="esplora"))
