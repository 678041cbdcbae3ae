"""The XRPL adapter's cost model against what it sends: the planned requests equal the requests the local
rippled stand-in answered, and the transport's counters (report.json's `run.requests`) equal the server's count,
retries and rate-limit waits included."""

from __future__ import annotations

from dataclasses import replace

from tests.chains.request_counts import read_counted
from tests.chains.xrpl.test_adapter import FAMILY, XRP, World, expected, queries
from tests.chains.xrpl.test_adapter import world as world


async def test_planned_requests_equal_the_servers_count(world: World) -> None:
    wanted = queries(world, world.accounts)
    counted = await read_counted(world.open(batch_size=3), wanted, world.height)
    assert {q: b.amount for q, b in counted.balances.items()} == {q: expected(world, q) for q in wanted}
    # 3 snapshot checks + one account_info / one account_lines page per row + 1 re-check
    assert counted.planned.low == 3 + len(wanted) + 1
    assert counted.sent.requests == world.server.http_requests == counted.planned.low
    assert counted.planned.covers(counted.sent.requests)
    assert counted.sent.retries == 0 and counted.sent.bytes_received > 0


async def test_retries_and_rate_limit_waits_are_counted(world: World) -> None:
    wanted = queries(world, world.accounts[:2])
    world.server.faults.rate_limited, world.server.faults.retry_after = 2, "0"
    assert FAMILY is not None and XRP is not None
    adapter = FAMILY.open_adapter(XRP, replace(world.endpoint(), requests_per_second=200))
    counted = await read_counted(adapter, wanted, world.height)
    assert counted.sent.requests == world.server.http_requests == counted.planned.low + 2  # the two 429s
    assert counted.sent.retries == 2
    # 200 requests/s: every request after the first waits its turn (some, at least, on a 2-core machine)
    assert counted.sent.rate_limit_waits >= 1 and counted.sent.rate_limit_wait_seconds > 0
