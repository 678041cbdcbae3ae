"""`auditor run` as cron or systemd runs it: under the output directory's lock, the report written atomically,
the run recorded in the history (with the change since the previous run and the ratio chart in the report),
old runs pruned, the metrics file rewritten, and an alert sent when the run does not pass. Everything after
the report is best effort: its failures are logged and never change the run's exit code."""

from __future__ import annotations

import asyncio
import logging
import signal
import sys
import time
import traceback
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from auditor.assets import RegistryError
from auditor.audit import EXIT_INPUT, EXIT_INTERNAL, EXIT_LOCKED, EXIT_SOURCE, AuditOutcome, run_audit
from auditor.config import AuditConfig, ConfigError
from auditor.formats import InputError
from auditor.logs import json_logs
from auditor.money import dec_str
from auditor.ops.alerts import AlertEvent, send_alerts
from auditor.ops.chart import ratio_chart
from auditor.ops.history import RunHistory, RunRecord, change_markdown, compare
from auditor.ops.lock import RunLock, RunLocked, config_lock_dir
from auditor.ops.metrics import render, write_atomically
from auditor.ops.retention import prune_runs
from auditor.progress import RunProgress
from auditor.report import EXIT_MEANING, ReserveReport, RunDirectory
from auditor.secrets import scrub
from chains.base import DataSourceError

log = logging.getLogger("auditor.run")
CHART_NAME = "ratios.svg"
CHART_RUNS = 90  # runs shown in the chart
EXIT_TERMINATED = 128 + signal.SIGTERM  # what a shell reports for a process ended by SIGTERM


def config_key(config: AuditConfig) -> str:
    """How the history knows "the same config": its absolute path (its contents may be edited between runs)."""
    return str(Path(config.path).resolve())


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


async def _audit_until_terminated(config: AuditConfig, output_dir: Path,
                                  before_writing: Callable[[ReserveReport, RunDirectory], None], resume: bool,
                                  progress: RunProgress) -> AuditOutcome:
    """run_audit, cancelled by SIGTERM (what `systemctl stop` and systemd's timeouts send): the cancellation
    unwinds the pipeline, so the half-written run directory is removed and the lock released like on any other
    error. (An exception raised from a plain signal handler could land inside any task and abort the unwinding.)"""
    loop = asyncio.get_running_loop()
    task = asyncio.current_task()
    assert task is not None
    try:
        loop.add_signal_handler(signal.SIGTERM, task.cancel)
        handled = True
    except (RuntimeError, ValueError, NotImplementedError):  # not the main thread: leave signals alone
        handled = False
    try:
        return await run_audit(config, output_dir, resume=resume, progress=progress, before_writing=before_writing)
    finally:
        if handled:
            loop.remove_signal_handler(signal.SIGTERM)


def run_unattended(config: AuditConfig, output_dir: Path, resume: bool = False, quiet: bool = False) -> int:
    """The run, its lock and everything after its report. `resume` continues a killed run from its checkpoint;
    `quiet` silences the progress display."""
    key = config_key(config)
    started, clock = _now(), time.monotonic()
    outcome: AuditOutcome | None = None
    message = ""
    try:
        with RunLock(config_lock_dir(key), key, scope=f"config {key}"), RunLock(output_dir, key):
            history = RunHistory(output_dir)
            try:
                history.initialise(key)
            except Exception as exc:  # an unreadable history must not stop the audit
                log.error("history %s unusable: %s", history.path, exc)
            try:
                progress = RunProgress.auto(quiet)
                try:
                    outcome = asyncio.run(_audit_until_terminated(config, output_dir, _with_history(history, key),
                                                                  resume, progress))
                finally:
                    progress.close()
                code = outcome.exit_code
                message = EXIT_MEANING[code]
            except asyncio.CancelledError:
                log.error("stopped by SIGTERM before the report was complete: nothing written, lock released")
                return EXIT_TERMINATED
            except (InputError, ConfigError, RegistryError) as exc:
                code, message = EXIT_INPUT, str(exc)
            except DataSourceError as exc:
                code, message = EXIT_SOURCE, str(exc)
            except Exception as exc:  # a bug: recorded and alerted like any failed run, with its traceback logged
                code = EXIT_INTERNAL
                message = f"internal error, please report it: {type(exc).__name__}: {exc}"
                log.error("%s", scrub(traceback.format_exc()).rstrip())
            duration = round(time.monotonic() - clock, 3)
            record = _record(outcome, key, config, started, duration, code, message)
            _after_run(history, record, config, output_dir, outcome)
    except RunLocked as exc:
        log.error("%s", exc)
        return EXIT_LOCKED
    if code != 0 and outcome is None:
        log.error("%s", scrub(message))
    if outcome is not None:
        _print_result(outcome.report, outcome.directory, code)
    send_alerts(config.ops.alerts, AlertEvent(key, code, scrub(message), outcome.directory if outcome else None,
                                              outcome.report if outcome else None))
    return code


def _with_history(history: RunHistory, key: str) -> Callable[[ReserveReport, RunDirectory], None]:
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


def _record(outcome: AuditOutcome | None, key: str, config: AuditConfig, started: str, duration: float, code: int,
            message: str) -> RunRecord:
    if outcome is not None:
        record = RunRecord.from_report(outcome.report, key, outcome.directory.name, duration)
        return replace(record, message=scrub(message))
    return RunRecord(started_at=started, finished_at=_now(), duration_seconds=duration, config_path=key,
                     config_sha256=config.sha256, input_file=str(config.input_file), exit_code=code,
                     message=scrub(message))


def _after_run(history: RunHistory, record: RunRecord, config: AuditConfig, output_dir: Path,
               outcome: AuditOutcome | None) -> None:
    """History, retention, metrics: each on its own, each failure logged and nothing more."""
    try:
        history.record(record)
    except Exception as exc:
        log.error("could not record the run in %s: %s", history.path, scrub(str(exc)))
    try:
        prune_runs(output_dir, config.ops.keep_runs, outcome.directory if outcome else None)
    except OSError as exc:
        log.error("could not remove old runs: %s", exc)
    if config.ops.metrics_file is not None:
        try:
            runs = history.runs(record.config_path, 200)
            report_run = next((r for r in reversed(runs) if r.complete), None)
            text = render(record.config_path, record, report_run, history.last_success(record.config_path))
            write_atomically(config.ops.metrics_file, scrub(text))
        except Exception as exc:
            log.error("could not write the metrics file %s: %s", config.ops.metrics_file, scrub(str(exc)))


def _print_result(report: ReserveReport, directory: Path, code: int) -> None:
    if json_logs():
        for verdict in report.assets:
            log.info("asset %s", verdict.asset, extra={
                "event": "asset", "asset": verdict.asset, "ratio": dec_str(verdict.ratio), "ok": verdict.ok,
                "onchain_verified": dec_str(verdict.totals.onchain_verified),
                "liabilities": dec_str(verdict.liabilities)})
        log.info("report %s/report.md (exit %d: %s)", directory, code, EXIT_MEANING[code],
                 extra={"event": "finished", "exit_code": code, "report": str(directory / "report.md")})
        return
    for verdict in report.assets:
        ratio = f"{verdict.ratio * 100:.2f} %" if verdict.ratio is not None else "no liabilities"
        state = "PASS" if verdict.ok else "FAIL"
        print(f"  {verdict.asset:<8} on chain {dec_str(verdict.totals.onchain_verified):>24}  {ratio:>16}  {state}")
    print(f"report: {directory}/report.md (exit {code}: {EXIT_MEANING[code]})")
    sys.stdout.flush()
