"""The Filecoin `lotus` adapter against the local Lotus JSON-RPC stand-in (tests/nodes/lotus_server.py).

Funds move after the snapshot epoch H (so a reader of the head gets other totals); the adapter's figures must be
the ledger's own balances at H, and every source that cannot answer at H must be refused."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest
from coincurve import PrivateKey

from auditor.assets import AssetRegistry
from chains.base import BalanceQuery, DataSourceError, Endpoint, Refusal
from chains.filecoin import addresses
from chains.options import OptionsError
from chains.registry import get_family
from chains.transport import display_url
from tests.nodes.lotus_server import FilLedger, LotusServer

FIL = AssetRegistry.load().network("FIL")
ATTO = 10**18


def f1(seed: int) -> str:
    return addresses.encode(addresses.payload_of(PrivateKey(seed.to_bytes(32, "big")).public_key))


@dataclass
class Chain:
    ledger: FilLedger
    server: LotusServer
    height: int
    accounts: list[str]

    def endpoint(self, **options: Any) -> Endpoint:
        settings = {"finality_epochs": 2, **options}
        return Endpoint(url=self.server.rpc_url, backend="lotus", display=display_url(self.server.url),
                        max_concurrency=2, requests_per_second=0, retries=5, timeout_seconds=5, batch_size=3,
                        options=settings)

    def open(self, **options: Any):
        family = get_family("filecoin")
        assert family is not None
        return family.open_adapter(FIL, self.endpoint(**options))


def seed(ledger: FilLedger) -> tuple[int, list[str]]:
    exchange = [f1(i) for i in range(1, 6)]
    outsider = f1(99)
    for i, account in enumerate(exchange[:4]):
        ledger.credit(account, (i + 1) * 1000 * ATTO + i)
    ledger.credit(outsider, 10**6 * ATTO)
    ledger.mine()
    ledger.transfer(exchange[0], exchange[1], 7 * ATTO)
    height = ledger.mine(2)
    # after H: in, out, between two audited accounts, a newcomer that only appears after H
    ledger.transfer(outsider, exchange[0], 123 * ATTO + 5)
    ledger.transfer(exchange[1], outsider, 10 * ATTO)
    ledger.mine()
    ledger.transfer(exchange[2], exchange[3], 1)
    ledger.transfer(outsider, exchange[4], 5 * ATTO)
    ledger.mine(4)
    return height, exchange


@pytest.fixture
async def chain() -> AsyncIterator[Chain]:
    ledger = FilLedger()
    height, accounts = seed(ledger)
    async with LotusServer(ledger) as server:
        yield Chain(ledger, server, height, accounts)


async def test_balances_are_the_snapshot_tipsets_while_money_moves_after_it(chain: Chain) -> None:
    queries = [BalanceQuery(a) for a in chain.accounts]
    expected = {q: chain.ledger.balance(q.address, chain.height) for q in queries}
    at_head = {q: chain.ledger.balance(q.address) for q in queries}
    assert sum(expected.values()) != sum(at_head.values())  # a reader of the head would get other totals
    assert expected[queries[4]] == 0 and at_head[queries[4]] > 0  # no actor yet at H: the chain says 0
    async with chain.open() as adapter:
        snapshot = await adapter.snapshot(chain.height)
        balances = await adapter.fetch_balances(queries, chain.height)
    assert snapshot.block_hash == ",".join(chain.ledger.cids(chain.height))
    assert {q: b.amount for q, b in balances.items()} == expected
    assert {(b.method, b.read_at) for b in balances.values()} == {("StateGetActor", chain.height + 1)}
    # batches of 3 calls: 2 requests for 5 addresses
    assert chain.server.requests["Filecoin.StateGetActor"] == 5 + 1  # + the probe of f099


async def test_the_snapshot_tipsets_own_messages_count(chain: Chain) -> None:
    """The balance at H is after tipset H's messages (as eth_getBalance at block H gives an FEVM row of the same
    node): an exchange transfer sealed into H is in the receiver's figure and out of the sender's, never in both
    (H's parent state, what StateGetActor at H's own key reads, has it in neither's)."""
    ledger = chain.ledger
    sender, receiver = chain.accounts[0], chain.accounts[4]
    ledger.transfer(sender, receiver, 6 * ATTO)
    height = ledger.mine()  # the 6 FIL are among tipset H's messages
    ledger.credit(receiver, 1)
    ledger.mine(3)
    queries = [BalanceQuery(sender), BalanceQuery(receiver)]
    async with chain.open() as adapter:
        balances = await adapter.fetch_balances(queries, height)
    before = {q: ledger.actor(q.address, height) or 0 for q in queries}  # H's parent state
    assert balances[queries[0]].amount == before[queries[0]] - 6 * ATTO
    assert balances[queries[1]].amount == before[queries[1]] + 6 * ATTO
    assert {(b.method, b.read_at) for b in balances.values()} == {("StateGetActor", height + 1)}


async def test_a_node_whose_head_is_the_snapshot_is_behind(chain: Chain) -> None:
    """The state after the head's messages is in no state root yet: the head epoch cannot be read."""
    async with chain.open(finality_epochs=0) as adapter:
        with pytest.raises(DataSourceError) as caught:
            await adapter.snapshot(chain.ledger.head)
        assert caught.value.refusal is not None and caught.value.refusal.kind is Refusal.BEHIND
        assert (await adapter.snapshot(chain.ledger.head - 1)).height == chain.ledger.head - 1


async def test_null_round_reads_the_state_after_the_last_tipset_before_it(chain: Chain) -> None:
    """Epoch H is a null round: the state at H is the one after the messages of the last tipset before it (H'),
    the parent state of the first tipset after H; the parent state of H' would miss H''s own messages (here a
    transfer of 9 FIL sealed into H')."""
    ledger = chain.ledger
    ledger.credit(chain.accounts[0], 9 * ATTO)
    before = ledger.mine()  # H': the 9 FIL are among its messages
    null = ledger.null_round()
    ledger.credit(chain.accounts[0], 4 * ATTO)
    after = ledger.mine(3) - 2  # the first tipset after H
    query = BalanceQuery(chain.accounts[0])
    async with chain.open() as adapter:
        snapshot = await adapter.snapshot(null)
        balances = await adapter.fetch_balances([query], null)
    assert f"epoch {null} is a null round: the state after tipset {before}" in snapshot.block_hash
    assert (balances[query].method, balances[query].read_at) == ("StateGetActor", after)
    # every transfer sealed into a tipset up to epoch H counts, none after it
    assert balances[query].amount == (ledger.actor(query.address, before) or 0) + 9 * ATTO
    assert balances[query].amount == ledger.balance(query.address, null) == ledger.balance(query.address, before)


@pytest.mark.parametrize(
    ("fault", "kind", "words"),
    [
        ({"pruned_below": 10**6}, Refusal.NO_STATE, "could not find"),
        ({"gateway_lookback": 2}, Refusal.NO_STATE, "lookbacks of more than"),
    ],
)
async def test_a_node_without_the_state_at_h_is_refused(chain: Chain, fault: dict, kind: Refusal, words: str) -> None:
    for key, value in fault.items():
        setattr(chain.server.faults, key, value)
    async with chain.open() as adapter:
        with pytest.raises(DataSourceError, match=words) as caught:
            await adapter.fetch_balances([BalanceQuery(chain.accounts[0])], chain.height)
    assert caught.value.refusal is not None and caught.value.refusal.kind is kind
    assert chain.server.requests["Filecoin.StateGetActor"] <= 1  # refused at the probe, no row read


async def test_refusals_for_wrong_chain_behind_and_not_final(chain: Chain) -> None:
    async with chain.open(genesis_cid="bafy2bzaceotherchain000000000000000000000000000000000000000") as adapter:
        with pytest.raises(DataSourceError) as caught:
            await adapter.snapshot(chain.height)
    assert caught.value.refusal.kind is Refusal.WRONG_CHAIN and "genesis block CID" in str(caught.value)
    async with chain.open() as adapter:
        with pytest.raises(DataSourceError) as caught:
            await adapter.snapshot(chain.ledger.head + 5)
    assert caught.value.refusal.kind is Refusal.BEHIND
    async with chain.open(finality_epochs=900) as adapter:
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
    assert all(b.ok for b in balances.values())
    assert {q: b.amount for q, b in balances.items()} == {q: chain.ledger.balance(q.address, chain.height)
                                                          for q in queries}
    assert len(chain.server.rate_limited_at) == 1


async def test_malformed_reply_and_foreign_reply_leave_only_that_row_unread(chain: Chain) -> None:
    bad, foreign, good = chain.accounts[0], chain.accounts[1], chain.accounts[2]
    chain.server.faults.malformed.add(bad)
    chain.server.faults.foreign_id.add(foreign)
    queries = [BalanceQuery(bad), BalanceQuery(foreign), BalanceQuery(good)]
    async with chain.open() as adapter:
        balances = await adapter.fetch_balances(queries, chain.height)
    assert balances[queries[0]].amount is None and "not a decimal attoFIL string" in balances[queries[0]].error
    assert balances[queries[1]].amount is None and "no reply with id" in balances[queries[1]].error
    assert "carried an id of no call" in balances[queries[1]].error
    assert balances[queries[2]].amount == chain.ledger.balance(good, chain.height)


def test_options_and_backends_are_checked() -> None:
    family = get_family("filecoin")
    endpoint = Endpoint(url="http://127.0.0.1:1/rpc/v1", backend="lotus", display="http://127.0.0.1:1",
                        options={"finality_epoch": 3})
    with pytest.raises(OptionsError, match="did you mean 'finality_epochs'"):
        family.open_adapter(FIL, endpoint)
    with pytest.raises(ValueError, match="unknown backend 'jsonrpc'"):
        family.open_adapter(FIL, Endpoint(url="http://x", backend="jsonrpc", display="http://x"))
