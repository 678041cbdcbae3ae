"""What a run keeps up besides its report, in its output directory: the history (the change since the previous
run and the ratio chart in the report, the run recorded), retention of old runs, and the metrics file. All best
effort: a failure is logged and never changes the run's exit code. `auditor.run` calls these around the audit."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from auditor.audit import AuditOutcome
from auditor.config import AuditConfig
from auditor.ops.chart import ratio_chart
from auditor.ops.history import RunHistory, RunRecord, change_markdown, compare
from auditor.ops.metrics import render, write_atomically
from auditor.ops.retention import prune_runs
from auditor.report import ReserveReport, RunDirectory
from auditor.secrets import scrub

log = logging.getLogger("auditor.run")
CHART_NAME = "ratios.svg"
CHART_RUNS = 90  # runs shown in the chart


def config_key(config: AuditConfig) -> str:
    """How the history knows "the same config": its absolute path (its contents may be edited between runs)."""
    return str(Path(config.path).resolve())


def now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def open_history(output_dir: Path, key: str) -> RunHistory:
    history = RunHistory(output_dir)
    try:
        history.initialise(key)
    except Exception as exc:  # an unreadable history must not stop the audit
        log.error("history %s unusable: %s", history.path, exc)
    return history


def with_history(history: RunHistory, key: str) -> Callable[[ReserveReport, RunDirectory], None]:
    """The hook run just before the report is written: compare with the previous run, draw the chart."""
    def before_writing(report: ReserveReport, run_dir: RunDirectory) -> None:
        try:
            current = RunRecord.from_report(report, key, run_dir.final.name)
            runs = history.runs(key, CHART_RUNS - 1)
            previous = next((r for r in reversed(runs) if r.complete), None)
            if previous is not None:
                report.previous = compare(current, previous)
                report.extra_markdown += change_markdown(report.previous)
            points = [(r.started_at, {a.asset: a.ratio for a in r.assets}) for r in [*runs, current] if r.complete]
            svg = ratio_chart(points, f"Reserve ratio per asset: {Path(key).name}")
            run_dir.path(CHART_NAME).write_text(svg, encoding="utf-8")
            report.extra_markdown += [f"![reserve ratio per asset over the last runs]({CHART_NAME})", ""]
        except Exception as exc:  # the report matters more than its history section
            log.error("could not compare with the history: %s", scrub(f"{type(exc).__name__}: {exc}"))

    return before_writing


def record(outcome: AuditOutcome | None, key: str, config: AuditConfig, started: str, duration: float, code: int,
           message: str) -> RunRecord:
    if outcome is not None:
        run = RunRecord.from_report(outcome.report, key, outcome.directory.name, duration)
        return replace(run, message=scrub(message))
    return RunRecord(started_at=started, finished_at=now(), duration_seconds=duration, config_path=key,
                     config_sha256=config.sha256, input_file=str(config.input_file), exit_code=code,
                     message=scrub(message))


def after_run(history: RunHistory, run: RunRecord, config: AuditConfig, output_dir: Path,
              outcome: AuditOutcome | None) -> None:
    """History, retention, metrics: each on its own, each failure logged and nothing more."""
    try:
        history.record(run)
    except Exception as exc:
        log.error("could not record the run in %s: %s", history.path, scrub(str(exc)))
    try:
        prune_runs(output_dir, config.ops.keep_runs, outcome.directory if outcome else None)
    except OSError as exc:
        log.error("could not remove old runs: %s", exc)
    if config.ops.metrics_file is not None:
        try:
            runs = history.runs(run.config_path, 200)
            report_run = next((r for r in reversed(runs) if r.complete), None)
            text = render(run.config_path, run, report_run, history.last_success(run.config_path))
            write_atomically(config.ops.metrics_file, scrub(text))
        except Exception as exc:
            log.error("could not write the metrics file %s: %s", config.ops.metrics_file, scrub(str(exc)))
