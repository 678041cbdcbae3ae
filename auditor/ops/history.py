"""Every run in a SQLite database in the output directory (`history.sqlite`): when, which config and input,
snapshot heights, per-asset totals and ratios, row counts, exit code, duration. It gives each report its
change since the previous run of the same config, `auditor history`, the ratio chart and the metrics'
"last success". Amounts are stored as decimal strings (exact), never floats.

An older `history.jsonl` (one JSON line per run) is imported on first use and renamed `history.jsonl.migrated`.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator, Mapping
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from auditor.money import CONTEXT, dec_str
from auditor.report import ROW_COUNT_KEYS, ReserveReport
from auditor.secrets import scrub

DB_NAME = "history.sqlite"
SCHEMA_VERSION = 1
_SCHEMA = """
CREATE TABLE runs (
    id INTEGER PRIMARY KEY,
    run_id TEXT,                -- the run directory's name; NULL when the run wrote no report
    started_at TEXT NOT NULL,   -- UTC, ISO 8601
    finished_at TEXT,
    duration_seconds REAL,
    config_path TEXT NOT NULL,
    config_sha256 TEXT,
    input_file TEXT,
    input_sha256 TEXT,
    exit_code INTEGER NOT NULL,
    message TEXT NOT NULL DEFAULT '',
    rows_json TEXT,             -- {"total": n, "verified": n, ...}; NULL without a report
    source TEXT NOT NULL DEFAULT 'run'
);
CREATE INDEX runs_by_config ON runs (config_path, started_at);
CREATE TABLE snapshots (
    run INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    network TEXT NOT NULL,
    height INTEGER NOT NULL,
    block_hash TEXT NOT NULL
);
CREATE TABLE assets (
    run INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    asset TEXT NOT NULL,
    onchain TEXT,
    onchain_verified TEXT,
    declared TEXT,
    liabilities TEXT,
    ratio TEXT,
    required_ratio TEXT,
    ok INTEGER
);
CREATE INDEX assets_by_run ON assets (run);
CREATE INDEX snapshots_by_run ON snapshots (run);
"""


@dataclass(frozen=True)
class AssetRecord:
    asset: str
    onchain: Decimal | None
    onchain_verified: Decimal | None
    declared: Decimal | None
    liabilities: Decimal | None
    ratio: Decimal | None
    required_ratio: Decimal | None
    ok: bool | None


@dataclass(frozen=True)
class RunRecord:
    started_at: str
    config_path: str
    exit_code: int
    run_id: str | None = None
    finished_at: str = ""
    duration_seconds: float | None = None
    config_sha256: str | None = None
    input_file: str | None = None
    input_sha256: str | None = None
    message: str = ""
    rows: Mapping[str, int] | None = None
    snapshots: tuple[tuple[str, int, str], ...] = ()  # (network, height, block hash)
    assets: tuple[AssetRecord, ...] = ()
    source: str = "run"

    @classmethod
    def from_report(cls, report: ReserveReport, config_path: str, run_id: str | None,
                    duration_seconds: float | None = None) -> RunRecord:
        return cls(
            started_at=report.started_at, finished_at=report.finished_at, duration_seconds=duration_seconds,
            config_path=config_path, config_sha256=report.config_sha256, input_file=report.input_file,
            input_sha256=report.input_sha256, exit_code=report.exit_code, run_id=run_id,
            rows={key: int(report.rows.get(key, 0)) for key in ROW_COUNT_KEYS},
            snapshots=tuple((s.network, s.height, s.block_hash) for s in report.snapshots),
            assets=tuple(
                AssetRecord(v.asset, v.totals.onchain, v.totals.onchain_verified, v.totals.declared, v.liabilities,
                            v.ratio, v.required_ratio, v.ok)
                for v in report.assets
            ),
        )

    @property
    def complete(self) -> bool:
        """A run that wrote a report with totals (not one stopped by a config error or a crash)."""
        return bool(self.assets)

    def asset(self, name: str) -> AssetRecord | None:
        return next((a for a in self.assets if a.asset == name), None)

    def to_json(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id, "started_at": self.started_at, "finished_at": self.finished_at,
            "duration_seconds": self.duration_seconds, "config": self.config_path, "input_file": self.input_file,
            "input_sha256": self.input_sha256, "exit_code": self.exit_code, "message": self.message,
            "rows": dict(self.rows) if self.rows is not None else None,
            "snapshots": [{"network": n, "height": h, "block_hash": b} for n, h, b in self.snapshots],
            "assets": {a.asset: {
                "onchain": dec_str(a.onchain), "onchain_verified": dec_str(a.onchain_verified),
                "declared": dec_str(a.declared), "liabilities": dec_str(a.liabilities), "ratio": dec_str(a.ratio),
                "required_ratio": dec_str(a.required_ratio), "ok": a.ok,
            } for a in self.assets},
        }


class RunHistory:
    """The history database of one output directory. Writes happen under the run lock."""

    def __init__(self, output_dir: Path) -> None:
        self.path = output_dir / DB_NAME

    @contextmanager
    def _connect(self, readonly: bool = False) -> Iterator[sqlite3.Connection]:
        if readonly:
            connection = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, timeout=10)
        else:
            connection = sqlite3.connect(self.path, timeout=10)
        with closing(connection):
            connection.execute("PRAGMA foreign_keys = ON")
            yield connection

    def initialise(self, config_path: str) -> None:
        """Create the schema on first use, importing an old history.jsonl as runs of `config_path`."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as db, db:
            if db.execute("PRAGMA user_version").fetchone()[0] >= SCHEMA_VERSION:
                return
            db.executescript(_SCHEMA)
            db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            legacy = self.path.parent / "history.jsonl"
            if legacy.is_file():
                for record in _legacy_records(legacy, config_path):
                    _insert(db, record)
        if legacy.is_file():
            legacy.rename(legacy.with_name("history.jsonl.migrated"))

    def record(self, run: RunRecord) -> None:
        self.initialise(run.config_path)
        with self._connect() as db, db:
            _insert(db, run)

    def runs(self, config_path: str, limit: int | None = None) -> list[RunRecord]:
        """Runs of one config, oldest first (the newest `limit` of them)."""
        if not self.path.exists():
            return []
        with self._connect(readonly=True) as db:
            query = "SELECT * FROM runs WHERE config_path = ? ORDER BY started_at DESC, id DESC"
            params: tuple[Any, ...] = (config_path,)
            if limit is not None:
                query += " LIMIT ?"
                params += (limit,)
            db.row_factory = sqlite3.Row
            rows = db.execute(query, params).fetchall()
            return _load(db, list(reversed(rows)))

    def previous_complete(self, config_path: str) -> RunRecord | None:
        return next((r for r in reversed(self.runs(config_path, 200)) if r.complete), None)

    def last_success(self, config_path: str) -> RunRecord | None:
        if not self.path.exists():
            return None
        with self._connect(readonly=True) as db:
            db.row_factory = sqlite3.Row
            row = db.execute("SELECT * FROM runs WHERE config_path = ? AND exit_code = 0 "
                             "ORDER BY started_at DESC, id DESC LIMIT 1", (config_path,)).fetchone()
            return _load(db, [row])[0] if row is not None else None


def _insert(db: sqlite3.Connection, run: RunRecord) -> None:
    cursor = db.execute(
        "INSERT INTO runs (run_id, started_at, finished_at, duration_seconds, config_path, config_sha256, "
        "input_file, input_sha256, exit_code, message, rows_json, source) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
        (run.run_id, run.started_at, run.finished_at, run.duration_seconds, run.config_path, run.config_sha256,
         run.input_file, run.input_sha256, run.exit_code, scrub(run.message),
         json.dumps(dict(run.rows)) if run.rows is not None else None, run.source),
    )
    run_key = cursor.lastrowid
    db.executemany("INSERT INTO snapshots VALUES (?,?,?,?)", [(run_key, *s) for s in run.snapshots])
    db.executemany(
        "INSERT INTO assets VALUES (?,?,?,?,?,?,?,?,?)",
        [(run_key, a.asset, dec_str(a.onchain), dec_str(a.onchain_verified), dec_str(a.declared),
          dec_str(a.liabilities), dec_str(a.ratio), dec_str(a.required_ratio), None if a.ok is None else int(a.ok))
         for a in run.assets],
    )


def _dec(value: str | None) -> Decimal | None:
    return None if value is None else Decimal(value)


def _load(db: sqlite3.Connection, rows: list[sqlite3.Row]) -> list[RunRecord]:
    """RunRecords for `rows` of the runs table, with their snapshots and assets (one query each for all rows)."""
    keys = [row["id"] for row in rows]
    snapshots: dict[int, list[tuple[str, int, str]]] = {key: [] for key in keys}
    assets: dict[int, list[AssetRecord]] = {key: [] for key in keys}
    for start in range(0, len(keys), 500):  # SQLite bounds the number of parameters of a query
        chunk = keys[start:start + 500]
        marks = ",".join("?" * len(chunk))
        for s in db.execute(f"SELECT run, network, height, block_hash FROM snapshots WHERE run IN ({marks}) "
                            "ORDER BY network, height", chunk):
            snapshots[s[0]].append((s[1], s[2], s[3]))
        for a in db.execute("SELECT run, asset, onchain, onchain_verified, declared, liabilities, ratio, "
                            f"required_ratio, ok FROM assets WHERE run IN ({marks}) ORDER BY asset", chunk):
            assets[a[0]].append(AssetRecord(a[1], _dec(a[2]), _dec(a[3]), _dec(a[4]), _dec(a[5]), _dec(a[6]),
                                            _dec(a[7]), None if a[8] is None else bool(a[8])))
    return [
        RunRecord(
            started_at=row["started_at"], config_path=row["config_path"], exit_code=row["exit_code"],
            run_id=row["run_id"], finished_at=row["finished_at"] or "", duration_seconds=row["duration_seconds"],
            config_sha256=row["config_sha256"], input_file=row["input_file"], input_sha256=row["input_sha256"],
            message=row["message"], rows=json.loads(row["rows_json"]) if row["rows_json"] else None,
            snapshots=tuple(snapshots[row["id"]]), assets=tuple(assets[row["id"]]), source=row["source"],
        )
        for row in rows
    ]


def _legacy_records(path: Path, config_path: str) -> Iterator[RunRecord]:
    """history.jsonl lines (run, started_at, exit_code, input_sha256, assets {A: {ratio, ok}}); unreadable
    lines are skipped with the file kept as history.jsonl.migrated for reference."""
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            entry = json.loads(line)
            assets = tuple(
                AssetRecord(name, None, None, None, None, _dec(values.get("ratio")), None, values.get("ok"))
                for name, values in sorted(entry.get("assets", {}).items())
            )
            yield RunRecord(started_at=str(entry["started_at"]), config_path=config_path,
                            exit_code=int(entry["exit_code"]), run_id=entry.get("run"),
                            input_sha256=entry.get("input_sha256"), assets=assets, source="history.jsonl")
        except (ValueError, KeyError, TypeError, AttributeError, ArithmeticError):
            continue


@dataclass(frozen=True)
class AssetChange:
    asset: str
    ratio: Decimal | None
    ratio_previous: Decimal | None
    deltas: dict[str, Decimal | None] = field(default_factory=dict)  # field -> current - previous
    note: str = ""  # "new" / "gone"


def _delta(current: Decimal | None, previous: Decimal | None) -> Decimal | None:
    return None if current is None or previous is None else CONTEXT.subtract(current, previous)


CHANGE_FIELDS = ("ratio", "onchain", "onchain_verified", "declared", "liabilities")


def compare(current: RunRecord, previous: RunRecord) -> dict[str, Any]:
    """The change since `previous`, for report.json's `run.previous` and report.md: per asset, each total's
    and the ratio's difference (None where either side has no figure), and the row counts' differences."""
    assets: dict[str, Any] = {}
    for name in sorted({a.asset for a in current.assets} | {a.asset for a in previous.assets}):
        now, before = current.asset(name), previous.asset(name)
        entry: dict[str, Any] = {
            "ratio": dec_str(now.ratio) if now else None, "ratio_previous": dec_str(before.ratio) if before else None,
        }
        for key in CHANGE_FIELDS:
            delta = _delta(getattr(now, key) if now else None, getattr(before, key) if before else None)
            entry[f"{key}_delta"] = dec_str(delta)
        if before is None or now is None:
            entry["note"] = "new since the previous run" if before is None else "not in this run"
        assets[name] = entry
    rows = None
    if current.rows is not None and previous.rows is not None:
        rows = {key: int(current.rows.get(key, 0)) - int(previous.rows.get(key, 0)) for key in ROW_COUNT_KEYS}
    return {
        "run_id": previous.run_id, "started_at": previous.started_at, "exit_code": previous.exit_code,
        "input_sha256_changed": (current.input_sha256 != previous.input_sha256) if previous.input_sha256 else None,
        "assets": assets, "rows_delta": rows,
    }


def change_markdown(change: Mapping[str, Any]) -> list[str]:
    """report.md's section on the change since the previous run."""
    lines = [
        "## Change since the previous run", "",
        f"Previous run {change['run_id'] or '?'} ({change['started_at']}, exit code {change['exit_code']})"
        + ("; the input file has changed since." if change.get("input_sha256_changed") else "."), "",
        "| asset | ratio | previous ratio | ratio change | on chain (verified) change | liabilities change |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for asset, entry in change["assets"].items():
        ratio_delta = entry["ratio_delta"]
        shown = "-" if ratio_delta is None else f"{_signed(Decimal(ratio_delta).scaleb(2))} pp"
        lines.append(
            f"| {asset} | {_percent(entry['ratio'])} | {_percent(entry['ratio_previous'])} | {shown} | "
            f"{_signed_text(entry['onchain_verified_delta'])} | {_signed_text(entry['liabilities_delta'])} |"
            + (f" {entry['note']}" if entry.get("note") else "")
        )
    rows = change.get("rows_delta")
    if rows is not None:
        changed = [f"{key} {_signed(Decimal(rows[key]))}" for key in ROW_COUNT_KEYS if rows[key]]
        lines += ["", "Rows: " + (", ".join(changed) if changed else "unchanged") + "."]
    lines.append("")
    return lines


def _percent(value: str | None) -> str:
    return "-" if value is None else f"{Decimal(value).scaleb(2):.2f} %"


def _signed(value: Decimal) -> str:
    return f"+{value:f}" if value > 0 else f"{value:f}"


def _signed_text(value: str | None) -> str:
    return "-" if value is None else _signed(Decimal(value))
