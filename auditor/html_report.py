"""report.html beside report.md: one self-contained page (inline CSS and JS, the chart as a data: URI, no
network fetch) for the people who read an audit in a browser.

Rendered from the run directory alone: report.json (reserve table, what each ratio rests on, per-network
tables, snapshot blocks, findings), ratios.svg (the ratio history), addresses.csv and balances.csv (the address
table). The address table holds every detail row: they are embedded as compact JSON (repeated strings such as
coin, network, status, reason and method become indexes into per-column dictionaries) and rendered one page at
a time by the script, so a file of hundreds of thousands of rows stays usable. Everything else is static HTML,
escaped here; the page works with scripts off except for the address table.
"""

from __future__ import annotations

import base64
import csv
import json
import os
import shutil
from collections.abc import Iterator, Mapping
from decimal import Decimal, InvalidOperation
from html import escape
from pathlib import Path
from typing import IO, Any

from auditor.errors import ExitCode

PAGE_SIZE = 100
# addresses.csv columns, then balances.csv's method and error for the same line; the ones that repeat a lot are
# dictionary-encoded
ADDRESS_COLUMNS = ("line", "coin", "network", "address", "declared", "onchain", "status", "reason", "scheme",
                   "method", "error")
ENCODED = frozenset({"coin", "network", "status", "reason", "scheme", "method", "error"})
FINDINGS_SHOWN = 1000


def write_html_report(run_dir: Path, rows: AddressRowData | None = None) -> Path:
    """Write `run_dir/report.html` from the files of a finished (or `.partial`) run directory; returns its path.
    `rows`: the address rows already encoded while the run wrote them (else read back from the CSV files)."""
    run_dir = Path(run_dir)
    report = json.loads((run_dir / "report.json").read_text(encoding="utf-8"))
    target = run_dir / "report.html"
    temporary = run_dir / ".report.html.tmp"
    with temporary.open("w", encoding="utf-8") as out:
        out.write(_head(report))
        out.write(_body(report, run_dir))
        out.write('<script type="application/json" id="address-data">')
        if rows is not None:
            rows.copy_into(out)
        else:
            _write_address_data(out, run_dir)
        out.write("</script>\n<script>")
        out.write(SCRIPT)
        out.write("</script>\n</body>\n</html>\n")
    os.replace(temporary, target)
    return target


# --- static parts --------------------------------------------------------------------------------------------


def _head(report: Mapping[str, Any]) -> str:
    name = Path(str(_part(report, "input").get("file", "audit"))).name
    return (
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        # no fetch of any kind: the policy forbids everything but inline styles, inline scripts and data: images
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; "
        "script-src 'unsafe-inline'; img-src data:\">\n"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
        f"<title>Proof-of-reserves audit: {escape(name)}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n"
    )


def _body(report: Mapping[str, Any], run_dir: Path) -> str:
    parts = [_summary(report), _reserve_table(report), _basis(report), _freshness(report), _history(run_dir),
             _networks(report),
             _snapshots(report), _findings(report), _address_section()]
    return "\n".join(p for p in parts if p)


def _summary(report: Mapping[str, Any]) -> str:
    source = _part(report, "input")
    run = _part(report, "run")
    code = report.get("exit_code")
    rows = _part(report, "rows")
    status = "ok" if code == ExitCode.OK else "bad"
    return (
        f"<header><h1>Proof-of-reserves audit: {escape(Path(str(source.get('file', ''))).name)}</h1>\n"
        f"<p>Input <code>{escape(str(source.get('file', '')))}</code> (layout {escape(str(source.get('layout', '')))}, "
        f"sha256 <code>{escape(str(source.get('sha256', '')))}</code>), run {escape(str(run.get('started_at', '')))}"
        f" to {escape(str(run.get('finished_at', '')))}.</p>\n"
        f"<p class=\"verdict {status}\" id=\"exit-code\">Exit code {escape(str(code))}: "
        f"{escape(ExitCode(code).meaning if code in set(ExitCode) else 'unknown')}</p>\n"
        f"<p>Rows: {_n(rows.get('total'))} total, {_n(rows.get('verified'))} verified, {_n(rows.get('failed'))} "
        f"failed, {_n(rows.get('unchecked'))} unchecked, {_n(rows.get('duplicate'))} duplicate.</p></header>"
    )


def _reserve_table(report: Mapping[str, Any]) -> str:
    lines = ["<section><h2>Reserves</h2>", '<table id="reserves"><thead><tr><th>asset</th><th>on chain (verified)'
             "</th><th>on chain (all)</th><th>declared</th><th>liabilities</th><th>ratio</th><th>required</th>"
             "<th>result</th></tr></thead><tbody>"]
    for asset, figures in sorted(_part(report, "assets").items()):
        not_read = _verify_mode(report)
        problems = figures.get("problems") or []
        result = "PASS" if figures.get("ok") else "FAIL" + (": " + "; ".join(map(str, problems)) if problems else "")
        proven = "proven" if figures.get("liabilities_verified") else "declared"
        liabilities = figures.get("liabilities")
        owed = f"{_amount(liabilities)} <span class=\"note\">({proven})</span>" if liabilities is not None else "-"
        lines.append(
            f'<tr data-asset="{escape(asset)}"><th scope="row">{escape(asset)}</th>'
            f"<td class=\"num\">{'not read' if not_read else _amount(figures.get('onchain_verified'))}</td>"
            f"<td class=\"num\">{'not read' if not_read else _amount(figures.get('onchain'))}</td>"
            f"<td class=\"num\">{_amount(figures.get('declared'))}</td><td class=\"num\">{owed}</td>"
            f"<td class=\"num ratio\">{_percent(figures.get('ratio'))}</td>"
            f"<td class=\"num\">{_percent(figures.get('required_ratio'))}</td>"
            f"<td class=\"{'ok' if figures.get('ok') else 'bad'}\">{escape(result)}</td></tr>")
    lines.append("</tbody></table></section>")
    return "\n".join(lines)


def _basis(report: Mapping[str, Any]) -> str:
    reserves = ("<li><strong>Reserves</strong>: not read (<code>auditor verify</code> checks ownership signatures "
                "only, no balance is read).</li>") if _verify_mode(report) else (
        "<li><strong>Reserves</strong> (numerator, <em>on chain (verified)</em>): balances read on chain at the "
        "snapshot block, of the addresses whose ownership signature verified. Unverified rows count only in "
        "<em>on chain (all)</em>.</li>")
    if (report.get("freshness") or {}).get("require_fresh"):
        reserves += ("<li>With <code>[audit] require_fresh</code>, the numerator is only the part of the verified "
                     "reserves proven by fresh statements (see <a href=\"#freshness\">Freshness</a>); the rest is "
                     "not counted.</li>")
    lines = ["<section><h2>What each ratio rests on</h2><ul>", reserves]
    liabilities = _part(_part(report, "liabilities"), "assets")
    for asset, figures in sorted(_part(report, "assets").items()):
        basis = liabilities.get(asset, {})
        proven = "proven" if figures.get("liabilities_verified") else "not proven"
        how = basis.get("how") or figures.get("liabilities_source") or "no liabilities figure"
        counts = figures.get("addresses", {})
        lines.append(
            f"<li><strong>{escape(asset)}</strong>: liabilities {_amount(figures.get('liabilities'))}, "
            f"<strong>{proven}</strong>: {escape(str(how))}. Addresses: {_n(counts.get('total'))} "
            f"({_n(counts.get('verified'))} verified, {_n(counts.get('failed'))} failed, "
            f"{_n(counts.get('unchecked'))} unchecked, {_n(counts.get('missing_balance'))} without a balance).</li>")
    for proof in _part(report, "liabilities").get("proofs") or []:
        where = Path(str(proof.get("path", ""))).name
        lines.append(f"<li>Proof ({escape(str(proof.get('kind', '')))} <code>{escape(where)}</code>): "
                     f"<strong>{escape(str(proof.get('status', '')))}</strong>. "
                     f"{escape(str(proof.get('detail', ''))[:500])}</li>")
    lines.append("</ul></section>")
    return "\n".join(lines)


def _freshness(report: Mapping[str, Any]) -> str:
    """How much of each asset's verified reserves rests on statements naming the snapshot (auditor.freshness)."""
    settings = report.get("freshness")
    if _verify_mode(report) or not isinstance(settings, Mapping):
        return ""
    require = bool(settings.get("require_fresh"))
    lines = ['<section id="freshness"><h2>Freshness of the ownership proofs</h2>',
             "<p>A signature over fixed text proves control of the key at some time, not at the snapshot. A statement "
             "is fresh when it names the snapshot (its date, the row's snapshot height, or the nonce published with "
             "it). " + ("Only reserves proven by fresh statements count toward the ratio; the rest is shown apart."
                        if require else "The ratio counts all verified reserves.") + "</p>",
             '<table id="fresh-reserves"><thead><tr><th>asset</th><th>on chain (verified)</th><th>on fresh proofs</th>'
             "<th>not fresh</th><th>fresh share</th><th>counted toward the ratio</th></tr></thead><tbody>"]
    for asset, figures in sorted(_part(report, "assets").items()):
        fresh = figures.get("fresh") or {}
        lines.append(f'<tr data-asset="{escape(asset)}"><th scope="row">{escape(asset)}</th>'
                     f"<td class=\"num\">{_amount(figures.get('onchain_verified'))}</td>"
                     f"<td class=\"num fresh\">{_amount(fresh.get('onchain_verified'))}</td>"
                     f"<td class=\"num\">{_amount(fresh.get('onchain_verified_not_fresh'))}</td>"
                     f"<td class=\"num\">{_percent(fresh.get('share'))}</td>"
                     f"<td class=\"num\">{_amount(figures.get('reserves_counted'))}</td></tr>")
    lines.append('</tbody></table><table id="statements"><thead><tr><th>signed statement</th><th>classification</th>'
                 "<th>rows</th><th>verified rows</th></tr></thead><tbody>")
    for item in settings.get("statements") or []:
        if item.get("fresh") is None:
            words = "statements beyond those listed"
        else:
            words = f"fresh: {item.get('basis')} {item.get('evidence', '')}" if item.get("fresh") else "not fresh"
        lines.append(f"<tr><td><code>{escape(str(item.get('statement', '')))}</code></td>"
                     f"<td class=\"{'ok' if item.get('fresh') else 'bad'}\">{escape(words)}</td>"
                     f"<td class=\"num\">{_n(item.get('rows'))}</td>"
                     f"<td class=\"num\">{_n(item.get('verified_rows'))}</td></tr>")
    lines.append("</tbody></table></section>")
    return "\n".join(lines)


def _history(run_dir: Path) -> str:
    chart = run_dir / "ratios.svg"
    if not chart.exists():
        return ""
    # An <img> with a data: URI: the SVG is shown, never run (no script in it can execute), and nothing is fetched.
    encoded = base64.b64encode(chart.read_bytes()).decode()
    return ("<section><h2>Reserve ratio history</h2>"
            f'<img id="ratio-history" alt="reserve ratio per asset over the last runs" '
            f'src="data:image/svg+xml;base64,{encoded}"></section>')


def _networks(report: Mapping[str, Any]) -> str:
    by_network: dict[str, list[tuple[str, Mapping[str, Any]]]] = {}
    for asset, figures in sorted(_part(report, "assets").items()):
        for network, values in sorted((figures.get("networks") or {}).items()):
            by_network.setdefault(network, []).append((asset, values))
    rows = _part(report, "rows_by_network")
    if not by_network and not rows:
        return ""
    lines = ["<section><h2>Per network</h2>"]
    for network in sorted(set(by_network) | set(rows)):
        counts = rows.get(network, {})
        schemes = ", ".join(f"{name} ({n})" for name, n in sorted((counts.get("schemes") or {}).items()))
        lines.append(
            f'<h3>{escape(network)}</h3><p>Rows: {_n(counts.get("total"))} ({_n(counts.get("verified"))} verified, '
            f'{_n(counts.get("failed"))} failed, {_n(counts.get("unchecked"))} unchecked, '
            f'{_n(counts.get("duplicate"))} duplicate). Schemes: {escape(schemes or "-")}.</p>')
        if network in by_network:
            lines.append(f'<table class="network" data-network="{escape(network)}"><thead><tr><th>asset</th>'
                         "<th>on chain (verified)</th><th>on chain (all)</th><th>declared</th></tr></thead><tbody>")
            not_read = _verify_mode(report)
            for asset, values in by_network[network]:
                lines.append(f"<tr><th scope=\"row\">{escape(asset)}</th>"
                             f"<td class=\"num\">{'not read' if not_read else _amount(values.get('onchain_verified'))}"
                             f"</td><td class=\"num\">{'not read' if not_read else _amount(values.get('onchain'))}</td>"
                             f"<td class=\"num\">{_amount(values.get('declared'))}</td></tr>")
            lines.append("</tbody></table>")
    lines.append("</section>")
    return "\n".join(lines)


def _snapshots(report: Mapping[str, Any]) -> str:
    snapshots = _part(report, "snapshot")
    if not snapshots:
        return ""
    lines = ["<section><h2>Snapshot blocks</h2><table><thead><tr><th>network</th><th>height</th><th>block hash</th>"
             "<th>endpoint</th><th>balances read by</th></tr></thead><tbody>"]
    for network, snapshot in sorted(snapshots.items()):
        methods = ", ".join(f"{m} ({n})" for m, n in sorted((snapshot.get("methods") or {}).items()))
        lines.append(f"<tr><th scope=\"row\">{escape(network)}</th><td class=\"num\">{_n(snapshot.get('height'))}</td>"
                     f"<td><code>{escape(str(snapshot.get('block_hash', '')))}</code></td>"
                     f"<td>{escape(str(snapshot.get('endpoint', '')))}</td><td>{escape(methods or '-')}</td></tr>")
    lines.append("</tbody></table></section>")
    return "\n".join(lines)


def _findings(report: Mapping[str, Any]) -> str:
    lines = ['<section id="findings"><h2>Findings</h2>']
    errors = report.get("data_source_errors") or []
    if errors:
        lines.append("<h3>Data sources that could not answer</h3><ul>")
        lines += [f"<li>{escape(_text(e))}</li>" for e in errors[:FINDINGS_SHOWN]]
        lines.append("</ul>")
    mismatches = [c for c in report.get("summary_checks") or [] if not c.get("ok", True)]
    if mismatches:
        lines.append("<h3>Summary section mismatches</h3><ul>")
        lines += [f"<li>line {escape(str(c.get('line')))} {escape(str(c.get('coin')))}: summary "
                  f"{escape(str(c.get('summary')))}, detail rows {escape(str(c.get('detail')))}, on chain "
                  f"{escape(str(c.get('onchain')))}</li>" for c in mismatches]
        lines.append("</ul>")
    for key, total_key, title in (("discrepancies", "discrepancies_total", "Discrepancies"),
                                  ("missing_balances", "missing_balances_total", "Balances not read")):
        items = report.get(key) or []
        total = report.get(total_key, len(items))
        if not items:
            continue
        lines.append(f"<h3>{title} ({_n(total)})</h3><ul class=\"findings\">")
        # the kind only labels the item (a class to style or select by); the words are the finding's own
        lines += [f"<li{_kind_class(item)}>{escape(_describe(item))}</li>" for item in items[:FINDINGS_SHOWN]]
        if total > min(len(items), FINDINGS_SHOWN):
            lines.append(f"<li>… {_n(total - min(len(items), FINDINGS_SHOWN))} more in findings.jsonl</li>")
        lines.append("</ul>")
    if len(lines) == 1:
        lines.append('<p class="ok">No discrepancy, no unread balance, no failed data source.</p>')
    lines.append("</section>")
    return "\n".join(lines)


def _address_section() -> str:
    return (
        '<section><h2>Addresses</h2>\n<div class="controls"><label>Search <input id="search" type="search" '
        'placeholder="address, coin, network, reason…" autocomplete="off"></label> '
        '<label>Status <select id="status"><option value="">any</option></select></label> '
        '<button id="prev" type="button">‹ previous</button> <span id="page"></span> '
        '<button id="next" type="button">next ›</button> <span id="matches"></span></div>\n'
        '<table id="addresses"><thead><tr><th>line</th><th>coin</th><th>network</th><th>address</th><th>declared'
        "</th><th>on chain</th><th>status</th><th>reason</th><th>scheme</th><th>read by</th></tr></thead>"
        '<tbody></tbody></table><noscript>The address table needs JavaScript; addresses.csv has every row.'
        "</noscript></section>"
    )


def _describe(item: Mapping[str, Any]) -> str:
    """A finding's report line: the `text` it carries (auditor.findings.Finding.to_json), never re-worded here
    from its kind; a record without one (an older report.json) is shown as its data."""
    text = item.get("text")
    return text if isinstance(text, str) else _text(item)


def _kind_class(item: Mapping[str, Any]) -> str:
    kind = item.get("kind")
    return f' class="{escape(kind)}"' if isinstance(kind, str) and kind else ""


def _part(container: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    """A section of report.json; absent and null (e.g. liabilities in `auditor verify`) read as empty."""
    value = container.get(key)
    return value if isinstance(value, Mapping) else {}


def _verify_mode(report: Mapping[str, Any]) -> bool:
    return _part(report, "tool").get("mode") == "verify"


def _text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, sort_keys=True)


def _n(value: Any) -> str:
    return escape(f"{value:,}" if isinstance(value, int) and not isinstance(value, bool) else str(value or 0))


def _amount(value: Any) -> str:
    """A decimal string as published, with thousands separators (never through float)."""
    if value is None or value == "":
        return "-"
    text = str(value)
    whole, dot, fraction = text.partition(".")
    if whole.lstrip("-").isdigit():
        sign = "-" if whole.startswith("-") else ""
        whole = sign + f"{int(whole.lstrip('-')):,}"
    return escape(whole + dot + fraction)


def _percent(value: Any) -> str:
    if value is None:
        return "-"
    try:
        return f"{Decimal(str(value)) * 100:.2f} %"
    except InvalidOperation:
        return escape(str(value))


# --- the address rows ----------------------------------------------------------------------------------------


def _write_address_data(out: IO[str], run_dir: Path) -> None:
    """{"columns": [...], "rows": [[...], ...], "dicts": {column: [values]}} streamed into `out` from a run
    directory's addresses.csv and balances.csv; `</` is escaped so no cell can close the script element."""
    out.write(_ROWS_OPEN)
    encoder = _RowEncoder(out)
    for cells in _address_cells(run_dir):
        line = cells[0]
        cells[0] = int(line) if line.isdigit() else line
        encoder.add(cells)
    out.write(encoder.close())


_ROWS_OPEN = '{"columns":' + json.dumps(ADDRESS_COLUMNS) + ',"rows":['


class _RowEncoder:
    """Rows (cells in ADDRESS_COLUMNS order) written to `out` as JSON a block at a time (one json.dumps per block,
    not per row: ~3x less time on a 600k-row file), the ENCODED columns as indexes into per-column lists;
    `close` returns what ends the object: the lists."""

    BLOCK = 20_000

    def __init__(self, out: IO[str]) -> None:
        self._out = out
        self._tables: list[tuple[int, dict[str, int]]] = [
            (index, {}) for index, name in enumerate(ADDRESS_COLUMNS) if name in ENCODED
        ]
        self._block: list[list[Any]] = []
        self._first = True

    def add(self, cells: list[Any]) -> None:
        for index, table in self._tables:
            cells[index] = table.setdefault(cells[index], len(table))
        self._block.append(cells)
        if len(self._block) >= self.BLOCK:
            self._flush()

    def _flush(self) -> None:
        if self._block:
            text = json.dumps(self._block, separators=(",", ":"), ensure_ascii=False)[1:-1]  # the rows, no brackets
            self._out.write(("" if self._first else ",") + _safe(text))
            self._first = False
            self._block.clear()

    def close(self) -> str:
        self._flush()
        encoded = {ADDRESS_COLUMNS[index]: list(table) for index, table in self._tables}
        return '],"dicts":' + _safe(json.dumps(encoded, separators=(",", ":"), ensure_ascii=False)) + "}"


class AddressRowData:
    """report.html's address rows encoded as a run writes them (the same JSON as `_write_address_data` makes
    from the finished CSV files, without reading 600k rows back at the end, when nothing else runs): `add`
    takes each row's cells in ADDRESS_COLUMNS order; blocks of rows go to a scratch file beside the report;
    `copy_into` writes the whole object into report.html and removes the scratch file."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._handle = path.open("w", encoding="utf-8")
        self._encoder = _RowEncoder(self._handle)

    def add(self, cells: list[Any]) -> None:
        self._encoder.add(cells)

    def copy_into(self, out: IO[str]) -> None:
        end = self._encoder.close()
        self._handle.close()
        out.write(_ROWS_OPEN)
        with self.path.open(encoding="utf-8") as handle:
            shutil.copyfileobj(handle, out, 1 << 20)
        out.write(end)
        self.path.unlink(missing_ok=True)


def method_shown(method: str, read_at: str, note: str) -> str:
    """The method column of report.html: the method with where it was read (balances.csv's read_at, "" when at
    the snapshot block) and the row's note, e.g. "trc20-balanceOf-rollback at 812 (3 events)"."""
    return method + (f" at {read_at}" if read_at else "") + (f" ({note})" if note else "")


def _safe(text: str) -> str:
    return text.replace("</", "<\\/").replace("<!--", "<\\!--")


def _address_cells(run_dir: Path) -> Iterator[list[Any]]:
    """Per addresses.csv row, its cells in ADDRESS_COLUMNS order, the method and error from balances.csv."""
    path = run_dir / "addresses.csv"
    if not path.exists():
        return
    methods = _methods(run_dir / "balances.csv")
    unread = ("", "")
    with path.open(encoding="utf-8", newline="") as handle:
        records = csv.reader(handle)
        header = next(records, [])
        where = {name: index for index, name in enumerate(header)}
        picks = [where.get(name, -1) for name in ADDRESS_COLUMNS if name not in ("method", "error")]
        line_at = where.get("line", -1)
        for record in records:
            record.append("")  # index -1: a column the file lacks
            cells: list[Any] = [record[index] for index in picks]
            cells.extend(methods.get(record[line_at], unread))
            yield cells


def _methods(path: Path) -> dict[str, tuple[str, str]]:
    """line -> (method, error) from balances.csv (strings interned: a few distinct methods for many lines); the
    method is shown with where it was read and the row's note, e.g. "trc20-balanceOf-rollback at 812 (3 events)"."""
    found: dict[str, tuple[str, str]] = {}
    if not path.exists():
        return found
    seen: dict[tuple[str, str, str, str], tuple[str, str]] = {}
    with path.open(encoding="utf-8", newline="") as handle:
        records = csv.reader(handle)
        where = {name: index for index, name in enumerate(next(records, []))}
        line, method, error, read_at, note = (where.get(name, -1) for name in ("line", "method", "error", "read_at",
                                                                                  "note"))
        for record in records:
            record.append("")  # index -1: a column the file lacks
            key = (record[method], record[read_at], record[note], record[error])
            pair = seen.get(key)
            if pair is None:
                pair = seen[key] = (method_shown(key[0], key[1], key[2]), key[3])
            found[record[line]] = pair
    return found


STYLE = """
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:2em auto;max-width:1200px;padding:0 1em;
color:#1a1a1a;line-height:1.4}
h1{font-size:1.5em}h2{border-bottom:1px solid #ccc;padding-bottom:.2em;margin-top:1.6em}
table{border-collapse:collapse;margin:.5em 0;font-size:.92em}th,td{border:1px solid #ddd;padding:.3em .6em;
text-align:left;vertical-align:top}thead th{background:#f3f3f3}td.num{text-align:right;font-variant-numeric:
tabular-nums;white-space:nowrap}code{font-size:.9em;word-break:break-all}.ok{color:#17692a;font-weight:600}
.bad{color:#b00020;font-weight:600}.verdict{padding:.5em .8em;border-radius:4px;background:#f6f6f6}
.note{color:#666;font-weight:normal}.controls{margin:.5em 0;display:flex;gap:.6em;align-items:center;
flex-wrap:wrap}#search{width:24em;padding:.3em}#addresses td:nth-child(4){font-family:monospace;
word-break:break-all}#addresses td.st-failed{color:#b00020}#addresses td.st-verified{color:#17692a}
img#ratio-history{max-width:100%;height:auto;border:1px solid #eee}
"""

SCRIPT = """
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("address-data").textContent);
  var cols = data.columns, dicts = data.dicts, rows = data.rows, PAGE = __PAGE_SIZE__;
  var index = {};
  cols.forEach(function (name, i) { index[name] = i; });
  function cell(row, name) {
    var v = row[index[name]];
    return dicts[name] ? dicts[name][v] : v;
  }
  // One lower-case search string per row, built once (cheap to filter hundreds of thousands of rows).
  var haystack = rows.map(function (row) {
    return [cell(row, "line"), cell(row, "coin"), cell(row, "network"), cell(row, "address"),
            cell(row, "status"), cell(row, "reason"), cell(row, "scheme"), cell(row, "method")].join(" ").toLowerCase();
  });
  var statusSelect = document.getElementById("status");
  (dicts.status || []).forEach(function (value) {
    if (!value) { return; }
    var option = document.createElement("option");
    option.value = value; option.textContent = value;
    statusSelect.appendChild(option);
  });
  var search = document.getElementById("search"), body = document.querySelector("#addresses tbody");
  var pageLabel = document.getElementById("page"), matchesLabel = document.getElementById("matches");
  var matches = [], page = 0;
  function filter() {
    var terms = search.value.toLowerCase().split(/\\s+/).filter(Boolean);
    var status = statusSelect.value, statusCode = status ? (dicts.status || []).indexOf(status) : -1;
    matches = [];
    for (var i = 0; i < rows.length; i++) {
      if (status && rows[i][index.status] !== statusCode) { continue; }
      var text = haystack[i], ok = true;
      for (var t = 0; t < terms.length; t++) { if (text.indexOf(terms[t]) < 0) { ok = false; break; } }
      if (ok) { matches.push(i); }
    }
    page = 0;
    render();
  }
  function render() {
    var pages = Math.max(1, Math.ceil(matches.length / PAGE));
    if (page >= pages) { page = pages - 1; }
    var fragment = document.createDocumentFragment();
    matches.slice(page * PAGE, page * PAGE + PAGE).forEach(function (i) {
      var row = rows[i], tr = document.createElement("tr");
      var method = cell(row, "method"), error = cell(row, "error");
      [cell(row, "line"), cell(row, "coin"), cell(row, "network"), cell(row, "address"), cell(row, "declared"),
       cell(row, "onchain"), cell(row, "status"), cell(row, "reason"), cell(row, "scheme"),
       error ? (method ? method + ": " : "") + error : method].forEach(function (value, c) {
        var td = document.createElement("td");
        td.textContent = value === undefined || value === null ? "" : String(value);
        if (c === 0 || c === 4 || c === 5) { td.className = "num"; }
        if (c === 6) { td.className = "st-" + value; }
        tr.appendChild(td);
      });
      fragment.appendChild(tr);
    });
    body.replaceChildren(fragment);
    pageLabel.textContent = "page " + (page + 1) + " of " + pages;
    matchesLabel.textContent = matches.length.toLocaleString("en") + " of " + rows.length.toLocaleString("en") +
      " rows";
    document.getElementById("prev").disabled = page === 0;
    document.getElementById("next").disabled = page >= pages - 1;
  }
  var timer = null;
  search.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(filter, 150); });
  statusSelect.addEventListener("change", filter);
  document.getElementById("prev").addEventListener("click", function () { page--; render(); });
  document.getElementById("next").addEventListener("click", function () { page++; render(); });
  filter();
}());
""".replace("__PAGE_SIZE__", str(PAGE_SIZE))
