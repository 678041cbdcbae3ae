"""The pipeline, one way: read -> prove ownership -> fetch balances -> aggregate -> report, streamed in chunks
so memory stays flat however long the address file is."""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter, defaultdict, deque
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from decimal import Decimal
from itertools import islice
from pathlib import Path

from auditor.aggregate import Aggregator, Deduplicator, SummaryCheck, row_ref
from auditor.assets import AssetRegistry
from auditor.balances import BalanceSources, SnapshotHeights
from auditor.checkpoint import Checkpoint, row_digest, run_key
from auditor.config import AuditConfig, ConfigError
from auditor.cross_check import run_findings
from auditor.errors import ExitCode
from auditor.findings import (
    DISCREPANCY,
    MISSING,
    DuplicateRow,
    FailedRow,
    FindingLog,
    LiabilitiesMismatch,
    cross_check_finding,
)
from auditor.formats import AddressFile, open_address_file
from auditor.freshness import FreshnessClassifier
from auditor.html_report import AddressRowData, method_shown, write_html_report
from auditor.liabilities.errors import ProofInputError
from auditor.liabilities.settings import LiabilitiesSettings
from auditor.liabilities.sources import LiabilitiesOutcome, apply_to_verdicts, declared_only, resolve_liabilities
from auditor.ownership import STRICT, Address, OwnershipPolicy, RowResult, prove_ownership
from auditor.progress import RunProgress
from auditor.reasons import cut
from auditor.report import (
    AddressesCsv,
    BalancesCsv,
    ReserveReport,
    RunDirectory,
    render_markdown,
    report_json,
    write_json,
)
from auditor.workers import CheckedChunk, SignatureWorkers, default_workers
from chains.base import AddressRow, OwnershipProof, RowStatus

log = logging.getLogger("auditor.audit")


@dataclass(frozen=True)
class AuditOutcome:
    exit_code: ExitCode
    directory: Path
    report: ReserveReport


def _chunks(rows: Iterable[AddressRow], size: int) -> Iterator[list[AddressRow]]:
    iterator = iter(rows)
    while chunk := list(islice(iterator, size)):
        yield chunk


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class _RowSink:
    """Everything that happens to a finished row: addresses.csv, totals, discrepancy notes."""

    def __init__(self, csv_out: AddressesCsv, aggregator: Aggregator, balances_out: BalancesCsv | None = None,
                 row_data: AddressRowData | None = None) -> None:
        self.csv_out, self.aggregator, self.balances_out = csv_out, aggregator, balances_out
        self.row_data = row_data  # report.html's rows, encoded as they pass (not read back at the end)
        self.findings = aggregator.findings
        self.input_errors = 0
        self.methods: dict[tuple[str, int], Counter[str]] = defaultdict(Counter)

    def take(self, result: RowResult) -> None:
        cells = self.csv_out.write(result)
        method = error = ""  # report.html's method and error columns: balances.csv's, for a row in it
        if self.balances_out is not None and result.query is not None and result.network is not None:
            self.balances_out.write(result)
            if result.onchain_method and result.height is not None:
                self.methods[(result.network.code, result.height)][result.onchain_method] += 1
            read_at = "" if result.onchain_read_at is None else str(result.onchain_read_at)
            method, error = method_shown(result.onchain_method, read_at, result.onchain_note), cut(result.balance_error)
        if self.row_data is not None:
            cells += (method, error)
            self.row_data.add(cells)
        self.aggregator.add(result)
        if result.row.input_error:
            self.input_errors += 1
        if result.status == RowStatus.FAILED:
            self.findings.add(FailedRow(row_ref(result), tuple(result.reasons)))
        elif result.status == RowStatus.DUPLICATE:
            self.findings.add(DuplicateRow(row_ref(result), tuple(result.reasons)))


def _exit_code(sink: _RowSink, report: ReserveReport, address_file: AddressFile,
               compares: bool = True) -> ExitCode:
    """The run's verdict. An audit of no rows proves nothing, so it is not a success: it is an input error
    (exit 2), like a file whose rows cannot be read. So is a run (`compares`: not `auditor verify`) that compared
    nothing: a configured network whose rows name no snapshot height (what `auditor check` refuses), or no asset
    with a liabilities figure to hold its reserves against."""
    if not report.rows.get("total", 0):
        log.error("%s: no detail rows: an audit of nothing proves nothing", report.input_file)
        return ExitCode.INPUT
    if sink.input_errors or any(row.error for row in address_file.summary):
        return ExitCode.INPUT
    if compares and report.unpinned:
        for network, rows in sorted(report.unpinned.items()):
            log.error("[networks.%s]: %d row(s) name no snapshot height and none is set: their balances were not "
                      "read (set [networks.%s] snapshot_height)", network, rows, network)
        return ExitCode.INPUT
    if compares and report.assets and all(v.ok and v.liabilities is None for v in report.assets):
        log.error("no asset has a liabilities figure ([liabilities]): no reserve ratio was computed, so nothing "
                  "passed")
        return ExitCode.INPUT
    if report.source_failures or report.missing_total:
        return ExitCode.SOURCE
    if report.rows.get("failed", 0) or report.failing_findings or not all(v.ok for v in report.assets):
        return ExitCode.SHORTFALL
    return ExitCode.OK


# Chunks whose balance reads may be in flight at once (several networks, several batches). The ownership stage
# stops handing out chunks only when this many wait for their reads, so a slow source does not idle the workers.
READ_AHEAD = 8


async def run_audit(config: AuditConfig, output_dir: Path | None = None, run_id: str | None = None,
                    resume: bool = False, progress: RunProgress | None = None,
                    before_writing: Callable[[ReserveReport, RunDirectory], None] | None = None) -> AuditOutcome:
    """Full audit: ownership, balances at the snapshot, totals, ratios. Raises InputError/ConfigError (exit 2).

    Chunks flow through overlapping stages: signature checks in worker processes (a few chunks ahead),
    balance reads of the following chunks (async I/O, up to READ_AHEAD chunks at once), and
    de-duplicating/writing/aggregating in input order. De-duplication comes last because a row's final status
    is only known after the chain has answered (an owner-mode row is verified by an on-chain owner check); a
    repeated row's balance may be read twice, but it is counted once.

    Verdicts and balances are saved in a checkpoint as they arrive; with `resume`, a run killed earlier is
    continued from it (nothing it has is checked or asked again) and ends with the same report.
    `before_writing(report, run_dir)` may add to the report and the run directory (the change since the
    previous run, the ratio chart) before the report files are written and renamed into place.
    """
    progress = progress or RunProgress("off")
    base = output_dir or config.output_dir
    address_file = open_address_file(config.input_file, config.generic)
    defaults = address_file.layout.registry_defaults()
    registry = AssetRegistry.load(config.registry_overrides, defaults=defaults)
    started = _now()
    liabilities = _verified_liabilities(config)
    heights = SnapshotHeights.build(config.networks, address_file.summary, registry)
    dedupe = Deduplicator()
    checkpoint = Checkpoint(base / ".work", run_key(config.sha256, config.input_file), resume)
    try:
        if checkpoint.note:
            log.info("%s", checkpoint.note)
        expected_rows = _estimate_rows(config.input_file, address_file)
        stages = ("read", "classify", "aggregation") if checkpoint.has_verdicts else (
            "read", "ownership", "classify", "aggregation")  # resumed: only the rows without a verdict are checked
        for stage in stages:
            progress.set_total(stage, expected_rows)
        with RunDirectory(base, run_id) as run_dir:
            with (
                run_dir.path("addresses.csv").open("w", encoding="utf-8", newline="") as handle,
                run_dir.path("balances.csv").open("w", encoding="utf-8", newline="") as balances_handle,
                run_dir.path("findings.jsonl").open("w", encoding="utf-8") as findings_handle,
                SignatureWorkers(registry, config.registry_overrides, defaults, config.workers) as workers,
            ):
                aggregator = Aggregator(registry, FindingLog(findings_handle), FreshnessClassifier(config.freshness))
                for finding in liabilities.findings:  # declared liabilities contradicting a verified proof
                    aggregator.findings.add(LiabilitiesMismatch.from_json(finding))
                for claim in run_findings(config.cross_check, config.input_file, config.generic,
                                          run_dir.path("report.json").parent, config.registry_overrides):
                    aggregator.findings.add(cross_check_finding(claim))
                sink = _RowSink(AddressesCsv(handle), aggregator, BalancesCsv(balances_handle),
                                AddressRowData(run_dir.path(ROW_DATA)))
                sources = BalanceSources(registry, config.networks, checkpoint=checkpoint, progress=progress)
                async with sources:

                    async def read_balances(results: list[RowResult]) -> list[RowResult]:
                        await sources.fill(results, heights)
                        return results

                    def finish(results: list[RowResult]) -> None:
                        with progress.timed("aggregation", len(results)):
                            for result in results:
                                dedupe.check(result)
                                sink.take(result)

                    reading: deque[asyncio.Task[list[RowResult]]] = deque()
                    policy = OwnershipPolicy(config.statements, config.trust_owner_mode)
                    # 2 chunks a worker in flight: a worker never waits for the main process to hand it the next
                    proven = _proven_chunks(address_file, registry, workers, config.chunk_size, 2 * config.workers,
                                            policy, checkpoint, progress)
                    try:
                        async for results in proven:
                            reading.append(asyncio.create_task(read_balances(results)))
                            while reading and reading[0].done():  # finished in input order, as soon as read
                                finish(reading.popleft().result())
                            while len(reading) > READ_AHEAD:  # memory: wait only when this many are unread
                                finish(await reading.popleft())
                        while reading:
                            finish(await reading.popleft())
                    finally:
                        for task in reading:
                            task.cancel()
                summary_checks = aggregator.summary_checks(address_file.summary)  # its findings go to the file too
            progress.set_total("report", 1, unit="step")
            with progress.timed("report", 1, unit="step"):
                report = _report(config.input_file, address_file, aggregator, sink, summary_checks, started, config,
                                 liabilities)
                report.snapshots = sorted(sources.snapshots.values(), key=lambda s: (s.network, s.height))
                report.source_failures = dict(sources.failures)
                report.unpinned = dict(sources.unpinned)
                report.quorum = sources.quorum_report()
                report.requests = sources.request_report()
                report.methods = {key: dict(counts) for key, counts in sink.methods.items()}
                report.exit_code = _exit_code(sink, report, address_file)
                if before_writing is not None:
                    before_writing(report, run_dir)
                _write(run_dir, report, sink.row_data)
            write_json(run_dir.path("timings.json"), progress.timings() | {"requests": report.requests})
            directory = run_dir.commit()
    except BaseException:
        checkpoint.close()  # what was done so far stays for `--resume`
        raise
    checkpoint.finish()
    progress.close()
    return AuditOutcome(report.exit_code, directory, report)


def _estimate_rows(path: Path, address_file: AddressFile) -> int:
    """Detail rows to expect, for progress only: the file's line count less its summary and headers."""
    lines = 0
    with path.open("rb") as handle:
        while block := handle.read(1 << 20):
            lines += block.count(b"\n")
    return max(0, lines - len(address_file.summary) - 3)


async def _proven_chunks(
    address_file: AddressFile, registry: AssetRegistry, workers: SignatureWorkers, chunk_size: int, ahead: int,
    policy: OwnershipPolicy, checkpoint: Checkpoint | None = None, progress: RunProgress | None = None,
) -> AsyncIterator[list[RowResult]]:
    """Chunks of RowResults in input order, with up to `ahead + 1` chunks being checked at once. Rows whose
    verdict the checkpoint has are not checked again; new verdicts are saved as they arrive."""
    progress = progress or RunProgress("off")
    layout = address_file.layout.name
    rows = address_file.rows()

    def submit() -> _Pending | None:
        begin = time.perf_counter()
        chunk = list(islice(rows, chunk_size))
        if not chunk:  # the end of the file: nothing read, so the stage's rate and last line stay as they were
            return None
        progress.advance("read", len(chunk), time.perf_counter() - begin, begin)
        saved: dict[bytes, OwnershipProof] = {}
        digests: list[bytes] | None = None
        if checkpoint is not None and checkpoint.has_verdicts:
            digests = [row_digest(row, layout) for row in chunk]
            saved = checkpoint.verdicts(digests)
        todo = ([row for row, digest in zip(chunk, digests or [], strict=True) if digest not in saved] if saved
                else chunk)
        return _Pending(chunk, digests, saved, len(todo), workers.check(todo, layout) if todo else None)

    in_flight: deque[_Pending] = deque()
    while len(in_flight) <= ahead and (pending := submit()) is not None:
        in_flight.append(pending)
    while in_flight:
        pending = in_flight.popleft()
        checked = await pending.future if pending.future is not None else None
        if (following := submit()) is not None:
            in_flight.append(following)
        with progress.timed("classify", len(pending.chunk)):
            proofs, addresses = pending.proofs(checked)
            if checked is not None:
                if checkpoint is not None:
                    checkpoint.save_verdicts(list(zip(checked.digests, checked.proofs, strict=True)))
                progress.advance("ownership", pending.todo, checked.seconds, signatures=checked.signatures,
                                 cpu_ms=round(checked.cpu_seconds * 1000))
            results = [prove_ownership(row, registry, proof, policy, address)
                       for row, proof, address in zip(pending.chunk, proofs, addresses, strict=True)]
        yield results


@dataclass
class _Pending:
    """A chunk on its way through the signature workers."""

    chunk: list[AddressRow]
    digests: list[bytes] | None  # only computed when the checkpoint may already hold verdicts
    saved: dict[bytes, OwnershipProof]  # verdicts found in the checkpoint
    todo: int  # rows sent to the workers
    future: asyncio.Future[CheckedChunk] | None

    def proofs(self, checked: CheckedChunk | None) -> tuple[list[OwnershipProof | None], list[Address]]:
        """Per row of the chunk: its proof, and its canonical address when a worker worked it out."""
        if not self.saved:
            assert checked is not None
            return checked.proofs, checked.addresses
        assert self.digests is not None
        fresh = iter(zip(checked.proofs, checked.addresses, strict=True) if checked is not None else ())
        pairs = [(self.saved[d], None) if d in self.saved else next(fresh) for d in self.digests]
        return [p for p, _ in pairs], [a for _, a in pairs]


def verify_file(path: Path, output_dir: Path, policy: OwnershipPolicy = STRICT,
                workers: int | None = None, progress: RunProgress | None = None) -> AuditOutcome:
    """Ownership signatures only: no chain access. Same addresses.csv and report.json shapes as a run."""
    return asyncio.run(_verify_file(path, output_dir, policy, workers or default_workers(),
                                    progress or RunProgress("off")))


async def _verify_file(path: Path, output_dir: Path, policy: OwnershipPolicy, workers: int,
                       progress: RunProgress) -> AuditOutcome:
    address_file = open_address_file(path)
    defaults = address_file.layout.registry_defaults()
    registry = AssetRegistry.load(defaults=defaults)
    started = _now()
    dedupe = Deduplicator()
    with RunDirectory(output_dir) as run_dir:
        with (
            run_dir.path("addresses.csv").open("w", encoding="utf-8", newline="") as handle,
            run_dir.path("findings.jsonl").open("w", encoding="utf-8") as findings_handle,
            SignatureWorkers(registry, {}, defaults, workers) as pool,
        ):
            aggregator = Aggregator(registry, FindingLog(findings_handle))
            sink = _RowSink(AddressesCsv(handle), aggregator, row_data=AddressRowData(run_dir.path(ROW_DATA)))
            for stage in ("read", "ownership", "classify"):
                progress.set_total(stage, _estimate_rows(path, address_file))
            async for results in _proven_chunks(address_file, registry, pool, 5000, workers, policy,
                                                progress=progress):
                for result in results:
                    dedupe.check(result)
                    sink.take(result)
            summary_checks = aggregator.summary_checks(address_file.summary)
        report = _report(path, address_file, aggregator, sink, summary_checks, started, None)
        report.mode = "verify"
        report.exit_code = _exit_code(sink, report, address_file, compares=False)
        _write(run_dir, report, sink.row_data)
        directory = run_dir.commit()
    return AuditOutcome(report.exit_code, directory, report)


def _liabilities_settings(config: AuditConfig) -> LiabilitiesSettings:
    """The [liabilities] proofs, with config.liabilities as the declared figures (the field other code sets)."""
    return replace(config.liabilities_settings, declared=config.liabilities, declared_source=config.liabilities_source)


def _verified_liabilities(config: AuditConfig) -> LiabilitiesOutcome:
    """The configured liabilities proofs, verified before any row is read (a tree can be large: fail early)."""
    try:
        return resolve_liabilities(_liabilities_settings(config))
    except ProofInputError as exc:
        raise ConfigError(f"{config.path}: [liabilities]: {exc}") from None


def _report(
    path: Path, address_file: AddressFile, aggregator: Aggregator, sink: _RowSink, summary_checks: list[SummaryCheck],
    started: str, config: AuditConfig | None, liabilities: LiabilitiesOutcome | None = None,
) -> ReserveReport:
    if liabilities is None and config is not None:
        liabilities = declared_only(_liabilities_settings(config))
    amounts = liabilities.amounts() if liabilities else {}
    failing = list(liabilities.problems) if liabilities else []  # e.g. a rejected proof with no figure to show
    ratio_for = config.ratio_for if config else (lambda asset: Decimal(1))
    freshness = config.freshness if config else None
    return ReserveReport(
        input_file=str(path),
        input_sha256=address_file.sha256,
        layout=address_file.layout.name,
        config_sha256=config.sha256 if config else None,
        rows=dict(aggregator.rows),
        rows_by_network={network: dict(counts) for network, counts in aggregator.by_network.items()},
        schemes_by_network={network: dict(counts) for network, counts in aggregator.schemes_by_network.items()},
        assets=apply_to_verdicts(aggregator.verdicts(amounts, ratio_for, failing,
                                                     require_fresh=bool(freshness and freshness.require_fresh)),
                                 liabilities),
        summary_checks=summary_checks,
        discrepancies=sink.findings.kept[DISCREPANCY],
        discrepancies_total=sink.findings.counts[DISCREPANCY],
        missing=sink.findings.kept[MISSING],
        missing_total=sink.findings.counts[MISSING],
        failing_findings=sink.findings.failing,
        liabilities_source=config.liabilities_source if config else None,
        liabilities=liabilities,
        messages=aggregator.message_counts(),
        statement_freshness=aggregator.statement_freshness(),
        freshness=freshness,
        reasons={status: dict(kinds) for status, kinds in aggregator.reasons.items() if kinds},
        statements=sorted(config.statements) if config and config.statements else None,
        started_at=started,
        finished_at=_now(),
    )


ROW_DATA = ".address-data.part"  # report.html's row data while the run writes it (removed once in report.html)


def _write(run_dir: RunDirectory, report: ReserveReport, rows: AddressRowData | None = None) -> None:
    write_json(run_dir.path("report.json"), report_json(report))
    run_dir.path("report.md").write_text(render_markdown(report) + "\n", encoding="utf-8")
    write_html_report(run_dir.path("report.json").parent, rows)
