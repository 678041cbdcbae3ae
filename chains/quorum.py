"""Provider quorum: one network read from several independent endpoints, every figure compared.

A single provider can lag, be compromised, or simply be wrong; a figure is only as good as the one server that
gave it. `QuorumAdapter` wraps one adapter per endpoint (of the same family, so every family gets quorum without
code of its own) and runs each through its own lifecycle (`snapshot` template, `stream_balances` with its reorg
re-check). On top of that it requires:

* the same snapshot block hash from every endpoint that can answer at the height: endpoints on different blocks
  are refused (`Refusal.SPLIT`, naming each endpoint's hash), since their figures are not of the same state;
  an endpoint that cannot answer at all is left out, and the network refused when fewer than `quorum` remain;
* per query, at least `quorum` figures, all equal. Unequal figures are a `Disagreement` (every endpoint's figure
  kept) and the query's answer is no figure (`DISPUTED`): it is counted nowhere. Fewer than `quorum` figures
  leave the query unread, with every endpoint's reason.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import Counter
from collections.abc import AsyncIterator, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from types import TracebackType
from typing import Self

from chains.base import (
    Balance,
    BalanceAdapter,
    BalanceQuery,
    ChainFamily,
    DataSourceError,
    Endpoint,
    Network,
    Refusal,
    RequestEstimate,
    Snapshot,
)
from chains.transport.policy import RequestCounters

DISPUTED = "quorum-disputed"  # Balance.method of a query whose endpoints gave different figures (no amount)


@dataclass(frozen=True, slots=True)
class EndpointFigure:
    """What one endpoint answered for a query: a figure in base units, or why there is none."""

    endpoint: str  # Endpoint.display, never the secret-bearing url
    amount: int | None
    error: str = ""


@dataclass(frozen=True, slots=True)
class Disagreement:
    """The endpoints of a quorum gave different figures for one query at one snapshot block."""

    network: str
    height: int
    block_hash: str
    query: BalanceQuery
    figures: tuple[EndpointFigure, ...]  # every endpoint asked, in the config's order

    def describe(self) -> str:
        said = "; ".join(f"{f.endpoint} says {f.amount}" if f.amount is not None else f"{f.endpoint}: {f.error}"
                         for f in self.figures)
        return f"the endpoints disagree on this balance at block {self.height} (base units): {said}"


@dataclass
class EndpointTally:
    """One endpoint's part in the quorum of a network, for the report."""

    endpoint: str
    block_hash: str = ""  # the snapshot block hash it reported ("" when left out)
    left_out: str = ""  # why it could not answer at the snapshot, when it could not
    figures: Counter[str] = field(default_factory=Counter)  # agreed / disputed / unread queries

    def to_json(self) -> dict[str, object]:
        data: dict[str, object] = {"endpoint": self.endpoint, "block_hash": self.block_hash or None,
                                   "agreed": self.figures["agreed"], "disputed": self.figures["disputed"],
                                   "unread": self.figures["unread"]}
        if self.left_out:
            data["left_out"] = self.left_out
        return data


class QuorumAdapter(BalanceAdapter):
    """Reads a network through `members` (one adapter per endpoint) and answers only with figures at least
    `quorum` of them agree on, at one block hash. Use as an async context manager, like any adapter."""

    def __init__(self, network: Network, members: Sequence[BalanceAdapter], quorum: int) -> None:
        if not 1 <= quorum <= len(members):
            raise ValueError(f"quorum must be between 1 and the number of endpoints ({len(members)}), got {quorum}")
        displays = [member.endpoint.display for member in members]
        if len(set(displays)) < len(displays):  # the same server twice is one opinion, not two
            raise ValueError(f"the endpoints are not independent: {', '.join(displays)} repeat a host")
        self.network = network
        self.members = tuple(members)
        self.quorum = quorum
        # The wrapper's own endpoint: the first member's settings, displayed as all of them. Its url is only used
        # to mask secrets in messages (every member's url is registered as secret by the config too).
        self.endpoint = replace(members[0].endpoint, display=", ".join(displays))
        self.options = members[0].options
        self._transport = None
        self._snapshots: dict[int, Snapshot] = {}
        self._active: dict[int, tuple[int, ...]] = {}  # height -> indexes of the members that answer at it
        self.tallies = [EndpointTally(display) for display in displays]
        self.left_out_at: dict[int, dict[str, str]] = {}  # height -> endpoint display -> why it cannot answer there
        self.disputes: dict[tuple[int, BalanceQuery], Disagreement] = {}  # taken by the pipeline (`take_dispute`)
        self._stack = contextlib.AsyncExitStack()

    @property
    def method(self) -> str:  # type: ignore[override]
        return self.members[0].method

    # ---- lifecycle: the members' own ------------------------------------------------------------------

    async def __aenter__(self) -> Self:
        await self._stack.__aenter__()
        try:
            for member in self.members:
                await self._stack.enter_async_context(member)
        except BaseException:
            await self._stack.__aexit__(None, None, None)
            raise
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self._stack.__aexit__(exc_type, exc, tb)

    async def aclose(self) -> None:
        await self._stack.aclose()

    @property
    def requests_sent(self) -> int:
        return sum(member.requests_sent for member in self.members)

    def request_counters(self) -> dict[str, RequestCounters]:
        found: dict[str, RequestCounters] = {}
        for member in self.members:
            found.update(member.request_counters())  # endpoints are distinct hosts (checked above)
        return found

    def estimate_open_requests(self) -> RequestEstimate:
        return _sum(member.estimate_open_requests() for member in self.members)

    def estimate_snapshot_requests(self) -> RequestEstimate:
        return _sum(member.estimate_snapshot_requests() for member in self.members)

    def estimate_requests(self, queries: Sequence[BalanceQuery]) -> RequestEstimate:
        """Every member reads every query."""
        return _sum(member.estimate_requests(queries) for member in self.members)

    # ---- the snapshot: every member's template, then one block hash --------------------------------------

    async def snapshot(self, height: int) -> Snapshot:
        known = self._snapshots.get(height)
        if known is not None:
            return known
        outcomes = await asyncio.gather(*(member.snapshot(height) for member in self.members),
                                        return_exceptions=True)
        answered: list[tuple[int, Snapshot]] = []
        refused: list[DataSourceError] = []
        for index, outcome in enumerate(outcomes):
            if isinstance(outcome, Snapshot):
                answered.append((index, outcome))
                self.tallies[index].block_hash = outcome.block_hash
            elif isinstance(outcome, DataSourceError):
                refused.append(outcome)
                self.tallies[index].left_out = str(outcome)
                self.left_out_at.setdefault(height, {})[self.tallies[index].endpoint] = str(outcome)
            else:  # a bug, or a cancellation: not a matter of the quorum
                raise outcome
        if len({snap.block_hash.lower() for _, snap in answered}) > 1:
            said = "; ".join(f"{snap.endpoint} has {snap.block_hash}" for _, snap in answered)
            raise self.refuse(Refusal.SPLIT, height, said)
        if len(answered) < self.quorum:
            first = refused[0]
            others = "; ".join(str(exc) for exc in refused[1:])
            message = (f"{first}; quorum not met: {len(answered)} of {len(self.members)} endpoints answer at block "
                       f"{height}, {self.quorum} needed" + (f" (also: {others})" if others else ""))
            raise DataSourceError(message, first.refusal)
        self._active[height] = tuple(index for index, _ in answered)
        block_hash = answered[0][1].block_hash
        agreeing = ", ".join(snap.endpoint for _, snap in answered)
        snapshot = Snapshot(self.network.code, height, block_hash, agreeing)
        self._snapshots[height] = snapshot
        return snapshot

    async def tip_height(self) -> int:  # the template is not used here: each member runs its own
        raise NotImplementedError

    async def block_hash(self, height: int) -> str | None:
        raise NotImplementedError

    # ---- reading: every member reads every query; answers compared as they complete ---------------------

    async def stream_balances(
        self, queries: Sequence[BalanceQuery], height: int
    ) -> AsyncIterator[Mapping[BalanceQuery, Balance]]:
        snapshot = await self.snapshot(height)
        if not queries:
            return
        active = self._active[height]
        answers: dict[BalanceQuery, dict[int, Balance]] = {}
        undecided = set(queries)
        done: set[int] = set()  # members whose stream has ended (or failed)
        updates: asyncio.Queue[tuple[int, Mapping[BalanceQuery, Balance] | BaseException | None]] = asyncio.Queue()

        async def pump(index: int) -> None:
            try:
                async for part in self.members[index].stream_balances(queries, height):
                    await updates.put((index, part))
            except asyncio.CancelledError:
                raise
            except BaseException as exc:  # handed to the consumer, which decides
                await updates.put((index, exc))
                return
            await updates.put((index, None))

        tasks = [asyncio.ensure_future(pump(index)) for index in active]
        try:
            while len(done) < len(active):
                index, update = await updates.get()
                if isinstance(update, DataSourceError):
                    if update.refusal is not None and update.refusal.kind is Refusal.REORG:
                        self._snapshots.pop(height, None)
                        raise update  # the snapshot block changed on a member: nothing read is the snapshot's
                    done.add(index)
                    self.tallies[index].left_out = str(update)
                    lost = Balance(None, "", str(update))
                    for query in undecided:  # what this member did not answer, it never will
                        answers.setdefault(query, {}).setdefault(index, lost)
                elif isinstance(update, BaseException):
                    raise update
                elif update is None:
                    done.add(index)
                    missing = Balance(None, "", "the source gave no answer for this query")
                    for query in undecided:
                        answers.setdefault(query, {}).setdefault(index, missing)
                else:
                    for query, balance in update.items():
                        if query in undecided:
                            answers.setdefault(query, {})[index] = balance
                decided = {query: self._decide(query, got, snapshot, active)
                           for query, got in answers.items() if len(got) == len(active)}
                for query in decided:
                    del answers[query]
                    undecided.discard(query)
                if decided:
                    yield decided
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

    def _decide(self, query: BalanceQuery, got: Mapping[int, Balance], snapshot: Snapshot,
                active: tuple[int, ...]) -> Balance:
        figures = tuple(EndpointFigure(self.tallies[i].endpoint, got[i].amount, got[i].error) for i in active)
        read = [i for i in active if got[i].amount is not None]
        if len({(got[i].amount, got[i].owners_bound) for i in read}) > 1:
            dispute = Disagreement(self.network.code, snapshot.height, snapshot.block_hash, query, figures)
            self.disputes[(snapshot.height, query)] = dispute
            for i in active:
                self.tallies[i].figures["disputed" if i in read else "unread"] += 1
            return Balance(None, DISPUTED, dispute.describe())
        for i in active:
            self.tallies[i].figures["agreed" if i in read and len(read) >= self.quorum else "unread"] += 1
        if len(read) < self.quorum:
            why = "; ".join(f"{self.tallies[i].endpoint}: {got[i].error or 'no figure'}" for i in active
                            if got[i].amount is None)
            return Balance(None, "", f"quorum not met: {len(read)} of the {self.quorum} figures needed ({why})")
        return got[read[0]]

    def take_dispute(self, height: int, query: BalanceQuery) -> Disagreement | None:
        """The disagreement behind a DISPUTED answer (removed: each is reported once per read)."""
        return self.disputes.pop((height, query), None)

    def summary(self) -> dict[str, object]:
        """The quorum's part of report.json for this network."""
        return {"quorum": self.quorum, "endpoints": [tally.to_json() for tally in self.tallies]}


def _sum(estimates: Iterable[RequestEstimate]) -> RequestEstimate:
    total = RequestEstimate.exactly(0)
    for estimate in estimates:
        total = RequestEstimate(total.low + estimate.low, None if total.high is None or estimate.high is None
                                else total.high + estimate.high, estimate.formula)
    return total


def open_network_adapter(family: ChainFamily, network: Network, endpoints: Sequence[Endpoint],
                         quorum: int = 1) -> BalanceAdapter:
    """The adapter a network is read through: the family's own for one endpoint, a QuorumAdapter over one of
    the family's adapters per endpoint for several. ValueError for a bad backend, option or quorum."""
    if len(endpoints) == 1 and quorum == 1:
        return family.open_adapter(network, endpoints[0])
    return QuorumAdapter(network, [family.open_adapter(network, endpoint) for endpoint in endpoints], quorum)
