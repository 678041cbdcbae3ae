"""The TON adapter's cost model against the local toncenter v2 server's own count: the planned requests cover
what it answered (two get methods per jetton row, a third for a wallet not deployed at the snapshot)."""

from __future__ import annotations

from tests.chains.request_counts import read_counted
from tests.chains.ton.test_adapter import Chain, expected, queries
from tests.chains.ton.test_adapter import chain as chain


async def test_planned_requests_cover_the_servers_count(chain: Chain) -> None:
    wanted = queries(chain.accounts)
    counted = await read_counted(chain.open(), wanted, chain.height)
    assert {q: b.amount for q, b in counted.balances.items()} == {q: expected(chain, q) for q in wanted}
    assert counted.sent.requests == chain.server.http_requests and counted.planned.covers(counted.sent.requests)
    # beyond the floor: one account read per jetton wallet not deployed at the snapshot (exchange[3], wallet(1234))
    assert counted.sent.requests == counted.planned.low + 2
