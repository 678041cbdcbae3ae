"""The Aptos adapter's cost model against the local fullnode stand-in's own count: exact (the REST API reads
one resource or view per request)."""

from __future__ import annotations

from tests.chains.aptos.test_adapter import World, expected, queries
from tests.chains.aptos.test_adapter import world as world
from tests.chains.request_counts import read_counted


async def test_planned_requests_equal_the_servers_count(world: World) -> None:
    wanted = queries(world.accounts)
    counted = await read_counted(world.open(), wanted, world.height)
    assert {q: b.amount for q, b in counted.balances.items()} == {q: expected(world, q) for q in wanted}
    assert counted.sent.requests == world.server.http_requests == counted.planned.low == counted.planned.high
