"""The report's model: the figures one run found, as report.json and report.md show them. Everything but the
`run` timestamps is a function of the inputs and the chain state: two runs over the same inputs write
identical reports."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from auditor.aggregate import AssetVerdict, SummaryCheck
from auditor.errors import ExitCode
from auditor.findings import Finding
from auditor.freshness import FreshnessSettings
from auditor.liabilities.sources import LiabilitiesOutcome
from chains.base import Snapshot

ROW_COUNT_KEYS = ("total", "verified", "failed", "unchecked", "duplicate")


@dataclass
class ReserveReport:
    input_file: str
    input_sha256: str
    layout: str
    config_sha256: str | None
    rows: Mapping[str, int]
    assets: list[AssetVerdict]
    rows_by_network: Mapping[str, Mapping[str, int]] = field(default_factory=dict)  # network -> status -> rows
    schemes_by_network: Mapping[str, Mapping[str, int]] = field(default_factory=dict)  # network -> scheme -> rows
    snapshots: list[Snapshot] = field(default_factory=list)
    methods: Mapping[tuple[str, int], Mapping[str, int]] = field(default_factory=dict)  # (network, height) -> counts
    messages: Mapping[str, int] = field(default_factory=dict)  # signed statement -> rows
    reasons: Mapping[str, Mapping[str, int]] = field(default_factory=dict)  # status -> reason group -> rows
    statements: list[str] | None = None  # [input] messages, when the config pins them
    statement_freshness: list[dict[str, Any]] = field(default_factory=list)  # Aggregator.statement_freshness
    freshness: FreshnessSettings | None = None  # what a statement had to name to be fresh ([audit])
    source_failures: Mapping[tuple[str, int], str] = field(default_factory=dict)
    unpinned: Mapping[str, int] = field(default_factory=dict)  # configured network -> rows with no snapshot height
    quorum: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)  # network -> provider quorum's record
    requests: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)  # network -> provider requests counted
    summary_checks: list[SummaryCheck] = field(default_factory=list)
    discrepancies: list[Finding] = field(default_factory=list)  # the first KEEP_IN_REPORT, in row order
    discrepancies_total: int = 0  # all of them are in findings.jsonl
    missing: list[Finding] = field(default_factory=list)
    missing_total: int = 0
    failing_findings: int = 0  # findings that fail the run by themselves (the summary disagreeing with the rows)
    liabilities_source: str | None = None
    liabilities: LiabilitiesOutcome | None = None  # per asset: figure, source, proven or not
    exit_code: ExitCode = ExitCode.OK
    started_at: str = ""
    finished_at: str = ""
    mode: str = "run"  # "run" or "verify" (ownership only)
    previous: dict[str, Any] | None = None  # change since the previous run of the config (auditor.ops.history.compare)
    extra_markdown: list[str] = field(default_factory=list)  # sections added by the run (history, chart)
