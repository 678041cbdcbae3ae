"""TRON balances in batches with a block scan (`rollback = "blocks"`, or what `auto` picks) against the local
java-tron/TronGrid server: TRX by the Multicall's getEthBalance and TRC-20 by balanceOf in the same aggregates,
read after the snapshot; then every block since it (getblockbalance, gettransactioninfobyblocknum) says who moved,
and only those are read one by one. Money moves after the snapshot and while the group is read; totals must
equal the ledger's at H, a block that cannot be read must send its kind back to the per-account path, and the
planned requests must equal the server's count."""

from __future__ import annotations

from chains.base import BalanceQuery
from tests.chains.request_counts import read_counted
from tests.chains.tron.test_adapter import USDC, USDT, Chain, _address, _expected, _moved_between, _queries
from tests.chains.tron.test_adapter import chain as chain


def _history_requests(chain: Chain) -> int:
    return sum(n for path, n in chain.server.requests.items() if path.startswith("/v1/"))


def _totals(chain: Chain, queries: list[BalanceQuery], balances: dict) -> tuple[dict, dict]:
    got: dict[str | None, int] = {}
    want: dict[str | None, int] = {}
    for query in queries:
        got[query.contract] = got.get(query.contract, 0) + balances[query].amount
        want[query.contract] = want.get(query.contract, 0) + _expected(chain, query)
    return got, want


async def test_money_moving_during_the_read_is_read_per_account_and_totals_are_exact(chain: Chain) -> None:
    assert USDT is not None
    target, payer = chain.accounts[1], chain.accounts[3]
    seen: list[tuple[str | None, str]] = []

    def move_while_reading(contract: str | None, holder: str) -> None:
        seen.append((contract, holder))
        if len(seen) == 1:  # TRX and USDT land on `target` (and solidify) while its group is being read
            chain.ledger.transfer(payer, target, 31_337)
            chain.ledger.transfer(payer, target, 4_242, contract=USDT.contract)
            chain.ledger.mine(2)

    chain.server.faults.on_constant_call = move_while_reading
    queries = _queries(chain.accounts)
    async with chain.open(rollback="blocks") as adapter:
        balances = await adapter.fetch_balances(queries, chain.height)
    assert any(contract is None for contract, _ in seen)  # TRX went through the Multicall (getEthBalance)
    for query in queries:
        assert balances[query].amount == _expected(chain, query), (query, balances[query])
    got, want = _totals(chain, queries, balances)
    assert got == want
    tip = {q: chain.ledger.balance(q.address, None, q.contract) for q in queries}
    assert sum(tip[q] != _expected(chain, q) for q in queries) >= 6  # a tip reader gets other figures
    # the accounts named since H (target among them) were read one by one; the others kept their batch value
    last = chain.ledger.solid_head
    for query in queries:
        named = _moved_between(chain, query, chain.height, last)
        method = balances[query].method
        if query.contract is None:
            assert method == ("getaccountbalance" if named else "multicall-getEthBalance"), (query, balances[query])
        else:
            assert method == ("trc20-balanceOf-rollback" if named else "trc20-balanceOf-unmoved"), query
    assert balances[BalanceQuery(target)].method == "getaccountbalance"
    usdt_target = BalanceQuery(target, USDT.contract)
    assert balances[usdt_target].method == "trc20-balanceOf-rollback"
    assert chain.server.requests["/wallet/getaccountbalance"] == sum(
        1 for q in queries if q.contract is None and _moved_between(chain, q, chain.height, last))


async def test_a_block_that_cannot_be_read_sends_its_kind_back_per_account(chain: Chain) -> None:
    moved_block = chain.height + 1
    assert chain.ledger.blocks[moved_block].transfers
    chain.server.faults.unreadable_blocks = {moved_block}
    queries = _queries(chain.accounts)
    async with chain.open(rollback="blocks") as adapter:
        balances = await adapter.fetch_balances(queries, chain.height)
    for query in queries:
        assert balances[query].amount == _expected(chain, query), (query, balances[query])
        wanted = "getaccountbalance" if query.contract is None else "trc20-balanceOf-rollback"
        assert balances[query].method == wanted, (query, balances[query])  # nothing concluded from a gap
    assert _history_requests(chain) == sum(1 for q in queries if q.contract)


async def test_planned_requests_equal_the_servers_count_in_batches(chain: Chain) -> None:
    wanted = _queries(chain.accounts)
    counted = await read_counted(chain.open(rollback="blocks"), wanted, chain.height)
    assert {q: b.amount for q, b in counted.balances.items()} == {q: _expected(chain, q) for q in wanted}
    served = sum(chain.server.requests.values())
    assert counted.sent.requests == served and counted.planned.covers(served)
    # the plan is the figure with nobody moving and no block since H; what the run adds is exactly the scan of
    # blocks H+1..last (getblockbynum each; getblockbalance and gettransactioninfobyblocknum for those with
    # transactions), a getaccountbalance per TRX account named, an event page per TRC-20 account named, and the
    # history check's look-back past empty blocks at H (as in the per-account count)
    last = chain.ledger.solid_head
    blocks = range(chain.height + 1, last + 1)
    busy = sum(1 for b in blocks if chain.ledger.blocks[b].transfers)
    named_trx = sum(1 for q in wanted if q.contract is None and _moved_between(chain, q, chain.height, last))
    named_tokens = sum(1 for q in wanted if q.contract and _moved_between(chain, q, chain.height, last))
    lookback = chain.server.requests["/wallet/getblockbynum"] - 2 - len(blocks)
    assert 0 < lookback < 20 and busy >= 2 and named_trx >= 1 and named_tokens >= 4
    assert served == counted.planned.low + lookback + len(blocks) + 2 * busy + named_trx + named_tokens
    assert chain.server.requests["/walletsolidity/triggerconstantcontract"] == 1  # 15 balances, one aggregate
    assert counted.planned.high is None


async def test_auto_scans_while_few_blocks_passed_and_reads_per_account_when_many(chain: Chain) -> None:
    assert USDT is not None and USDC is not None
    idle = [_address(5000 + i) for i in range(10)]  # never funded: more TRX rows than a short scan costs
    queries = _queries(chain.accounts + idle)
    trx = sum(1 for q in queries if q.contract is None)
    async with chain.open() as adapter:  # rollback = "auto"; 3 blocks since H (the solid head trails by one)
        balances = await adapter.fetch_balances(queries, chain.height)
    assert {q: b.amount for q, b in balances.items()} == {q: _expected(chain, q) for q in queries}
    assert chain.server.requests["/wallet/gettransactioninfobyblocknum"] >= 2
    assert chain.server.requests["/wallet/getblockbalance"] >= 3  # the history check's, then the scan's
    assert chain.server.requests["/wallet/getaccountbalance"] < trx  # only the accounts that moved
    assert any(b.method == "multicall-getEthBalance" for b in balances.values())

    chain.ledger.mine(40)  # a long lag: scanning 40+ blocks costs more than reading 15 + 30 accounts
    chain.server.requests.clear()
    async with chain.open() as adapter:
        balances = await adapter.fetch_balances(queries, chain.height)
    assert {q: b.amount for q, b in balances.items()} == {q: _expected(chain, q) for q in queries}
    assert "/wallet/gettransactioninfobyblocknum" not in chain.server.requests
    assert chain.server.requests["/wallet/getblockbalance"] == 1  # the snapshot's history check alone
    assert chain.server.requests["/wallet/getaccountbalance"] == trx
    assert _history_requests(chain) == len(queries) - trx
    assert {b.method for b in balances.values()} == {"getaccountbalance", "trc20-balanceOf-rollback"}


async def test_trx_without_a_multicall_is_read_per_account(chain: Chain) -> None:
    chain.server.multicall = None
    queries = [BalanceQuery(a) for a in chain.accounts]
    async with chain.open(rollback="blocks", multicall="") as adapter:
        balances = await adapter.fetch_balances(queries, chain.height)
    assert {q: b.amount for q, b in balances.items()} == {q: _expected(chain, q) for q in queries}
    assert chain.server.requests["/wallet/getaccountbalance"] == len(queries)
    assert "/wallet/gettransactioninfobyblocknum" not in chain.server.requests


async def test_the_chunks_of_a_run_scan_each_block_once(chain: Chain) -> None:
    """A run reads its rows in chunks through one adapter: the blocks the first chunk scanned are not asked again,
    only those since (here one with a TRX transfer that must send its account per account)."""
    queries = _queries(chain.accounts)
    first, second = queries[:9], queries[9:]
    async with chain.open(rollback="blocks") as adapter:
        balances = dict(await adapter.fetch_balances(first, chain.height))
        scanned = chain.server.requests["/wallet/gettransactioninfobyblocknum"]
        traces = chain.server.requests["/wallet/getblockbalance"]
        covered = chain.ledger.solid_head  # what the first chunk's scan read up to
        chain.ledger.transfer(chain.accounts[0], chain.accounts[4], 777)  # lands after the first chunk's scan
        chain.ledger.mine(2)
        balances.update(await adapter.fetch_balances(second, chain.height))
    assert {q: b.amount for q, b in balances.items()} == {q: _expected(chain, q) for q in queries}
    # only the busy blocks since the first scan: the one that was not solid yet, and the new TRX transfer's
    fresh = sum(1 for b in range(covered + 1, chain.ledger.solid_head + 1) if chain.ledger.blocks[b].transfers)
    assert fresh == 2
    assert chain.server.requests["/wallet/gettransactioninfobyblocknum"] - scanned == fresh
    assert chain.server.requests["/wallet/getblockbalance"] - traces == fresh
    assert balances[BalanceQuery(chain.accounts[4])].method == "getaccountbalance"  # named by the new block


async def test_a_multicall_without_get_eth_balance_sends_trx_per_account(chain: Chain) -> None:
    """Should the Multicall not answer getEthBalance, the group's aggregate fails once: its TRC-20 rows are asked
    again in one aggregate without the TRX calls, TRX is read at the snapshot per account, and the next read of the
    run does not try getEthBalance again."""
    chain.server.faults.no_eth_balance = True
    queries = _queries(chain.accounts)
    calls = "/walletsolidity/triggerconstantcontract"
    async with chain.open(rollback="blocks") as adapter:
        balances = dict(await adapter.fetch_balances(queries[:6], chain.height))
        assert chain.server.requests[calls] == 2  # the failed aggregate, then the TRC-20 rows alone
        balances.update(await adapter.fetch_balances(queries[6:], chain.height))
        assert chain.server.requests[calls] == 3  # no getEthBalance tried again
    assert {q: b.amount for q, b in balances.items()} == {q: _expected(chain, q) for q in queries}
    trx = [q for q in queries if q.contract is None]
    assert {balances[q].method for q in trx} == {"getaccountbalance"}
    assert chain.server.requests["/wallet/getaccountbalance"] == len(trx)
    assert any(b.method == "trc20-balanceOf-unmoved" for b in balances.values())
