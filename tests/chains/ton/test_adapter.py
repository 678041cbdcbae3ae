"""The TON balance adapter against the local toncenter API v2 stand-in (tests/nodes/ton_server.py).

Wallets are real v4r2 wallets of Ed25519 keys; the ledger funds them and mints USDT before the snapshot block S,
then moves TON and USDT after it, so a reader of the newest state gets other figures than the ledger's at S.
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
from chains.ton import addresses, boc
from chains.ton.wallets import WALLETS, account_id
from chains.transport import display_url
from tests.chains.ed25519_signing import key, public
from tests.nodes.ton_server import TonLedger, TonServer, running_server

REGISTRY = AssetRegistry.load()
TON = REGISTRY.network("TON")
USDT = REGISTRY.resolve("USDT-TON", "TON")
V4R2 = next(w for w in WALLETS if w.name == "v4r2")


def wallet(seed: int) -> str:
    return addresses.encode(account_id(V4R2, public(key(seed))))


def raw(address: str) -> str:
    return addresses.decode(address).raw


@dataclass
class Chain:
    ledger: TonLedger
    server: TonServer
    height: int
    accounts: list[str]  # raw forms, as the family normalises them

    def endpoint(self, **options: Any) -> Endpoint:
        return Endpoint(url=self.server.url, backend="toncenter-v2", display=display_url(self.server.url),
                        max_concurrency=4, requests_per_second=0, retries=3, timeout_seconds=5, options=options)

    def open(self, network: Network | None = None, **options: Any):
        family = get_family("ton")
        assert family is not None and TON is not None
        return family.open_adapter(network or TON, self.endpoint(**options))


def seed(ledger: TonLedger) -> tuple[int, list[str]]:
    assert USDT is not None
    usdt = str(USDT.contract)
    exchange = [wallet(i) for i in range(1, 5)]
    outsider = wallet(99)
    for i, owner in enumerate([*exchange, outsider]):
        ledger.credit(owner, (i + 1) * 10**9)
        if i != 3:  # exchange[3] has no jetton wallet at S
            ledger.mint(usdt, owner, (i + 1) * 50_000_000)
    ledger.mine()
    ledger.jetton_transfer(usdt, exchange[0], exchange[1], 5_000_000)
    height = ledger.mine()
    ledger.transfer(outsider, exchange[0], 123_456_789)
    ledger.transfer(exchange[1], outsider, 10_000_000)
    ledger.jetton_transfer(usdt, outsider, exchange[0], 7_777_777)
    ledger.jetton_transfer(usdt, exchange[1], exchange[3], 1_000_000)  # deploys exchange[3]'s wallet after S
    ledger.mine()
    ledger.jetton_transfer(usdt, exchange[0], outsider, 3_000_000)
    ledger.mine()
    return height, [raw(a) for a in [*exchange, wallet(1234)]]


@pytest.fixture
async def chain() -> AsyncIterator[Chain]:
    ledger = TonLedger()
    height, accounts = seed(ledger)
    async with running_server(ledger) as server:
        yield Chain(ledger, server, height, accounts)


def queries(accounts: list[str]) -> list[BalanceQuery]:
    assert USDT is not None
    return [BalanceQuery(a, c) for a in accounts for c in (None, USDT.contract)]


def expected(chain: Chain, query: BalanceQuery, seqno: int | None = None) -> int:
    seqno = chain.height if seqno is None else seqno
    if query.contract is None:
        return chain.ledger.balance(query.address, seqno)
    return chain.ledger.jetton_balance(query.contract, query.address, seqno)


def test_address_cells_match_an_independent_implementation() -> None:
    from pytoniq_core import Address, begin_cell

    assert USDT is not None
    for text in (str(USDT.contract), wallet(1), "-1:" + "33" * 32):
        parsed = Address(text)
        theirs = begin_cell().store_address(parsed).end_cell().to_boc()
        workchain, _, account = parsed.to_str(is_user_friendly=False).partition(":")
        ours = boc.serialize(*boc.address_cell(int(workchain), bytes.fromhex(account)))
        assert ours == theirs
        assert boc.read_address(theirs) == (int(workchain), bytes.fromhex(account))
        with_crc = begin_cell().store_address(parsed).store_uint(5, 3).end_cell().to_boc(has_idx=True, hash_crc32=True)
        assert boc.read_address(with_crc) == (int(workchain), bytes.fromhex(account))


async def test_snapshot_names_the_block(chain: Chain) -> None:
    async with chain.open() as adapter:
        snap = await adapter.snapshot(chain.height)
    assert snap.height == chain.height and snap.block_hash == chain.ledger.block_id(chain.height)["root_hash"]


async def test_balances_at_the_snapshot_equal_the_ledger(chain: Chain) -> None:
    asked = queries(chain.accounts)
    moved = [q for q in asked if expected(chain, q, chain.ledger.head) != expected(chain, q)]
    assert len(moved) >= 5  # a reader of the newest state would be wrong on these
    async with chain.open() as adapter:
        balances = await adapter.fetch_balances(asked, chain.height)
    assert set(balances) == set(asked)
    for query in asked:
        balance = balances[query]
        assert balance.amount == expected(chain, query), (query, balance)
        what = "getExtendedAddressInformation" if query.contract is None else "runGetMethod-get_wallet_data"
        assert (balance.method, balance.read_at) == (what, None), balance  # read at the snapshot block itself
    undeployed = BalanceQuery(chain.accounts[3], USDT.contract if USDT else None)
    assert balances[undeployed].amount == 0 and balances[undeployed].note == "wallet not deployed"
    assert all(b.note in ("", "wallet not deployed") and (not b.note or b.amount == 0) for b in balances.values())
    assert chain.server.requests["runGetMethod"] >= 2 * len(chain.accounts)


async def test_server_without_the_blocks_state_is_refused(chain: Chain) -> None:
    chain.server.faults.archive_from = chain.height + 1  # a liteserver that keeps recent states only
    async with chain.open() as adapter:
        with pytest.raises(DataSourceError, match="must keep the state or history") as caught:
            await adapter.snapshot(chain.height)
        assert caught.value.refusal is not None and caught.value.refusal.kind == "no-state"
        assert "LITE_SERVER_NOTREADY" in str(caught.value)
    chain.server.faults.blocks_from = chain.height + 1
    async with chain.open() as adapter:
        with pytest.raises(DataSourceError, match="has no block") as caught:
            await adapter.snapshot(chain.height)
        assert caught.value.refusal is not None and caught.value.refusal.kind == "no-block"


async def test_a_refused_request_is_not_taken_for_a_missing_block(chain: Chain) -> None:
    for method in ("lookupBlock", "getExtendedAddressInformation"):
        chain.server.faults.refused_methods = {method}
        async with chain.open() as adapter:
            with pytest.raises(DataSourceError, match="API key does not exist") as caught:
                await adapter.snapshot(chain.height)
        assert caught.value.refusal is not None and caught.value.refusal.kind == "unreachable"


async def test_state_gone_during_the_read_leaves_rows_unread(chain: Chain) -> None:
    asked = queries(chain.accounts[:2])
    async with chain.open() as adapter:
        await adapter.snapshot(chain.height)
        chain.server.faults.archive_from = chain.height + 1
        balances = await adapter.fetch_balances(asked, chain.height)
    for query in asked:
        assert balances[query].amount is None and "LITE_SERVER_NOTREADY" in balances[query].error


async def test_other_chain_and_behind_are_refused(chain: Chain) -> None:
    assert TON is not None
    testnet_zero = "gj+B8wb/AmlPk1z1AhVI484rhrUpgSr2oSFIh56VoSg="
    testnet = replace(TON, params={**TON.params, "zero_state_root_hash": testnet_zero})
    async with chain.open(testnet) as adapter:
        with pytest.raises(DataSourceError, match="another chain: its zero state root hash"):
            await adapter.snapshot(chain.height)
    async with chain.open() as adapter:
        with pytest.raises(DataSourceError, match="behind the snapshot"):
            await adapter.snapshot(chain.ledger.head + 1)


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
    assert balances[asked[0]].amount is None and "malformed" in balances[asked[0]].error
    assert balances[asked[1]].amount is None and "not a number" in balances[asked[1]].error
    for query in asked[2:]:
        assert balances[query].amount == expected(chain, query)


async def test_a_reply_about_another_account_is_refused(chain: Chain) -> None:
    assert USDT is not None
    target = chain.accounts[1]
    jetton_wallet = chain.ledger.wallet_of(str(USDT.contract), target)
    chain.server.faults.foreign = {target, jetton_wallet}
    asked = [BalanceQuery(target), BalanceQuery(target, USDT.contract)]
    async with chain.open() as adapter:
        balances = await adapter.fetch_balances(asked, chain.height)
    assert balances[asked[0]].amount is None and "the reply is about" in balances[asked[0]].error
    assert balances[asked[1]].amount is None and "belongs to" in balances[asked[1]].error


def test_options_and_backends_are_checked(chain: Chain) -> None:
    family = get_family("ton")
    assert family is not None and TON is not None
    with pytest.raises(ValueError, match="probe_address"):
        family.open_adapter(TON, chain.endpoint(probe_address="nonsense"))
    with pytest.raises(ValueError, match="toncenter-v2"):
        family.open_adapter(TON, replace(chain.endpoint(), backend="tonapi"))
