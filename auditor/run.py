"""`auditor run`: one audit of a config with everything around it. The run holds the config's and the output
directory's locks, is cancelled cleanly by SIGTERM, keeps the history, retention and metrics up
(auditor.ops.upkeep), prints the result, and alerts when it does not pass (auditor.ops.alerts). An expected
failure ends it with its class's exit code (auditor.errors); anything else is a bug, exit 70."""

from __future__ import annotations

import asyncio
import logging
import signal
import sys
import time
import traceback
from collections.abc import Callable
from pathlib import Path

from auditor.audit import AuditOutcome, run_audit
from auditor.config import AuditConfig
from auditor.errors import AuditorError, ExitCode
from auditor.logs import json_logs
from auditor.money import dec_str
from auditor.ops import upkeep
from auditor.ops.alerts import AlertEvent, send_alerts
from auditor.ops.lock import RunLock, config_lock_dir
from auditor.progress import RunProgress
from auditor.report import ReserveReport, RunDirectory
from auditor.report.markdown import percent
from auditor.secrets import scrub

log = logging.getLogger("auditor.run")


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


def run_config(config: AuditConfig, output_dir: Path, resume: bool = False, quiet: bool = False) -> ExitCode:
    """The run, its locks and everything after its report. `resume` continues a killed run from its checkpoint;
    `quiet` silences the progress display."""
    key = upkeep.config_key(config)
    started, clock = upkeep.now(), time.monotonic()
    outcome: AuditOutcome | None = None
    message = ""
    try:
        with RunLock(config_lock_dir(key), key, scope=f"config {key}"), RunLock(output_dir, key):
            history = upkeep.open_history(output_dir, key)
            progress = RunProgress.auto(quiet)
            try:
                outcome = asyncio.run(_audit_until_terminated(config, output_dir, upkeep.with_history(history, key),
                                                              resume, progress))
                code = outcome.exit_code
                message = code.meaning
            except asyncio.CancelledError:
                log.error("stopped by SIGTERM before the report was complete: nothing written, lock released")
                return ExitCode.TERMINATED
            except AuditorError as exc:  # config, input or a data source: the class says which exit code
                code, message = exc.exit_code, str(exc)
            except Exception as exc:  # a bug: recorded and alerted like any failed run, with its traceback logged
                code = ExitCode.INTERNAL
                message = f"internal error, please report it: {type(exc).__name__}: {exc}"
                log.error("%s", scrub(traceback.format_exc()).rstrip())
            finally:
                progress.close()  # its last lines before the result, never after
            duration = round(time.monotonic() - clock, 3)
            upkeep.after_run(history, upkeep.record(outcome, key, config, started, duration, code, message), config,
                             output_dir, outcome)
    except AuditorError as exc:  # the lock is held by another run
        log.error("%s", exc)
        return exc.exit_code
    if code != ExitCode.OK and outcome is None:
        log.error("%s", scrub(message))
    if outcome is not None:
        print_result(outcome.report, outcome.directory, code)
    send_alerts(config.ops.alerts, AlertEvent(key, code, scrub(message), outcome.directory if outcome else None,
                                              outcome.report if outcome else None))
    return code


def print_result(report: ReserveReport, directory: Path, code: ExitCode) -> None:
    if json_logs():
        for verdict in report.assets:
            log.info("asset %s", verdict.asset, extra={
                "event": "asset", "asset": verdict.asset, "ratio": dec_str(verdict.ratio), "ok": verdict.ok,
                "state": verdict.state, "onchain_verified": dec_str(verdict.totals.onchain_verified),
                "liabilities": dec_str(verdict.liabilities)})
        log.info("report %s/report.md (exit %d: %s)", directory, code, code.meaning,
                 extra={"event": "finished", "exit_code": int(code), "report": str(directory / "report.md")})
        return
    for verdict in report.assets:
        ratio = (percent(verdict.ratio) if verdict.ratio is not None
                 else "no liabilities" if verdict.liabilities is None else "nothing owed")
        basis = "fresh   " if verdict.require_fresh else "on chain"  # what the ratio counts ([audit] require_fresh)
        print(f"  {verdict.asset:<8} {basis} {dec_str(verdict.reserves):>24}  {ratio:>16}  "
              f"{verdict.state}")
    print(f"report: {directory}/report.md (exit {int(code)}: {code.meaning})")
    sys.stdout.flush()
