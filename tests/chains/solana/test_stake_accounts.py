"""Stake accounts a SOL row's address can withdraw: listed with getProgramAccounts (Stake program, dataSize 200,
memcmp at the withdrawer's offset 44), noted on the row, never counted; a provider refusing the method only leaves
the note "stake accounts not checked" (tests/nodes/solana_server.py stands in for the RPC node)."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator
from typing import Any

import base58
import pytest

from chains.base import BalanceQuery, Endpoint
from chains.registry import get_family
from chains.solana import rpc
from chains.transport import display_url
from tests.chains.ed25519_signing import key, public
from tests.chains.solana.test_adapter import SOL
from tests.nodes.solana_server import SolanaLedger, SolanaServer, running_server


def account(seed: int) -> str:
    return base58.b58encode(public(key(seed))).decode()


OWNER, PLAIN, OTHER = account(1), account(2), account(3)
STAKES = [account(501), account(502)]  # OWNER withdraws these
STAKED_FOR_OWNER = account(503)  # OWNER is only its staker: OTHER withdraws it, so it is not OWNER's


@pytest.fixture
async def chain() -> AsyncIterator[tuple[SolanaLedger, SolanaServer, int]]:
    ledger = SolanaLedger()
    for i, address in enumerate((OWNER, PLAIN, OTHER)):
        ledger.fund(address, (i + 2) * 10**9)
    ledger.make_stake_account(STAKES[0], 3 * 10**9 + 17, withdrawer=OWNER)
    ledger.make_stake_account(STAKES[1], 12_345_678_901, withdrawer=OWNER, staker=OTHER)
    ledger.make_stake_account(STAKED_FOR_OWNER, 7 * 10**9, withdrawer=OTHER, staker=OWNER)
    ledger.mine()
    ledger.transfer(OWNER, PLAIN, 10**8)
    height = ledger.mine()
    ledger.transfer(PLAIN, OWNER, 4 * 10**8)  # after the snapshot: a tip reader is wrong on both
    ledger.mine(skip=1)
    async with running_server(ledger) as server:
        yield ledger, server, height


def open_adapter(server: SolanaServer, **options: Any):
    endpoint = Endpoint(url=server.url, backend="solana-rpc", display=display_url(server.url), max_concurrency=2,
                        requests_per_second=0, retries=1, timeout_seconds=5, options=options)
    family = get_family("solana")
    assert family is not None and SOL is not None
    return family.open_adapter(SOL, endpoint)


@pytest.mark.parametrize("rpc_batch", [100, 1])
async def test_stake_accounts_withdrawn_by_the_owner_are_noted_not_counted(chain, rpc_batch: int) -> None:
    ledger, server, height = chain
    asked = [BalanceQuery(OWNER), BalanceQuery(PLAIN)]
    async with open_adapter(server, rpc_batch=rpc_batch) as adapter:
        balances = await adapter.fetch_balances(asked, height)
    owner, plain = balances[asked[0]], balances[asked[1]]
    assert owner.amount == ledger.lamports_at(OWNER, height) != ledger.lamports_at(OWNER)
    assert plain.amount == ledger.lamports_at(PLAIN, height) != ledger.lamports_at(PLAIN)
    staked = sum(ledger.lamports_at(s) for s in STAKES)
    whole, fraction = divmod(staked, 10**9)
    assert (f"owns 2 stake account(s) holding {whole}.{fraction:09d}".rstrip("0") + f" SOL at slot {ledger.head}: "
            "not counted (stake accounts are out of scope)") in owner.note, owner.note
    assert "stake" not in plain.note and not plain.error
    assert server.calls["getProgramAccounts"] == 2


@pytest.mark.parametrize("refusal", [
    ("jsonrpc", -32010, f"{rpc.STAKE_PROGRAM} excluded from account secondary indexes; this RPC method unavailable "
     "for key"),
    ("jsonrpc", -32601, "Method not found"),
    ("http", 410, "The RPC call or parameters have been disabled."),
])
async def test_a_provider_refusing_get_program_accounts_leaves_a_note_and_the_exact_figure(
        chain, refusal: tuple[str, int, str]) -> None:
    ledger, server, height = chain
    server.faults.program_accounts_refused = refusal
    asked = [BalanceQuery(OWNER), BalanceQuery(PLAIN)]
    async with open_adapter(server) as adapter:
        balances = await adapter.fetch_balances(asked, height)
    for query in asked:
        balance = balances[query]
        assert balance.amount == ledger.lamports_at(query.address, height) and not balance.error, balance
        assert "stake accounts not checked: " in balance.note and str(refusal[1]) in balance.note, balance.note


async def test_option_off_sends_no_get_program_accounts(chain) -> None:
    ledger, server, height = chain
    async with open_adapter(server, find_stake_accounts=False) as adapter:
        balances = await adapter.fetch_balances([BalanceQuery(OWNER)], height)
    assert balances[BalanceQuery(OWNER)].amount == ledger.lamports_at(OWNER, height)
    assert "getProgramAccounts" not in server.calls and "stake" not in balances[BalanceQuery(OWNER)].note


def test_stand_in_applies_filters_and_data_slice(chain) -> None:
    ledger, server, _ = chain
    filters = [{"dataSize": 200}, {"memcmp": {"offset": 44, "bytes": OWNER}}]
    full = server.rpc_getProgramAccounts(rpc.STAKE_PROGRAM, {"encoding": "base64", "filters": filters})
    assert sorted(e["pubkey"] for e in full) == sorted(STAKES)  # a bare list without withContext
    data = base64.b64decode(full[0]["account"]["data"][0])
    assert len(data) == 200 and data[44:76] == base58.b58decode(OWNER) and int.from_bytes(data[:4], "little") == 1
    staker = [{"memcmp": {"offset": 12, "bytes": OWNER}}]
    assert sorted(e["pubkey"] for e in server.rpc_getProgramAccounts(rpc.STAKE_PROGRAM, {
        "encoding": "base64", "filters": staker})) == sorted([STAKES[0], STAKED_FOR_OWNER])  # OWNER stakes these
    sliced = server.rpc_getProgramAccounts(rpc.STAKE_PROGRAM, {
        "encoding": "base64", "filters": filters, "dataSlice": {"offset": 0, "length": 0}, "withContext": True})
    assert sliced["context"]["slot"] == ledger.head
    assert all(e["account"]["data"] == ["", "base64"] for e in sliced["value"])
    slot, found = rpc.stake_accounts(sliced)
    assert slot == ledger.head and {a.pubkey: a.lamports for a in found} == {s: ledger.lamports_at(s) for s in STAKES}


# solana.com/docs/rpc/http/getprogramaccounts (example reply, default encoding: a bare base58 `data` string; with
# "encoding": "base64" it is [text, "base64"] like getMultipleAccounts')
PROGRAM_ACCOUNTS = [{"pubkey": "CxELquR1gPP8wHe33gZ4QxqGB3sZ9RSwsJ2KshVewkFY", "account": {
    "data": "2R9jLfiAQ9bgdcw6h8s44439", "executable": False, "lamports": 15298080,
    "owner": "4Nd1mBQtrMJVYVfKf2PJy9NZUZdTAsp7D4xWLs4gDB4T", "rentEpoch": 28, "space": 42}}]


def test_stand_in_reply_has_the_documented_fields_and_the_parser_binds_it(chain) -> None:
    _, server, _ = chain
    reply = server.rpc_getProgramAccounts(rpc.STAKE_PROGRAM, {"encoding": "base64", "withContext": True, "filters": [
        {"memcmp": {"offset": 44, "bytes": OWNER}}]})
    entry = reply["value"][0]
    assert set(entry) == set(PROGRAM_ACCOUNTS[0]) and set(entry["account"]) == set(PROGRAM_ACCOUNTS[0]["account"])
    with pytest.raises(rpc.ReplyError, match="context"):
        rpc.stake_accounts(PROGRAM_ACCOUNTS)  # asked withContext: a bare list is not the reply asked for
    with pytest.raises(rpc.ReplyError, match="not the Stake program"):
        rpc.stake_accounts({"context": {"slot": 5}, "value": PROGRAM_ACCOUNTS})
    bad = [{**entry, "account": {**entry["account"], "lamports": "12"}}]
    with pytest.raises(rpc.ReplyError, match="lamports"):
        rpc.stake_accounts({"context": {"slot": 5}, "value": bad})
