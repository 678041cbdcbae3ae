"""Stage 3 of the pipeline: read every row's balance at its network's snapshot height.

One adapter per configured network, opened on first use and kept for the run; one snapshot check per
(network, height); queries of a chunk grouped per (network, height) and read concurrently across networks.
A query is read once even when several rows of a chunk need it, and not at all when the run's checkpoint
already has its answer (`--resume`).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from auditor.assets import AssetRegistry
from auditor.checkpoint import Checkpoint
from auditor.config import ConfigError, NetworkSettings
from auditor.formats import SummaryRow
from auditor.money import whole_units
from auditor.ownership import RowResult
from auditor.progress import RunProgress
from auditor.reasons import Reason, ReasonKind
from chains.base import (
    Balance,
    BalanceAdapter,
    BalanceQuery,
    DataSourceError,
    Network,
    Refusal,
    RowStatus,
    Snapshot,
)
from chains.quorum import DISPUTED, QuorumAdapter, open_network_adapter
from chains.registry import get_family
from chains.transport import RequestCounters, scrub


@dataclass
class SnapshotHeights:
    """The height each row is read at: the config's pin for the network, else the row's own Snapshot Height,
    else the summary section's height for the row's coin."""

    pinned: Mapping[str, int]
    summary: Mapping[str, int]  # token code -> height from the summary section

    @classmethod
    def build(
        cls, networks: Mapping[str, NetworkSettings], summary: Iterable[SummaryRow], registry: AssetRegistry
    ) -> SnapshotHeights:
        pinned: dict[str, int] = {}
        for code, settings in networks.items():
            network = registry.network(code)
            if settings.snapshot_height is not None:
                pinned[network.code if network else code] = settings.snapshot_height
        by_token = {}
        for row in summary:
            token = registry.resolve(row.coin, "")
            if token is not None and row.snapshot_height is not None:
                by_token[token.code] = row.snapshot_height
        return cls(pinned, by_token)

    def height_for(self, result: RowResult) -> int | None:
        assert result.network is not None and result.token is not None
        if result.network.code in self.pinned:
            return self.pinned[result.network.code]
        if result.row.snapshot_height is not None:
            return result.row.snapshot_height
        return self.summary.get(result.token.code)


@dataclass
class BalanceSources:
    """Adapters and snapshots for the run. Use `async with`."""

    registry: AssetRegistry
    settings: Mapping[str, NetworkSettings]
    adapters: dict[str, BalanceAdapter] = field(default_factory=dict)
    snapshots: dict[tuple[str, int], Snapshot] = field(default_factory=dict)
    failures: dict[tuple[str, int], str] = field(default_factory=dict)  # (network, height) -> why it failed
    unpinned: Counter[str] = field(default_factory=Counter)  # configured network -> rows with no snapshot height
    # provider quorum: network -> agreed / disputed / unread distinct queries (a resumed run's saved figures were
    # agreed when they were saved: only agreed figures are saved)
    quorum_counts: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    checkpoint: Checkpoint | None = None
    progress: RunProgress | None = None
    _snapshot_tasks: dict[tuple[str, int], asyncio.Future[Snapshot]] = field(default_factory=dict)
    _stack: contextlib.AsyncExitStack = field(default_factory=contextlib.AsyncExitStack)

    async def __aenter__(self) -> BalanceSources:
        """Opens an adapter per configured endpoint up front (no request is sent yet), so that a config the
        chain families cannot use (unknown network, unknown backend, bad options) stops the run before any row."""
        await self._stack.__aenter__()
        try:
            for code, settings in self.settings.items():
                if settings.endpoint is None:
                    continue
                network = self.registry.network(code)
                family = get_family(network.family) if network is not None else None
                if network is None or family is None:
                    raise ConfigError(f"[networks.{code}]: no such network in the registry (or its family is "
                                      "not supported): check the code or add [registry.networks]")
                try:
                    adapter = open_network_adapter(family, network, settings.all_endpoints, settings.quorum)
                except ValueError as exc:
                    raise ConfigError(f"[networks.{code}]: {exc}") from None
                self.adapters[network.code] = await self._stack.enter_async_context(adapter)
        except BaseException:
            await self._stack.__aexit__(None, None, None)
            raise
        return self

    async def __aexit__(self, *exc_info: Any) -> None:
        await self._stack.__aexit__(*exc_info)

    def quorum_report(self) -> dict[str, dict[str, Any]]:
        """report.json's `quorum`: per network read through several endpoints, the quorum, each endpoint (display
        form, its snapshot block hash, how many figures it agreed on) and the network's agreed/disputed counts."""
        report: dict[str, dict[str, Any]] = {}
        for code, adapter in sorted(self.adapters.items()):
            if isinstance(adapter, QuorumAdapter):
                counts = self.quorum_counts.get(code, Counter())
                report[code] = adapter.summary() | {key: counts[key] for key in ("agreed", "disputed", "unread")}
        return report

    def request_report(self) -> dict[str, dict[str, Any]]:
        """report.json's and timings.json's `requests`: per network (every endpoint of a quorum added up), what
        the run asked its providers: requests, calls, retries, rate-limit waits, bytes received; and each
        endpoint's own figures (display form only)."""
        report: dict[str, dict[str, Any]] = {}
        for code, adapter in sorted(self.adapters.items()):
            endpoints = adapter.request_counters()
            total = RequestCounters()
            for counters in endpoints.values():
                total.add(counters)
            report[code] = total.to_json() | {
                "endpoints": {display: counters.to_json() for display, counters in sorted(endpoints.items())}}
        return report

    async def _snapshot(self, network: Network, height: int) -> Snapshot:
        """The snapshot check of (network, height), once per run however many chunks ask at the same time."""
        key = (network.code, height)
        task = self._snapshot_tasks.get(key)
        if task is None:
            task = self._snapshot_tasks[key] = asyncio.ensure_future(self.adapters[network.code].snapshot(height))
        snapshot = await task
        if key not in self.snapshots:
            self.snapshots[key] = snapshot
            if self.checkpoint is not None:
                self.checkpoint.check_snapshot(network.code, height, snapshot.block_hash)
        return snapshot

    async def _read_group(
        self, network: Network, height: int, queries: list[BalanceQuery], answers: dict[BalanceQuery, Balance]
    ) -> None:
        """Read the group's balances, saving each part to the checkpoint as it arrives: a run stopped part-way
        (or a source failing part-way) keeps what was read, and `--resume` asks only for the rest. A source that
        cannot answer at all fails the whole (network, height); one that fails part-way leaves only the rows not
        read yet unread, with the reason; a reorganisation of the snapshot block voids everything read."""
        key = (network.code, height)
        if key in self.failures:
            return
        adapter = self.adapters[network.code]
        read: dict[BalanceQuery, Balance] = {}
        failure = ""
        saved: dict[BalanceQuery, Balance] = {}
        started = last = time.perf_counter()
        try:
            await self._snapshot(network, height)
            saved = self.checkpoint.balances(network.code, height, queries) if self.checkpoint else {}
            missing = [q for q in queries if q not in saved]
            if self.progress is not None and saved:
                self.progress.advance(f"balances {network.code}", len(saved), 0.0, started, unit="balances",
                                      from_checkpoint=len(saved))
            if missing:
                async for part in adapter.stream_balances(missing, height):
                    read.update(part)
                    if self.checkpoint is not None:
                        self.checkpoint.save_balances(network.code, height, part)
                    if self.progress is not None:
                        now = time.perf_counter()
                        self.progress.advance(f"balances {network.code}", len(part), now - last, last,
                                              unit="balances")
                        last = now
        except DataSourceError as exc:
            failure = scrub(str(exc), adapter.endpoint.url)
            refusal = exc.refusal
            if (refusal is not None and refusal.kind is Refusal.REORG) or not (read or saved):
                self.failures.setdefault(key, failure)  # nothing read belongs to the snapshot, or nothing was read
                return
        except Exception as exc:  # an unexpected reply or an adapter bug: the rows are reported, not lost
            message = f"{network.code} endpoint {adapter.endpoint.display}: {type(exc).__name__}: {exc}"
            failure = scrub(message, adapter.endpoint.url)
            if not (read or saved):
                self.failures.setdefault(key, failure)
                return
        unanswered = Balance(None, "", failure or "the adapter returned no answer for this query")
        counts = self.quorum_counts[network.code] if isinstance(adapter, QuorumAdapter) else None
        for query in queries:
            answer = saved.get(query) or read.get(query, unanswered)
            if answer.error:  # errors are reported; no secret of the endpoint may ride along
                answer = replace(answer, error=scrub(answer.error, adapter.endpoint.url))
            answers[query] = answer
            if counts is not None:
                counts["agreed" if answer.ok else "disputed" if answer.method == DISPUTED else "unread"] += 1

    async def fill(self, results: list[RowResult], heights: SnapshotHeights) -> None:
        """Set `onchain` (or `balance_error`) on every result that has a query. Several chunks may be filled at
        once; answers are shared only within a chunk (repeated rows are duplicates, and keeping every answer
        for the whole run would grow with the file)."""
        wanted: dict[tuple[str, int], set[BalanceQuery]] = defaultdict(set)
        networks: dict[str, Network] = {}
        for result in results:
            if result.query is None:
                continue
            assert result.network is not None
            result.height = heights.height_for(result)
            if result.network.code not in self.adapters:
                result.note(f"balance not read: no endpoint for network {result.network.code} in the config")
                result.status = _unchecked_unless_failed(result.status)
                result.query = None
                continue
            if result.height is None:  # an endpoint is configured but the run cannot know where to read it
                result.query = None
                result.status = _unchecked_unless_failed(result.status)
                result.note(f"balance not read: no snapshot height for {result.network.code} "
                            f"(set [networks.{result.network.code}] snapshot_height)")
                self.unpinned[result.network.code] += 1
                continue
            key = (result.network.code, result.height)
            networks[result.network.code] = result.network
            wanted[key].add(result.query)
        if self.progress is not None:
            for (code, _), queries in wanted.items():
                self.progress.queue(f"balances {code}", len(queries), unit="balances")
        answers: dict[tuple[str, int], dict[BalanceQuery, Balance]] = {key: {} for key in wanted}
        await asyncio.gather(*(
            self._read_group(networks[code], height, sorted(qs, key=_order), answers[(code, height)])
            for (code, height), qs in wanted.items()
        ))
        for result in results:
            if result.query is None:
                continue
            assert result.network is not None and result.token is not None and result.height is not None
            key = (result.network.code, result.height)
            if key in self.failures:
                result.balance_error = self.failures[key]
                continue
            balance = answers[key][result.query]
            if balance.method == DISPUTED:  # a quorum's endpoints disagree: no figure, and a finding (exit 1)
                _apply_dispute(result, self.adapters[result.network.code], balance)
            elif balance.amount is None:  # no figure, no method: the report counts methods of figures read
                result.balance_error = balance.error or "no answer"
            else:
                result.onchain_method = balance.method
                result.onchain_read_at, result.onchain_note = balance.read_at, balance.note
                result.onchain_base = balance.amount
                result.onchain = whole_units(balance.amount, result.token.decimals)
            if balance.owners_bound is not None or balance.owners_note:
                _apply_owner_check(result, balance)


def _apply_owner_check(result: RowResult, balance: Balance) -> None:
    """An owner-mode row whose proven signers the chain shows in control of the contract is verified. A row
    whose proven key needs the chain to tie it to its account (undecided offline, not owner mode: EOS
    permissions) is verified or failed by what the adapter read, or keeps its status with the adapter's note."""
    if result.status == RowStatus.UNCHECKED and result.has(ReasonKind.PROOF_UNDECIDED) \
            and not result.has(ReasonKind.UNBOUND):
        if balance.owners_bound is None:
            result.note(f"on chain: {balance.owners_note}")
        elif balance.owners_bound:
            result.status = RowStatus.VERIFIED
            result.replace_reason(ReasonKind.PROOF_UNDECIDED,
                                  Reason(ReasonKind.OWNERS_ON_CHAIN, balance.owners_note, scheme=result.scheme))
        else:
            result.status = RowStatus.FAILED
            result.replace_reason(ReasonKind.PROOF_UNDECIDED, Reason(
                ReasonKind.PROOF_FAILED, f"on chain: {balance.owners_note}", scheme=result.scheme,
                summary=f"on chain: the proven key does not control the account ({result.scheme})"))
        return
    if balance.owners_bound is None:
        return
    if balance.owners_bound and result.status == RowStatus.UNCHECKED and result.has(ReasonKind.UNBOUND):
        result.status = RowStatus.VERIFIED
        result.replace_reason(ReasonKind.UNBOUND, Reason(ReasonKind.OWNERS_ON_CHAIN, balance.owners_note))
    elif balance.owners_bound and result.status == RowStatus.VERIFIED:
        result.note(balance.owners_note)
    elif not balance.owners_bound:
        result.note(f"on chain: {balance.owners_note}")


def _apply_dispute(result: RowResult, adapter: BalanceAdapter, balance: Balance) -> None:
    """The row's balance is disputed: not read, its ownership no longer enough to call it verified, and the
    disagreement (every endpoint's figure) kept for the finding."""
    assert result.height is not None and result.query is not None
    if isinstance(adapter, QuorumAdapter):
        result.dispute = adapter.disputes.get((result.height, result.query))
    result.status = _unchecked_unless_failed(result.status)
    result.note(Reason(ReasonKind.NOTE, f"balance disputed: {balance.error}",
                       summary="balance not counted: the quorum's endpoints gave different figures"))


def _unchecked_unless_failed(status: RowStatus) -> RowStatus:
    """A row whose balance cannot be read is not fully checked; a failed proof stays failed."""
    return status if status == RowStatus.FAILED else RowStatus.UNCHECKED


def _order(query: BalanceQuery) -> tuple[str, str]:
    """Deterministic request order, so two runs send the same batches."""
    return (query.address, query.contract or "")
