"""Unattended runs (cron): one run at a time per output directory, a history line per run, an alert hook."""

from __future__ import annotations

import fcntl
import json
import os
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from auditor.money import dec_str
from auditor.report import ReserveReport


class RunLocked(Exception):
    """Another run holds the output directory's lock."""


@contextmanager
def exclusive_run(output_dir: Path) -> Iterator[None]:
    """Hold `<output_dir>/.lock` for the run; a second run started meanwhile (a slow cron job) stops at once."""
    output_dir.mkdir(parents=True, exist_ok=True)
    with (output_dir / ".lock").open("a+") as handle:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise RunLocked(f"another audit is running on {output_dir} (lock {output_dir / '.lock'})") from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"{os.getpid()}\n")
        handle.flush()
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def append_history(output_dir: Path, directory: Path, report: ReserveReport) -> None:
    """One JSON line per run in `<output_dir>/history.jsonl`, to follow ratios over time."""
    entry = {
        "run": directory.name,
        "started_at": report.started_at,
        "exit_code": report.exit_code,
        "input_sha256": report.input_sha256,
        "assets": {v.asset: {"ratio": dec_str(v.ratio), "ok": v.ok} for v in report.assets},
    }
    with (output_dir / "history.jsonl").open("a", encoding="utf-8") as handle:
        handle.write(json.dumps(entry, sort_keys=True) + "\n")


def send_alert(command: str, exit_code: int, directory: Path | None, message: str) -> str:
    """Run the configured alert command (a shell command) when a run does not pass. The run's outcome is in
    the environment: AUDITOR_EXIT_CODE, AUDITOR_REPORT_DIR, AUDITOR_MESSAGE. Returns a note on failure."""
    if not command:
        return ""
    env = os.environ | {
        "AUDITOR_EXIT_CODE": str(exit_code),
        "AUDITOR_REPORT_DIR": str(directory or ""),
        "AUDITOR_MESSAGE": message,
    }
    try:
        completed = subprocess.run(command, shell=True, env=env, timeout=60, capture_output=True, check=False)
    except subprocess.TimeoutExpired:
        return "alert command timed out after 60 s"
    return "" if completed.returncode == 0 else f"alert command exited with {completed.returncode}"
