"""`[output] metrics_file`: a Prometheus text file for node_exporter's textfile collector, rewritten after
every run (written to a temporary file beside it and renamed, so the collector never reads half a file).

Per-asset figures come from the config's newest run that wrote a report; the exit code and duration from the
run just finished; the last success from the history, so that a stale success shows however many runs fail.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

from auditor.money import dec_str
from auditor.ops.history import RunRecord
from auditor.report import ROW_COUNT_KEYS

PREFIX = "auditor_"


def _label_value(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _labels(labels: dict[str, str]) -> str:
    return "{" + ",".join(f'{k}="{_label_value(v)}"' for k, v in labels.items()) + "}"


def _epoch(text: str) -> int:
    return int(datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC).timestamp())


class _Family:
    def __init__(self, name: str, help_text: str) -> None:
        self.name, self.help = PREFIX + name, help_text
        self.samples: list[str] = []

    def add(self, labels: dict[str, str], value: Decimal | int | float | None) -> None:
        if value is not None:
            text = dec_str(value) if isinstance(value, Decimal) else repr(value) if isinstance(value, float) else str(
                value)
            self.samples.append(f"{self.name}{_labels(labels)} {text}")

    def lines(self) -> Iterable[str]:
        if self.samples:
            yield f"# HELP {self.name} {self.help}"
            yield f"# TYPE {self.name} gauge"
            yield from self.samples


def render(config: str, current: RunRecord, report_run: RunRecord | None, success: RunRecord | None) -> str:
    """The metrics text for one config."""
    base = {"config": config}
    families = {name: _Family(name, text) for name, text in (
        ("reserve_ratio", "Verified on-chain reserves divided by liabilities, per asset (newest report)."),
        ("required_ratio", "Ratio an asset must reach to pass."),
        ("asset_ok", "1 when the asset meets its required ratio."),
        ("onchain", "On-chain reserves in whole units; scope=verified counts rows whose ownership is proven."),
        ("declared", "Reserves the exchange's file declares, in whole units."),
        ("liabilities", "Declared customer liabilities in whole units."),
        ("rows", "Rows of the address file by status (newest report)."),
        ("report_timestamp_seconds", "Start time of the run that wrote the newest report."),
        ("last_run_timestamp_seconds", "Start time of the last run."),
        ("last_run_duration_seconds", "Duration of the last run."),
        ("last_exit_code", "Exit code of the last run (0 pass, 1 shortfall/failed row, 2 config/input, 3 data "
                           "source, 70 internal error)."),
        ("last_success_timestamp_seconds", "Start time of the last run that exited 0."),
    )}
    if report_run is not None:
        for asset in report_run.assets:
            labels = base | {"asset": asset.asset}
            families["reserve_ratio"].add(labels, asset.ratio)
            families["required_ratio"].add(labels, asset.required_ratio)
            families["asset_ok"].add(labels, None if asset.ok is None else int(asset.ok))
            families["onchain"].add(labels | {"scope": "verified"}, asset.onchain_verified)
            families["onchain"].add(labels | {"scope": "all"}, asset.onchain)
            families["declared"].add(labels, asset.declared)
            families["liabilities"].add(labels, asset.liabilities)
        for status in ROW_COUNT_KEYS:
            if report_run.rows is not None:
                families["rows"].add(base | {"status": status}, int(report_run.rows.get(status, 0)))
        families["report_timestamp_seconds"].add(base, _epoch(report_run.started_at))
    families["last_run_timestamp_seconds"].add(base, _epoch(current.started_at))
    families["last_run_duration_seconds"].add(base, current.duration_seconds)
    families["last_exit_code"].add(base, current.exit_code)
    families["last_success_timestamp_seconds"].add(base, _epoch(success.started_at) if success else 0)
    return "\n".join(line for family in families.values() for line in family.lines()) + "\n"


def write_atomically(path: Path, text: str) -> None:
    """Write beside the target and rename: readers see the old file or the new one, never a mix."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, 0o644)  # node_exporter runs as another user
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
