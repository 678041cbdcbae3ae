"""The Solana adapter's cost model against what it sends to the local JSON-RPC server: the requests the
transport counted equal the server's HTTP count, and lie in the planned range (a lower bound: roll-backs fetch
a transaction per account that moved, which no plan knows in advance)."""

from __future__ import annotations

import pytest

from tests.chains.request_counts import read_counted
from tests.chains.solana.test_adapter import Chain, expected, queries
from tests.chains.solana.test_adapter import chain as chain


@pytest.mark.parametrize("rpc_batch", [100, 1])
async def test_requests_counted_equal_the_servers_and_lie_in_the_plan(chain: Chain, rpc_batch: int) -> None:
    wanted = queries(chain.accounts)
    counted = await read_counted(chain.open(rpc_batch=rpc_batch), wanted, chain.height)
    assert {q: b.amount for q, b in counted.balances.items()} == {q: expected(chain, q) for q in wanted}
    assert counted.sent.requests == chain.server.http_requests
    assert counted.planned.covers(counted.sent.requests) and counted.planned.high is None
    # what the plan cannot know: one getTransaction per account that moved after S (batched by rpc_batch)
    moved = chain.server.http_by_method.get("getTransaction", 0)
    assert counted.sent.requests - counted.planned.low <= moved + chain.server.http_by_method.get(
        "getSignaturesForAddress", 0)
    if rpc_batch == 1:  # one call per HTTP request: calls and requests are the same
        assert counted.sent.calls == counted.sent.requests
    else:
        assert counted.sent.calls > counted.sent.requests
