"""The pipeline, one way: read -> prove ownership -> fetch balances -> aggregate -> report, streamed in chunks
so memory stays flat however long the address file is."""

from __future__ import annotations

import asyncio
from collections import Counter, defaultdict, deque
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from itertools import islice
from pathlib import Path

from auditor.aggregate import Aggregator, Deduplicator
from auditor.assets import AssetRegistry
from auditor.balances import BalanceSources, SnapshotHeights
from auditor.config import AuditConfig, ConfigError
from auditor.findings import FindingLog
from auditor.formats import AddressFile, open_address_file
from auditor.liabilities.errors import ProofInputError
from auditor.liabilities.settings import LiabilitiesSettings
from auditor.liabilities.sources import LiabilitiesOutcome, apply_to_verdicts, declared_only, resolve_liabilities
from auditor.ownership import STRICT, OwnershipPolicy, RowResult, prove_ownership
from auditor.report import AddressesCsv, BalancesCsv, ReserveReport, RunDirectory, method_family, write_json
from auditor.workers import SignatureWorkers, default_workers
from chains.base import RowStatus

EXIT_OK, EXIT_SHORTFALL, EXIT_INPUT, EXIT_SOURCE, EXIT_LOCKED, EXIT_INTERNAL = 0, 1, 2, 3, 4, 70


@dataclass(frozen=True)
class AuditOutcome:
    exit_code: int
    directory: Path
    report: ReserveReport


def _chunks(rows: Iterable, size: int) -> Iterator[list]:
    iterator = iter(rows)
    while chunk := list(islice(iterator, size)):
        yield chunk


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class _RowSink:
    """Everything that happens to a finished row: addresses.csv, totals, discrepancy notes."""

    def __init__(self, csv_out: AddressesCsv, aggregator: Aggregator, balances_out: BalancesCsv | None = None) -> None:
        self.csv_out, self.aggregator, self.balances_out = csv_out, aggregator, balances_out
        self.findings = aggregator.findings
        self.input_errors = 0
        self.methods: dict[tuple[str, int], Counter] = defaultdict(Counter)

    def take(self, result: RowResult) -> None:
        self.csv_out.write(result)
        if self.balances_out is not None and result.query is not None and result.network is not None:
            self.balances_out.write(result)
            if result.onchain_method:
                self.methods[(result.network.code, result.height)][method_family(result.onchain_method)] += 1
        self.aggregator.add(result)
        if result.row.input_error:
            self.input_errors += 1
        if result.status in (RowStatus.FAILED, RowStatus.DUPLICATE):
            self.findings.add("discrepancy", {
                "kind": "failed_row" if result.status == RowStatus.FAILED else "duplicate_row",
                "line": result.row.line, "coin": result.row.coin,
                "network": result.network.code if result.network else result.row.network,
                "address": result.row.address, "reason": result.reason,
            })


def _exit_code(sink: _RowSink, report: ReserveReport, address_file: AddressFile) -> int:
    if sink.input_errors or any(row.error for row in address_file.summary):
        return EXIT_INPUT
    if report.source_failures or report.missing_total:
        return EXIT_SOURCE
    if report.rows.get("failed", 0) or not all(v.ok for v in report.assets):
        return EXIT_SHORTFALL
    return EXIT_OK


async def run_audit(config: AuditConfig, output_dir: Path | None = None, run_id: str | None = None,
                    before_writing: Callable[[ReserveReport, RunDirectory], None] | None = None) -> AuditOutcome:
    """Full audit: ownership, balances at the snapshot, totals, ratios. Raises InputError/ConfigError (exit 2).

    Chunks flow through three overlapping stages: signature checks in worker processes (a few chunks ahead),
    balance reads of the previous chunk (async I/O), and de-duplicating/writing/aggregating the one before, in
    input order. De-duplication comes last because a row's final status is only known after the chain has
    answered (an owner-mode row is verified by an on-chain owner check); a repeated row's balance may be read
    twice, but it is counted once. `before_writing(report, run_dir)` may add to the report and the run directory
    (the change since the previous run, the ratio chart) before the report files are written and renamed into place.
    """
    address_file = open_address_file(config.input_file, config.generic)
    defaults = address_file.layout.registry_defaults()
    registry = AssetRegistry.load(config.registry_overrides, defaults=defaults)
    started = _now()
    liabilities = _verified_liabilities(config)
    heights = SnapshotHeights.build(config.networks, address_file.summary, registry)
    dedupe = Deduplicator()
    with RunDirectory(output_dir or config.output_dir, run_id) as run_dir:
        with (
            run_dir.path("addresses.csv").open("w", encoding="utf-8", newline="") as handle,
            run_dir.path("balances.csv").open("w", encoding="utf-8", newline="") as balances_handle,
            run_dir.path("findings.jsonl").open("w", encoding="utf-8") as findings_handle,
            SignatureWorkers(registry, config.registry_overrides, defaults, config.workers) as workers,
        ):
            aggregator = Aggregator(registry, FindingLog(findings_handle))
            for finding in liabilities.findings:  # declared liabilities contradicting a verified proof
                aggregator.findings.add("discrepancy", finding)
            sink = _RowSink(AddressesCsv(handle), aggregator, BalancesCsv(balances_handle))
            async with BalanceSources(registry, config.networks) as sources:

                async def read_balances(results: list[RowResult]) -> list[RowResult]:
                    await sources.fill(results, heights)
                    return results

                reading: asyncio.Task[list[RowResult]] | None = None
                policy = OwnershipPolicy(config.statements, config.trust_owner_mode)
                proven = _proven_chunks(address_file, registry, workers, config.chunk_size, config.workers, policy)
                async for results in proven:
                    if reading is not None:
                        for result in await reading:
                            dedupe.check(result)
                            sink.take(result)
                    reading = asyncio.create_task(read_balances(results))
                if reading is not None:
                    for result in await reading:
                        dedupe.check(result)
                        sink.take(result)
        report = _report(config.input_file, address_file, aggregator, sink, started, config, liabilities)
        report.snapshots = sorted(sources.snapshots.values(), key=lambda s: (s.network, s.height))
        report.source_failures = dict(sources.failures)
        report.methods = {key: dict(counts) for key, counts in sink.methods.items()}
        report.exit_code = _exit_code(sink, report, address_file)
        if before_writing is not None:
            before_writing(report, run_dir)
        _write(run_dir, report)
        directory = run_dir.commit()
    return AuditOutcome(report.exit_code, directory, report)


async def _proven_chunks(
    address_file: AddressFile, registry: AssetRegistry, workers: SignatureWorkers, chunk_size: int, ahead: int,
    policy: OwnershipPolicy,
) -> AsyncIterator[list[RowResult]]:
    """Chunks of RowResults in input order, with up to `ahead + 1` chunks being checked at once."""
    chunks = _chunks(address_file.rows(), chunk_size)
    in_flight: deque[tuple[list, asyncio.Future]] = deque()
    for chunk in islice(chunks, ahead + 1):
        in_flight.append((chunk, workers.check(chunk)))
    while in_flight:
        chunk, proofs = in_flight.popleft()
        checked = await proofs
        following = next(chunks, None)
        if following is not None:
            in_flight.append((following, workers.check(following)))
        yield [prove_ownership(row, registry, proof, policy) for row, proof in zip(chunk, checked, strict=True)]


def verify_file(path: Path, output_dir: Path, policy: OwnershipPolicy = STRICT,
                workers: int | None = None) -> AuditOutcome:
    """Ownership signatures only: no chain access. Same addresses.csv and report.json shapes as a run."""
    return asyncio.run(_verify_file(path, output_dir, policy, workers or default_workers()))


async def _verify_file(path: Path, output_dir: Path, policy: OwnershipPolicy, workers: int) -> AuditOutcome:
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
            sink = _RowSink(AddressesCsv(handle), aggregator)
            async for results in _proven_chunks(address_file, registry, pool, 5000, workers, policy):
                for result in results:
                    dedupe.check(result)
                    sink.take(result)
        report = _report(path, address_file, aggregator, sink, started, None)
        report.mode = "verify"
        report.exit_code = _exit_code(sink, report, address_file)
        _write(run_dir, report)
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
    path: Path, address_file: AddressFile, aggregator: Aggregator, sink: _RowSink, started: str,
    config: AuditConfig | None, liabilities: LiabilitiesOutcome | None = None,
) -> ReserveReport:
    if liabilities is None and config is not None:
        liabilities = declared_only(_liabilities_settings(config))
    amounts = liabilities.amounts() if liabilities else {}
    failing = list(liabilities.problems) if liabilities else []  # e.g. a rejected proof with no figure to show
    ratio_for = config.ratio_for if config else (lambda asset: 1)
    summary_checks = aggregator.summary_checks(address_file.summary)
    return ReserveReport(
        input_file=str(path),
        input_sha256=address_file.sha256,
        layout=address_file.layout.name,
        config_sha256=config.sha256 if config else None,
        rows=dict(aggregator.rows),
        rows_by_network={network: dict(counts) for network, counts in aggregator.by_network.items()},
        schemes_by_network={network: dict(counts) for network, counts in aggregator.schemes_by_network.items()},
        assets=apply_to_verdicts(aggregator.verdicts(amounts, ratio_for, failing), liabilities),
        summary_checks=summary_checks,
        discrepancies=sink.findings.kept["discrepancy"],
        discrepancies_total=sink.findings.counts["discrepancy"],
        missing=sink.findings.kept["missing"],
        missing_total=sink.findings.counts["missing"],
        liabilities_source=config.liabilities_source if config else None,
        liabilities=liabilities,
        messages=aggregator.message_counts(),
        reasons={status: dict(kinds) for status, kinds in aggregator.reasons.items() if kinds},
        statements=sorted(config.statements) if config and config.statements else None,
        started_at=started,
        finished_at=_now(),
    )


def _write(run_dir: RunDirectory, report: ReserveReport) -> None:
    write_json(run_dir.path("report.json"), report.to_json())
    run_dir.path("report.md").write_text(report.to_markdown() + "\n", encoding="utf-8")
