"""Stage 5 of the pipeline: the run directory with report.json, report.md and addresses.csv.

A run writes into a hidden temporary directory and renames it into place when complete, so a reader (or the
next cron run) never sees half a report. Everything but the `run` timestamps is a function of the inputs and
the chain state: two runs over the same inputs write identical reports.
"""

from __future__ import annotations

import csv
import json
import os
import re
import shutil
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import IO, Any

from auditor import __version__
from auditor.aggregate import AssetVerdict
from auditor.liabilities.sources import (
    LiabilitiesOutcome,
    asset_fields,
    describe_basis,
    liabilities_json,
    table_note,
)
from auditor.money import dec_str
from auditor.ownership import RowResult
from chains.base import RowStatus, Snapshot

ADDRESSES_HEADER = ["line", "coin", "network", "address", "declared", "onchain", "status", "reason", "scheme"]
BALANCES_HEADER = ["line", "network", "height", "address", "contract", "amount_base_units", "method", "error"]
ROW_COUNT_KEYS = ("total", "verified", "failed", "unchecked", "duplicate")
DISCREPANCIES_IN_MARKDOWN = 50


class RunDirectory:
    """<base>/<run id>/ written atomically: files go to <base>/.<run id>.partial and are renamed at the end."""

    def __init__(self, base: Path, run_id: str | None = None) -> None:
        self.base = base
        self.run_id = run_id or datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        self.final = base / self.run_id
        suffix = 1
        while self.final.exists():
            suffix += 1
            self.final = base / f"{self.run_id}-{suffix}"
        self.partial = base / f".{self.final.name}.partial"

    def __enter__(self) -> RunDirectory:
        self.base.mkdir(parents=True, exist_ok=True)
        if self.partial.exists():
            shutil.rmtree(self.partial)
        self.partial.mkdir()
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is not None:
            shutil.rmtree(self.partial, ignore_errors=True)

    def path(self, name: str) -> Path:
        return self.partial / name

    def commit(self) -> Path:
        for child in self.partial.iterdir():  # data on disk before the directory appears
            with child.open("rb") as handle:
                os.fsync(handle.fileno())
        os.replace(self.partial, self.final)
        latest = self.base / "latest"
        tmp_link = self.base / ".latest.tmp"
        if tmp_link.is_symlink() or tmp_link.exists():
            tmp_link.unlink()
        tmp_link.symlink_to(self.final.name)
        os.replace(tmp_link, latest)
        return self.final


class AddressesCsv:
    """addresses.csv, one line per input detail row, written as the rows stream past."""

    def __init__(self, handle: IO[str]) -> None:
        self._writer = csv.writer(handle, lineterminator="\n")
        self._writer.writerow(ADDRESSES_HEADER)

    def write(self, result: RowResult) -> None:
        reason = result.reason
        if result.balance_error:
            reason = f"{reason}; balance unavailable: {result.balance_error}" if reason else (
                f"balance unavailable: {result.balance_error}"
            )
        self._writer.writerow(
            [
                result.row.line,
                result.row.coin,
                result.network.code if result.network else result.row.network,
                result.row.address,
                dec_str(result.declared) or "",
                dec_str(result.onchain) or "",
                result.status.value,
                reason,
                result.scheme,
            ]
        )


class BalancesCsv:
    """balances.csv: every balance read, in base units, with the method that gave it, so that another party
    can re-derive each figure (and see which came from a roll-back rather than a direct read)."""

    def __init__(self, handle: IO[str]) -> None:
        self._writer = csv.writer(handle, lineterminator="\n")
        self._writer.writerow(BALANCES_HEADER)

    def write(self, result: RowResult) -> None:
        if result.query is None or result.network is None:
            return
        amount = "" if result.onchain_base is None else str(result.onchain_base)
        self._writer.writerow([
            result.row.line, result.network.code, result.height, result.query.address,
            result.query.contract or "", amount, result.onchain_method, result.balance_error,
        ])


@lru_cache(maxsize=1024)  # called per row; a run has a handful of distinct methods
def method_family(method: str) -> str:
    """A method without its per-row details: "trc20-balanceOf@812-rollback(3 events)" -> "trc20-balanceOf-rollback"."""
    return re.sub(r"@[0-9]+|\([^)]*\)", "", method)


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
    reasons: Mapping[str, Mapping[str, int]] = field(default_factory=dict)  # status -> reason kind -> rows
    statements: list[str] | None = None  # [input] messages, when the config pins them
    source_failures: Mapping[tuple[str, int], str] = field(default_factory=dict)
    summary_checks: list[dict[str, Any]] = field(default_factory=list)
    discrepancies: list[dict[str, Any]] = field(default_factory=list)  # the first KEEP_IN_REPORT, in row order
    discrepancies_total: int = 0  # all of them are in findings.jsonl
    missing: list[dict[str, Any]] = field(default_factory=list)
    missing_total: int = 0
    liabilities_source: str | None = None
    liabilities: LiabilitiesOutcome | None = None  # per asset: figure, source, proven or not
    exit_code: int = 0
    started_at: str = ""
    finished_at: str = ""
    mode: str = "run"  # "run" or "verify" (ownership only)
    previous: dict[str, Any] | None = None  # change since the previous run of the config (auditor.ops.history.compare)
    extra_markdown: list[str] = field(default_factory=list)  # sections added by the run (history, chart)

    def to_json(self) -> dict[str, Any]:
        by_network: dict[str, list[Snapshot]] = {}
        for snap in sorted(self.snapshots, key=lambda s: (s.network, s.height)):
            by_network.setdefault(snap.network, []).append(snap)
        snapshot: dict[str, Any] = {}
        for network, snaps in by_network.items():
            for snap in snaps:  # a network read at several heights gets one key per height
                key = network if len(snaps) == 1 else f"{network}@{snap.height}"
                snapshot[key] = {
                    "height": snap.height, "block_hash": snap.block_hash, "endpoint": snap.endpoint,
                    "methods": dict(sorted(self.methods.get((snap.network, snap.height), {}).items())),
                }
        return {
            "input": {"file": self.input_file, "sha256": self.input_sha256, "layout": self.layout},
            "snapshot": snapshot,
            "tool": {"version": __version__, "config_sha256": self.config_sha256, "mode": self.mode},
            "rows": {key: int(self.rows.get(key, 0)) for key in ROW_COUNT_KEYS},
            "rows_by_network": {
                network: {key: int(counts.get(key, 0)) for key in ROW_COUNT_KEYS}
                | {"schemes": dict(sorted(self.schemes_by_network.get(network, {}).items()))}
                for network, counts in sorted(self.rows_by_network.items())
            },
            "assets": {verdict.asset: _asset_json(verdict) | asset_fields(self.liabilities, verdict.asset)
                       for verdict in self.assets},
            "liabilities_source": self.liabilities_source,
            "liabilities": liabilities_json(self.liabilities) if self.liabilities else None,
            "messages": {"signed": dict(sorted(self.messages.items())), "required": self.statements},
            "reasons": {status: dict(sorted(kinds.items())) for status, kinds in sorted(self.reasons.items())},
            "summary_checks": self.summary_checks,
            "discrepancies": self.discrepancies,
            "discrepancies_total": self.discrepancies_total,
            "missing_balances": self.missing,
            "missing_balances_total": self.missing_total,
            "data_source_errors": [
                {"network": network, "height": height, "error": error}
                for (network, height), error in sorted(self.source_failures.items())
            ],
            "exit_code": self.exit_code,
            "run": {"started_at": self.started_at, "finished_at": self.finished_at}
            | ({"previous": self.previous} if self.previous is not None else {}),
        }

    def to_markdown(self) -> str:
        lines = [
            f"# Proof-of-reserves audit: {Path(self.input_file).name}",
            "",
            f"Input `{self.input_file}` (layout {self.layout}, sha256 `{self.input_sha256[:16]}…`), "
            f"run {self.started_at}, exit code {self.exit_code} ({EXIT_MEANING.get(self.exit_code, '')}).",
            "",
            "| asset | on chain (verified) | on chain (all) | declared | liabilities | ratio | required | result |",
            "|---|---:|---:|---:|---:|---:|---:|---|",
        ]
        for verdict in self.assets:
            totals = verdict.totals
            if self.mode == "verify":
                onchain_v = onchain = "not read"
            else:
                onchain_v, onchain = dec_str(totals.onchain_verified), dec_str(totals.onchain)
            ratio = f"{verdict.ratio * 100:.2f} %" if verdict.ratio is not None else "-"
            result = "PASS" if verdict.ok else "FAIL: " + "; ".join(verdict.why_not)
            owed = (dec_str(verdict.liabilities) or "-") + table_note(self.liabilities, verdict.asset)
            lines.append(
                f"| {verdict.asset} | {onchain_v} | {onchain} | {dec_str(totals.declared)} | "
                f"{owed} | {ratio} | {dec_str(verdict.required_ratio)} | {result} |"
            )
        if self.liabilities is not None:
            lines += ["", *describe_basis(self.liabilities)]
        rows = self.rows
        lines += [
            "",
            f"Rows: {rows.get('total', 0)} total, {rows.get('verified', 0)} verified, {rows.get('failed', 0)} failed, "
            f"{rows.get('unchecked', 0)} unchecked, {rows.get('duplicate', 0)} duplicate "
            "(every row, with its reason, is in addresses.csv).",
            "",
        ]
        if self.rows_by_network:
            lines += ["| network | rows | verified | failed | unchecked | duplicate | schemes |",
                      "|---|---:|---:|---:|---:|---:|---|"]
            for network, counts in sorted(self.rows_by_network.items()):
                schemes = ", ".join(f"{name} ({n})" for name, n in sorted(self.schemes_by_network.get(network, {})
                                                                           .items()))
                lines.append(f"| {network} | " + " | ".join(str(counts.get(k, 0)) for k in ROW_COUNT_KEYS)
                             + f" | {schemes or '-'} |")
            lines.append("")
        for status in ("failed", "unchecked"):
            kinds = self.reasons.get(status, {})
            if kinds:
                lines += [f"Why rows are {status}:", ""]
                for kind, count in sorted(kinds.items(), key=lambda kv: (-kv[1], kv[0]))[:15]:
                    lines.append(f"- {count} × {kind}")
                lines.append("")
        lines += self.extra_markdown
        top = sorted(self.messages.items(), key=lambda kv: -kv[1])[:10]
        signed = ", ".join(f"`{m}` ({n})" if m else f"(no message) ({n})" for m, n in top)
        pinned = "required by the config" if self.statements else "not pinned: set [input] messages"
        lines += [f"Signed statements: {signed or '-'} ({pinned}).", ""]
        if self.snapshots:
            lines += [
                "## Snapshot blocks", "",
                "| network | height | block hash | endpoint | balances read by |", "|---|---:|---|---|---|",
            ]
            for snap in sorted(self.snapshots, key=lambda s: (s.network, s.height)):
                counts = self.methods.get((snap.network, snap.height), {})
                methods = ", ".join(f"{m} ({n})" for m, n in sorted(counts.items()))
                lines.append(f"| {snap.network} | {snap.height} | `{snap.block_hash}` | {snap.endpoint} | {methods} |")
            lines.append("")
        if self.source_failures:
            lines += ["## Data sources that could not answer", ""]
            for (network, height), error in sorted(self.source_failures.items()):
                lines.append(f"- {network} at {height}: {error}")
            lines.append("")
        bad_summary = [c for c in self.summary_checks if not c.get("ok")]
        if bad_summary:
            lines += ["## Summary section vs detail rows", ""]
            for check in bad_summary:
                detail = check.get("problem") or (
                    f"summary {check.get('summary')} vs detail total {check.get('detail')} "
                    f"({check.get('total_of')}), on chain {check.get('onchain')}"
                )
                if "height_mismatch" in check:
                    mismatch = check["height_mismatch"]
                    detail += f"; summary height {mismatch['summary']} vs detail rows at {mismatch['detail']}"
                lines.append(f"- line {check['line']} `{check['coin']}`: {detail}")
            lines.append("")
        if self.discrepancies:
            lines += [f"## Discrepancies ({self.discrepancies_total})", ""]
            for item in self.discrepancies[:DISCREPANCIES_IN_MARKDOWN]:
                lines.append("- " + _describe(item))
            if self.discrepancies_total > DISCREPANCIES_IN_MARKDOWN:
                lines.append(f"- … {self.discrepancies_total - DISCREPANCIES_IN_MARKDOWN} more in findings.jsonl")
            lines.append("")
        if self.missing:
            lines += [f"## Balances that could not be read ({self.missing_total})", ""]
            for item in self.missing[:DISCREPANCIES_IN_MARKDOWN]:
                lines.append(f"- line {item['line']} {item['network']} {item['address']}: {item['error']}")
            if self.missing_total > DISCREPANCIES_IN_MARKDOWN:
                lines.append(f"- … {self.missing_total - DISCREPANCIES_IN_MARKDOWN} more in findings.jsonl")
            lines.append("")
        return "\n".join(lines)


EXIT_MEANING = {
    0: "every asset meets its required ratio and no row failed",
    1: "a shortfall or a failed row",
    2: "config or input error",
    3: "a data source could not answer",
    4: "another run holds the lock",
    70: "internal error",
}


def _asset_json(verdict: AssetVerdict) -> dict[str, Any]:
    totals = verdict.totals
    counts = totals.addresses
    return {
        "onchain": dec_str(totals.onchain),
        "onchain_verified": dec_str(totals.onchain_verified),
        "declared": dec_str(totals.declared),
        "liabilities": dec_str(verdict.liabilities),
        "ratio": dec_str(verdict.ratio),
        "required_ratio": dec_str(verdict.required_ratio),
        "ok": verdict.ok,
        "problems": verdict.why_not,
        "addresses": {
            "total": sum(counts.values()),
            "verified": counts[RowStatus.VERIFIED.value],
            "failed": counts[RowStatus.FAILED.value],
            "unchecked": counts[RowStatus.UNCHECKED.value],
            "missing_balance": totals.missing,
        },
        "networks": {
            network: {key: dec_str(values.get(key, 0)) for key in ("onchain", "onchain_verified", "declared")}
            for network, values in sorted(totals.networks.items())
        },
    }


def _describe(item: Mapping[str, Any]) -> str:
    kind = item.get("kind")
    where = f"line {item.get('line')} {item.get('coin')} {item.get('network')} {item.get('address')}"
    if kind == "declared_vs_onchain":
        return f"{where}: declared {item['declared']}, on chain {item['onchain']} (difference {item['difference']})"
    if kind == "failed_row":
        return f"{where}: failed: {item.get('reason')}"
    if kind == "duplicate_row":
        return f"{where}: {item.get('reason')}"
    if kind == "liabilities_mismatch":
        return (f"{item['asset']} liabilities: declared {item['declared']} ({item['declared_source']}), but "
                f"{item['verified_source']} proves {item['verified']} (difference {item['difference']})")
    return f"{where}: {item}"


def write_json(path: Path, data: Mapping[str, Any]) -> None:
    path.write_text(json.dumps(data, indent=2, sort_keys=False) + "\n", encoding="utf-8")
