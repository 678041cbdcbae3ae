"""report.json: the report's model as JSON, for machines and for the next run's comparison."""

from __future__ import annotations

import json
from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any

from auditor import __version__
from auditor.aggregate import AssetVerdict
from auditor.liabilities.sources import asset_fields, liabilities_json
from auditor.money import CONTEXT, dec_str, ratio
from auditor.report.model import ROW_COUNT_KEYS, ReserveReport
from chains.base import RowStatus, Snapshot


def report_json(report: ReserveReport) -> dict[str, Any]:
    by_network: dict[str, list[Snapshot]] = {}
    for snap in sorted(report.snapshots, key=lambda s: (s.network, s.height)):
        by_network.setdefault(snap.network, []).append(snap)
    snapshot: dict[str, Any] = {}
    for network, snaps in by_network.items():
        for snap in snaps:  # a network read at several heights gets one key per height
            key = network if len(snaps) == 1 else f"{network}@{snap.height}"
            snapshot[key] = {
                "height": snap.height, "block_hash": snap.block_hash, "endpoint": snap.endpoint,
                "methods": dict(sorted(report.methods.get((snap.network, snap.height), {}).items())),
            }
    return {
        "input": {"file": report.input_file, "sha256": report.input_sha256, "layout": report.layout},
        "snapshot": snapshot,
        "tool": {"version": __version__, "config_sha256": report.config_sha256, "mode": report.mode},
        "rows": {key: int(report.rows.get(key, 0)) for key in ROW_COUNT_KEYS},
        "rows_by_network": {
            network: {key: int(counts.get(key, 0)) for key in ROW_COUNT_KEYS}
            | {"schemes": dict(sorted(report.schemes_by_network.get(network, {}).items()))}
            for network, counts in sorted(report.rows_by_network.items())
        },
        "assets": {verdict.asset: {**_asset_json(verdict), **asset_fields(report.liabilities, verdict.asset)}
                   for verdict in report.assets},
        "liabilities_source": report.liabilities_source,
        "liabilities": liabilities_json(report.liabilities) if report.liabilities else None,
        "messages": {"signed": dict(sorted(report.messages.items())), "required": report.statements},
        "freshness": freshness_json(report),
        "reasons": {status: dict(sorted(kinds.items())) for status, kinds in sorted(report.reasons.items())},
        "summary_checks": [check.to_json() for check in report.summary_checks],
        "discrepancies": [finding.to_json() for finding in report.discrepancies],
        "discrepancies_total": report.discrepancies_total,
        "missing_balances": [finding.to_json() for finding in report.missing],
        "missing_balances_total": report.missing_total,
        "data_source_errors": [
            {"network": network, "height": height, "error": error}
            for (network, height), error in sorted(report.source_failures.items())
        ],
        **({"quorum": dict(report.quorum)} if report.quorum else {}),
        "exit_code": int(report.exit_code),
        # what this run asked its providers, per network (BalanceSources.request_report): like the timestamps, a
        # fact of the run (a resumed run asks less, a retry more), so it sits under `run`
        "run": {"started_at": report.started_at, "finished_at": report.finished_at, "requests": dict(report.requests)}
        | ({"previous": report.previous} if report.previous is not None else {}),
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
        "reserves_counted": dec_str(verdict.reserves),  # the ratio's numerator (only fresh with require_fresh)
        "fresh": _fresh_json(verdict),
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
            network: {key: dec_str(values.get(key, Decimal(0)))
                      for key in ("onchain", "onchain_verified", "onchain_verified_fresh", "declared")}
            for network, values in sorted(totals.networks.items())
        },
    }


def _fresh_json(verdict: AssetVerdict) -> dict[str, Any]:
    """How much of the verified reserves rests on statements naming the snapshot (auditor.freshness)."""
    totals = verdict.totals
    return {
        "onchain_verified": dec_str(totals.onchain_verified_fresh),
        "onchain_verified_not_fresh": dec_str(CONTEXT.subtract(totals.onchain_verified, totals.onchain_verified_fresh)),
        "share": dec_str(ratio(totals.onchain_verified_fresh, totals.onchain_verified)
                         if totals.onchain_verified else None),
        "verified_rows": totals.fresh_addresses,
        "counted_alone": verdict.require_fresh,
    }


def freshness_json(report: ReserveReport) -> dict[str, Any]:
    settings = report.freshness
    return {
        "snapshot_date": settings.snapshot_date.isoformat() if settings and settings.snapshot_date else None,
        "snapshot_nonce": settings.snapshot_nonce if settings else None,
        "require_fresh": bool(settings and settings.require_fresh),
        "statements": list(report.statement_freshness),
    }


def write_json(path: Path, data: Mapping[str, Any]) -> None:
    path.write_text(json.dumps(data, indent=2, sort_keys=False) + "\n", encoding="utf-8")
