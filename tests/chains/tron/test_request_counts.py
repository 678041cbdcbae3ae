"""The TRON adapter's cost model against what it sends to the local java-tron/TronGrid server: the planned
requests (its lower bound: one event page per TRC-20 account) equal the server's count when no account moves
during the read, and the transport's counters equal the server's own count."""

from __future__ import annotations

from chains.base import BalanceQuery
from tests.chains.request_counts import read_counted
from tests.chains.tron.test_adapter import USDC, USDT, Chain, _expected, _queries
from tests.chains.tron.test_adapter import chain as chain


async def test_planned_requests_equal_the_servers_count(chain: Chain) -> None:
    wanted = _queries(chain.accounts)
    counted = await read_counted(chain.open(rollback="accounts"), wanted, chain.height)
    assert {q: b.amount for q, b in counted.balances.items()} == {q: _expected(chain, q) for q in wanted}
    served = sum(chain.server.requests.values())
    assert counted.sent.requests == served and counted.planned.covers(served)
    # exact but for the history check's look-back past empty blocks (block H has no transaction here), which the
    # snapshot's range allows for: getblockbynum of block 0 and of H are the rest (H's re-check is a getblock)
    lookback = chain.server.requests["/wallet/getblockbynum"] - 2
    assert 0 < lookback < 20 and served == counted.planned.low + lookback
    assert counted.planned.high is None  # TRC-20 roll-backs: pages grow with each account's transfers
    trx = sum(1 for q in wanted if q.contract is None)
    assert chain.server.requests["/wallet/getaccountbalance"] == trx  # one per account: the API has no batch


async def test_more_event_pages_are_more_requests_within_the_plan(chain: Chain) -> None:
    wanted = _queries(chain.accounts)
    counted = await read_counted(chain.open(events_page_size=1, rollback="accounts"), wanted, chain.height)
    assert {q: b.amount for q, b in counted.balances.items()} == {q: _expected(chain, q) for q in wanted}
    served = sum(chain.server.requests.values())
    lookback = chain.server.requests["/wallet/getblockbynum"] - 2
    pages = sum(n for path, n in chain.server.requests.items() if path.startswith("/v1/"))
    assert counted.sent.requests == served == counted.planned.low + lookback + pages - 10  # 10 TRC-20 rows
    assert pages > 10
    assert counted.planned.covers(counted.sent.requests)


async def test_multicall_reads_a_group_in_one_request_and_falls_back_without_it(chain: Chain) -> None:
    assert USDT is not None and USDC is not None
    tokens = [BalanceQuery(a, c) for a in chain.accounts for c in (USDT.contract, USDC.contract)]
    calls = "/walletsolidity/triggerconstantcontract"
    batched = await read_counted(chain.open(rollback="accounts"), tokens, chain.height)  # the registry's Multicall
    assert chain.server.requests[calls] == 1  # ten balanceOf in one aggregate
    with_multicall = sum(chain.server.requests.values())
    chain.server.requests.clear()
    chain.server.multicall = None  # a chain without the contract: the aggregate is refused, each row asked alone
    alone = await read_counted(chain.open(rollback="accounts"), tokens, chain.height)
    assert chain.server.requests[calls] == 1 + len(tokens)
    assert {q: b.amount for q, b in batched.balances.items()} == {q: _expected(chain, q) for q in tokens} \
        == {q: b.amount for q, b in alone.balances.items()}
    assert batched.planned.covers(with_multicall)
    chain.server.requests.clear()
    # turned off: no aggregate at all
    off = await read_counted(chain.open(multicall="", rollback="accounts"), tokens, chain.height)
    assert chain.server.requests[calls] == len(tokens) and off.planned.low > batched.planned.low
    assert off.sent.requests - batched.sent.requests == len(tokens) - 1  # one group either way (16 a group)


async def test_a_separate_events_service_is_counted_apart(chain: Chain) -> None:
    wanted = _queries(chain.accounts)
    adapter = chain.open(events_url=chain.server.url)
    async with adapter:
        await adapter.fetch_balances(wanted, chain.height)
        counted = {display: c.requests for display, c in adapter.request_counters().items()}
    events = sum(n for path, n in chain.server.requests.items() if path.startswith("/v1/"))
    node = sum(chain.server.requests.values()) - events
    assert counted == {adapter.endpoint.display: node, f"{adapter.endpoint.display} (events)": events}
