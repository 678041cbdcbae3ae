"""What the request-count tests share: the plan an adapter states for a read (its cost model, as `auditor plan`
adds it up), and the read itself, with the requests its transports counted."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from chains.base import Balance, BalanceAdapter, BalanceQuery, RequestEstimate
from chains.transport import RequestCounters


@dataclass
class Counted:
    planned: RequestEstimate
    sent: RequestCounters  # every endpoint of the adapter added up
    balances: dict[BalanceQuery, Balance]


def planned(adapter: BalanceAdapter, queries: Sequence[BalanceQuery]) -> RequestEstimate:
    """The requests of a fresh adapter's `fetch_balances(queries, H)`: the handshake, one snapshot, one read."""
    ordered = sorted(queries, key=lambda q: (q.address, q.contract or ""))  # BalanceSources' order
    return (adapter.estimate_open_requests() + adapter.estimate_snapshot_requests()
            + adapter.estimate_requests(ordered))


async def read_counted(adapter: BalanceAdapter, queries: Sequence[BalanceQuery], height: int) -> Counted:
    plan = planned(adapter, queries)  # before the adapter is opened: the plan needs no connection
    async with adapter:
        balances = await adapter.fetch_balances(sorted(queries, key=lambda q: (q.address, q.contract or "")), height)
        sent = RequestCounters()
        for counters in adapter.request_counters().values():
            sent.add(counters)
    return Counted(plan, sent, balances)
