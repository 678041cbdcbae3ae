"""Old run directories removed after a run: `[output] keep_runs = N` keeps the N newest. The run just written
and the one `latest` points at are never removed, nor anything that is not a run directory."""

from __future__ import annotations

import logging
import re
import shutil
from pathlib import Path

log = logging.getLogger("auditor.ops.retention")
RUN_DIRECTORY = re.compile(r"^\d{8}T\d{6}Z(-\d+)?$")  # what report.RunDirectory names runs


def _order(path: Path) -> tuple[str, int]:
    stamp, _, suffix = path.name.partition("-")
    return stamp, int(suffix or 1)


def run_directories(output_dir: Path) -> list[Path]:
    """Complete run directories, oldest first (run ids are UTC timestamps; `-2`, `-3` mark runs of one second)."""
    found = [p for p in output_dir.iterdir() if RUN_DIRECTORY.match(p.name) and p.is_dir() and not p.is_symlink()]
    return sorted(found, key=_order)


def prune_runs(output_dir: Path, keep: int | None, just_written: Path | None) -> list[Path]:
    """Remove all but the `keep` newest run directories; returns what was removed."""
    if keep is None:
        return []
    protected = {p.resolve() for p in (just_written, output_dir / "latest") if p is not None and p.exists()}
    runs = run_directories(output_dir)
    removed = []
    for path in runs[: max(len(runs) - keep, 0)]:
        if path.resolve() in protected:
            continue
        shutil.rmtree(path)
        removed.append(path)
    if removed:
        log.info("removed %d old run director%s ([output] keep_runs = %d)", len(removed),
                 "y" if len(removed) == 1 else "ies", keep)
    return removed
