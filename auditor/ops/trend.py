"""`auditor history CONFIG`: the config's past runs from the history database, oldest first, each asset's
ratio with its change since the run before (`--format json` for the full records and deltas)."""

from __future__ import annotations

import argparse
import json
import logging
from decimal import Decimal
from pathlib import Path
from typing import Any

from auditor.config import load_config
from auditor.errors import ExitCode
from auditor.ops.history import RunHistory, RunRecord, compare
from auditor.ops.upkeep import config_key
from auditor.secrets import PlaceholderEnviron

log = logging.getLogger("auditor.ops.history")
DESCRIPTION = ("Print the runs of CONFIG recorded in its output directory's history.sqlite: time, exit code, "
               "duration, row counts and each asset's reserve ratio with its change since the previous run. "
               "Needs none of the run's secrets.")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("config", type=Path, help="TOML config (its [output] dir holds the history)")
    parser.add_argument("--out", type=Path, help="output directory (default: [output] dir of the config)")
    parser.add_argument("--format", choices=("table", "json"), default="table", help="table (default) or json")
    parser.add_argument("--limit", type=int, default=30, help="newest runs shown (default 30)")


def command(args: argparse.Namespace) -> int:
    config = load_config(args.config, PlaceholderEnviron())  # ConfigError: exit 2, by auditor.cli
    key = config_key(config)
    runs = RunHistory(args.out or config.output_dir).runs(key, max(args.limit, 1))
    if args.format == "json":
        print(json.dumps({"config": key, "runs": _with_changes(runs)}, indent=2))
        return ExitCode.OK
    if not runs:
        print(f"no runs of {key} recorded in {(args.out or config.output_dir)}")
        return ExitCode.OK
    print(format_table(runs))
    return ExitCode.OK


def _with_changes(runs: list[RunRecord]) -> list[dict[str, Any]]:
    out, previous = [], None
    for run in runs:
        entry = run.to_json()
        if run.complete and previous is not None:
            entry["change"] = compare(run, previous)
        if run.complete:
            previous = run
        out.append(entry)
    return out


def format_table(runs: list[RunRecord]) -> str:
    assets = sorted({a.asset for r in runs for a in r.assets})
    header = ["started (UTC)", "exit", "seconds", "rows verified/failed/unchecked"] + [f"{a} ratio" for a in assets]
    table = [header]
    previous: RunRecord | None = None
    for run in runs:
        rows = run.rows
        counts = f"{rows.get('verified', 0)}/{rows.get('failed', 0)}/{rows.get('unchecked', 0)}" if rows else "-"
        seconds = f"{run.duration_seconds:.1f}" if run.duration_seconds is not None else "-"
        line = [run.started_at, str(run.exit_code), seconds, counts]
        for asset in assets:
            line.append(_ratio_cell(run, previous, asset))
        table.append(line)
        if run.complete:
            previous = run
    widths = [max(len(row[i]) for row in table) for i in range(len(header))]
    lines = ["  ".join(cell.rjust(w) if i else cell.ljust(w) for i, (cell, w) in enumerate(zip(row, widths,
                                                                                                  strict=True)))
             for row in table]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _ratio_cell(run: RunRecord, previous: RunRecord | None, asset: str) -> str:
    now = run.asset(asset)
    if now is None or now.ratio is None:
        return "-"
    cell = f"{now.ratio.scaleb(2):.2f} %"
    before = previous.asset(asset) if previous is not None else None
    if before is not None and before.ratio is not None:
        delta: Decimal = (now.ratio - before.ratio).scaleb(2)
        cell += f" ({'+' if delta >= 0 else ''}{delta:.2f})"
    return cell
