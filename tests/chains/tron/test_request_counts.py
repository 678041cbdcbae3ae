"""The TRON adapter's cost model against what it sends to the local java-tron/TronGrid server: the planned
requests (its lower bound: one event page per TRC-20 account) equal the server's count when no account moves
during the read, and the transport's counters equal the server's own count."""

from __future__ import annotations

from tests.chains.request_counts import read_counted
from tests.chains.tron.test_adapter import Chain, _expected, _queries
from tests.chains.tron.test_adapter import chain as chain


async def test_planned_requests_equal_the_servers_count(chain: Chain) -> None:
    wanted = _queries(chain.accounts)
    counted = await read_counted(chain.open(), wanted, chain.height)
    assert {q: b.amount for q, b in counted.balances.items()} == {q: _expected(chain, q) for q in wanted}
    served = sum(chain.server.requests.values())
    assert counted.sent.requests == served and counted.planned.covers(served)
    # exact but for the history check's look-back past empty blocks (block H has no transaction here), which the
    # snapshot's range allows for: getblockbynum of block 0, of H, and H's re-check are the rest
    lookback = chain.server.requests["/wallet/getblockbynum"] - 3
    assert 0 < lookback < 20 and served == counted.planned.low + lookback
    assert counted.planned.high is None  # TRC-20 roll-backs: pages grow with each account's transfers
    trx = sum(1 for q in wanted if q.contract is None)
    assert chain.server.requests["/wallet/getaccountbalance"] == trx  # one per account: the API has no batch


async def test_more_event_pages_are_more_requests_within_the_plan(chain: Chain) -> None:
    wanted = _queries(chain.accounts)
    counted = await read_counted(chain.open(events_page_size=1), wanted, chain.height)
    assert {q: b.amount for q, b in counted.balances.items()} == {q: _expected(chain, q) for q in wanted}
    served = sum(chain.server.requests.values())
    lookback = chain.server.requests["/wallet/getblockbynum"] - 3
    pages = sum(n for path, n in chain.server.requests.items() if path.startswith("/v1/"))
    assert counted.sent.requests == served == counted.planned.low + lookback + pages - 10  # 10 TRC-20 rows
    assert pages > 10
    assert counted.planned.covers(counted.sent.requests)
