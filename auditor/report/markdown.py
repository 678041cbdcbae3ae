"""report.md: the report's model for people."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any

from auditor.errors import ExitCode
from auditor.liabilities.sources import describe_basis, table_note
from auditor.money import CONTEXT, dec_str, ratio
from auditor.reasons import cut
from auditor.report.model import ROW_COUNT_KEYS, ReserveReport

DISCREPANCIES_IN_MARKDOWN = 50


def render_markdown(report: ReserveReport) -> str:
    lines = [
        f"# Proof-of-reserves audit: {Path(report.input_file).name}",
        "",
        f"Input `{report.input_file}` (layout {report.layout}, sha256 `{report.input_sha256[:16]}…`), "
        f"run {report.started_at}, exit code {int(report.exit_code)} ({ExitCode(report.exit_code).meaning}).",
        "",
        "| asset | on chain (verified) | on chain (all) | declared | liabilities | ratio | required | result |",
        "|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    for verdict in report.assets:
        totals = verdict.totals
        onchain_v: str | None
        onchain: str | None
        if report.mode == "verify":
            onchain_v = onchain = "not read"
        else:
            onchain_v, onchain = dec_str(totals.onchain_verified), dec_str(totals.onchain)
        ratio = percent(verdict.ratio) if verdict.ratio is not None else "-"
        result = verdict.result
        owed = (dec_str(verdict.liabilities) or "-") + table_note(report.liabilities, verdict.asset)
        lines.append(
            f"| {verdict.asset} | {onchain_v} | {onchain} | {dec_str(totals.declared)} | "
            f"{owed} | {ratio} | {percent(verdict.required_ratio)} | {result} |"
        )
    if report.liabilities is not None:
        lines += ["", *describe_basis(report.liabilities)]
        if report.freshness is not None and report.freshness.require_fresh:
            lines.append("- With `[audit] require_fresh`, the numerator is only the part of the verified reserves "
                         "proven by fresh statements (see Freshness of the ownership proofs); the rest is not counted.")
    rows = report.rows
    lines += [
        "",
        f"Rows: {rows.get('total', 0)} total, {rows.get('verified', 0)} verified, {rows.get('failed', 0)} failed, "
        f"{rows.get('unchecked', 0)} unchecked, {rows.get('duplicate', 0)} duplicate "
        "(every row, with its reason, is in addresses.csv).",
        "",
    ]
    if report.rows_by_network:
        lines += ["| network | rows | verified | failed | unchecked | duplicate | schemes |",
                  "|---|---:|---:|---:|---:|---:|---|"]
        for network, counts in sorted(report.rows_by_network.items()):
            schemes = ", ".join(f"{name} ({n})" for name, n in sorted(report.schemes_by_network.get(network, {})
                                                                       .items()))
            lines.append(f"| {network} | " + " | ".join(str(counts.get(k, 0)) for k in ROW_COUNT_KEYS)
                         + f" | {schemes or '-'} |")
        lines.append("")
    for status in ("failed", "unchecked"):
        kinds = report.reasons.get(status, {})
        if kinds:
            lines += [f"Why rows are {status}:", ""]
            for kind, count in sorted(kinds.items(), key=lambda kv: (-kv[1], kv[0]))[:15]:
                lines.append(f"- {count} × {kind}")
            lines.append("")
    lines += report.extra_markdown
    top = sorted(report.messages.items(), key=lambda kv: -kv[1])[:10]
    signed = ", ".join(f"`{cut(m)}` ({n})" if m else f"(no message) ({n})" for m, n in top)
    pinned = "required by the config" if report.statements else "not pinned: set [input] messages"
    lines += [f"Signed statements: {signed or '-'} ({pinned}).", ""]
    if report.mode != "verify":
        lines += freshness_section(report)
    if report.snapshots:
        lines += [
            "## Snapshot blocks", "",
            "| network | height | block hash | endpoint | balances read by |", "|---|---:|---|---|---|",
        ]
        for snap in sorted(report.snapshots, key=lambda s: (s.network, s.height)):
            counts = report.methods.get((snap.network, snap.height), {})
            methods = ", ".join(f"{m} ({n})" for m, n in sorted(counts.items()))
            lines.append(f"| {snap.network} | {snap.height} | `{snap.block_hash}` | {snap.endpoint} | {methods} |")
        lines.append("")
    lines += quorum_section(report.quorum)
    if report.source_failures:
        lines += ["## Data sources that could not answer", ""]
        for (network, height), error in sorted(report.source_failures.items()):
            lines.append(f"- {network} at {height}: {error}")
        lines.append("")
    bad_summary = [check for check in report.summary_checks if not check.ok]
    if bad_summary:
        lines += ["## Summary section vs detail rows", ""]
        lines += [f"- {check.describe()}" for check in bad_summary]
        lines.append("")
    if report.discrepancies:
        lines += [f"## Discrepancies ({report.discrepancies_total})", ""]
        for item in report.discrepancies[:DISCREPANCIES_IN_MARKDOWN]:
            lines.append("- " + item.describe())
        if report.discrepancies_total > DISCREPANCIES_IN_MARKDOWN:
            lines.append(f"- … {report.discrepancies_total - DISCREPANCIES_IN_MARKDOWN} more in findings.jsonl")
        lines.append("")
    if report.missing:
        lines += [f"## Balances that could not be read ({report.missing_total})", ""]
        for item in report.missing[:DISCREPANCIES_IN_MARKDOWN]:
            lines.append("- " + item.describe())
        if report.missing_total > DISCREPANCIES_IN_MARKDOWN:
            lines.append(f"- … {report.missing_total - DISCREPANCIES_IN_MARKDOWN} more in findings.jsonl")
        lines.append("")
    return "\n".join(lines)


def quorum_section(quorum: Mapping[str, Mapping[str, Any]]) -> list[str]:
    """Per network read through a provider quorum: each endpoint, its block hash and the figures it agreed on."""
    if not quorum:
        return []
    lines = ["## Provider quorum", "", "| network | quorum | endpoint | block hash | agreed | disputed | unread |",
             "|---|---:|---|---|---:|---:|---:|"]
    for network, record in sorted(quorum.items()):
        for endpoint in record["endpoints"]:
            why = cut(str(endpoint.get("left_out", ""))).replace("|", "/")
            block = f"`{endpoint['block_hash']}`" if endpoint["block_hash"] else f"left out: {why}"
            lines.append(f"| {network} | {record['quorum']} of {len(record['endpoints'])} | {endpoint['endpoint']} | "
                         f"{block} | {endpoint['agreed']} | {endpoint['disputed']} | {endpoint['unread']} |")
        lines.append(f"| {network} | | all | | {record['agreed']} | {record['disputed']} | {record['unread']} |")
    lines.append("")
    return lines


def freshness_section(report: ReserveReport) -> list[str]:
    """How much of each asset's verified reserves rests on statements naming the snapshot (auditor.freshness)."""
    settings = report.freshness
    require = bool(settings and settings.require_fresh)
    named = [part for part in (
        f"date {settings.snapshot_date.isoformat()}" if settings and settings.snapshot_date else "",
        f"nonce `{settings.snapshot_nonce}`" if settings and settings.snapshot_nonce else "") if part]
    lines = [
        "## Freshness of the ownership proofs", "",
        "A signature over fixed text proves control of the key at some time, not at the snapshot. A statement is "
        "fresh when it names the snapshot: " + ", ".join([*named, "the row's snapshot height"]) + ". "
        + ("Only reserves proven by fresh statements count toward the ratio (`[audit] require_fresh`); the rest "
           "is reported apart." if require else "The ratio counts all verified reserves "
                                                "(`[audit] require_fresh = true` would count only the fresh part)."),
        "",
        "| asset | on chain (verified) | on fresh proofs | not fresh | fresh share | counted toward the ratio |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for verdict in report.assets:
        totals = verdict.totals
        share = ratio(totals.onchain_verified_fresh, totals.onchain_verified) if totals.onchain_verified else None
        stale = CONTEXT.subtract(totals.onchain_verified, totals.onchain_verified_fresh)
        lines.append(f"| {verdict.asset} | {dec_str(totals.onchain_verified)} | "
                     f"{dec_str(totals.onchain_verified_fresh)} | {dec_str(stale)} | "
                     f"{percent(share) if share is not None else '-'} | "
                     f"{dec_str(verdict.reserves)} |")
    lines += ["", "| statement | classification | rows | verified rows |", "|---|---|---:|---:|"]
    for item in report.statement_freshness:
        if item.get("fresh") is None:
            words = "statements beyond those listed"
        else:
            words = (f"fresh: {item['basis']} `{item.get('evidence', '')}`" if item["fresh"] else "not fresh")
        text = f"`{cut(item['statement'])}`".replace("|", "\\|") if item["statement"] else "(no message)"
        lines.append(f"| {text} | {words} | {item['rows']} | {item.get('verified_rows', '-')} |")
    lines.append("")
    return lines


def percent(value: Decimal) -> str:
    """A ratio as the table shows it: 1.05 -> "105.00 %" (the ratio and the required ratio alike)."""
    return f"{value * 100:.2f} %"
