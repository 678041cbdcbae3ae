"""report.html (auditor/html_report.py) in a real headless Chromium: the run directory of a real `auditor demo`
(anvil chains, signed file, full audit), rendered and loaded from disk with no network. Checked: no console
error and no request but the file itself, the reserve and per-network tables show report.json's figures, the
address search finds an address typed as a user would, and a run of 200,000 rows stays usable (load, search,
paging). Each test writes a screenshot into its tmp dir."""

from __future__ import annotations

import asyncio
import csv
import json
import shutil
from decimal import Decimal
from pathlib import Path

import pytest

from auditor.cli import main
from auditor.findings import FailedRow, QuorumDispute, RowRef, cross_check_finding
from auditor.html_report import PAGE_SIZE, write_html_report
from auditor.reasons import Reason, ReasonKind
from tests.auditor.html_rows import assert_streamed_rows_match_the_csv_files
from tests.nodes.chromium import CHROMIUM, Chromium

pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="needs Debian's chromium (apt-get install -y chromium)")


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("demo")
    assert main(["demo", "--out", str(out)]) == 0
    return (out / "latest").resolve()


def _copy(run: Path, target: Path) -> Path:
    shutil.copytree(run, target)
    return target


def _addresses(run: Path) -> list[dict[str, str]]:
    with (run / "addresses.csv").open(newline="") as handle:
        return list(csv.DictReader(handle))


def _plain(text: str) -> str:
    return text.replace(",", "").strip()


async def _load(tmp_path: Path, html: Path):
    browser = Chromium(tmp_path)
    await browser.__aenter__()
    try:
        page = await browser.open(html.as_uri())
        await page.wait_for("document.querySelector('#addresses tbody tr') !== null")
    except BaseException:
        await browser.__aexit__(None, None, None)
        raise
    return browser, page


def test_the_runs_streamed_rows_are_what_the_csv_files_give(demo_run):
    assert_streamed_rows_match_the_csv_files(demo_run)


def test_report_html_shows_the_audit(demo_run, tmp_path):
    run = _copy(demo_run, tmp_path / "run")
    html = write_html_report(run)
    report = json.loads((run / "report.json").read_text())
    rows = _addresses(run)
    target = rows[len(rows) // 2]

    async def check() -> None:
        browser, page = await _load(tmp_path, html)
        try:
            reserves = await page.evaluate(
                "Array.from(document.querySelectorAll('#reserves tbody tr')).map(tr => "
                "[tr.dataset.asset, ...Array.from(tr.querySelectorAll('td')).map(td => td.textContent)])")
            assert [r[0] for r in reserves] == sorted(report["assets"])
            for asset, verified, onchain, declared, liabilities, ratio, required, result in reserves:
                figures = report["assets"][asset]
                assert _plain(verified) == figures["onchain_verified"] and _plain(onchain) == figures["onchain"]
                assert _plain(declared) == figures["declared"]
                assert _plain(liabilities.split("(")[0]) == figures["liabilities"]
                # the demo's tree proves a zero BTC liability: no ratio, shown as "-"
                assert ratio == (f"{Decimal(figures['ratio']) * 100:.2f} %" if figures["ratio"] is not None else "-")
                assert result == ("PASS" if figures["ok"] else result)
                assert required == f"{Decimal(figures['required_ratio']) * 100:.2f} %"  # a percentage, like the ratio
            networks = await page.evaluate(
                "Array.from(document.querySelectorAll('table.network tbody tr')).map(tr => "
                "[tr.closest('table').dataset.network, tr.querySelector('th').textContent, "
                "tr.querySelector('td').textContent])")
            expected = sorted((n, a, v["onchain_verified"]) for a, f in report["assets"].items()
                              for n, v in f["networks"].items())
            assert sorted((n, a, _plain(v)) for n, a, v in networks) == expected
            assert await page.evaluate("document.getElementById('ratio-history').naturalWidth") > 0
            assert await page.evaluate("document.getElementById('matches').textContent") == \
                f"{len(rows)} of {len(rows)} rows"
            # search as a user types it: part of the address, in lower case
            same_address = [r for r in rows if r["address"] == target["address"]]  # one row per coin it holds
            await page.type_into("#search", target["address"][2:14].lower())
            await page.wait_for(f"document.getElementById('matches').textContent.startsWith('{len(same_address)} of')")
            shown = await page.evaluate("Array.from(document.querySelectorAll('#addresses tbody tr')).map(tr => "
                                        "Array.from(tr.children).map(td => td.textContent))")
            assert [s[0] for s in shown] == [r["line"] for r in same_address]
            for cells, row in zip(shown, same_address, strict=True):
                assert cells[3] == target["address"] and cells[5] == row["onchain"]
            await page.screenshot(tmp_path / "report.png")
            assert page.console_errors() == []
            # nothing fetched but the page itself (the chart is an inline data: URI)
            assert [u for u in page.requested_urls() if not u.startswith("data:")] == [html.as_uri()]
        finally:
            await browser.__aexit__(None, None, None)

    asyncio.run(check())
    assert (tmp_path / "report.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_hostile_cells_stay_text(demo_run, tmp_path):
    """An address or finding holding markup is shown as text: no script runs, no element is injected."""
    run = _copy(demo_run, tmp_path / "run")
    hostile = "</script><script>window.pwned=1</script><img src=x onerror=window.pwned=2>"
    report = json.loads((run / "report.json").read_text())
    failed = FailedRow(RowRef(10, "ETH", "ETH", hostile), [Reason(ReasonKind.INPUT, hostile)])
    report["discrepancies"] = [failed.to_json()]
    report["discrepancies_total"] = 1
    (run / "report.json").write_text(json.dumps(report))
    rows = _addresses(run)
    rows[0]["address"] = hostile
    with (run / "addresses.csv").open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    html = write_html_report(run)

    async def check() -> None:
        browser, page = await _load(tmp_path, html)
        try:
            assert await page.evaluate("window.pwned === undefined")
            assert hostile in await page.evaluate("document.getElementById('findings').textContent")
            assert await page.evaluate("document.querySelector('#addresses tbody td:nth-child(4)').textContent") \
                == hostile
            assert page.console_errors() == []
            await page.screenshot(tmp_path / "hostile.png")
        finally:
            await browser.__aexit__(None, None, None)

    asyncio.run(check())


def test_findings_read_as_their_own_sentences(demo_run, tmp_path):
    """A quorum dispute and a cross-check finding show the sentence report.md has (the `text` report.json keeps
    for each finding), not their data as JSON, and the page words no finding from its kind."""
    run = _copy(demo_run, tmp_path / "run")
    row = RowRef(4, "ETH", "ETH", "0x" + "ab" * 20)
    findings = [
        QuorumDispute(row, 812, "0x" + "ef" * 32, (("https://a.example", Decimal("1.5"), ""),
                                                  ("https://b.example", None, "timeout"))),
        # the shape auditor.cross_check.run_findings yields for a listed file it cannot read
        cross_check_finding({"kind": "cross_check_unread", "file": "htx.csv", "reason": "htx.csv: no such file"}),
    ]
    report = json.loads((run / "report.json").read_text())
    report["discrepancies"] = [finding.to_json() for finding in findings]
    report["discrepancies_total"] = len(findings)
    (run / "report.json").write_text(json.dumps(report))
    html = write_html_report(run)

    async def check() -> None:
        browser, page = await _load(tmp_path, html)
        try:
            shown = await page.evaluate("Array.from(document.querySelectorAll('#findings ul.findings li'))"
                                        ".map(li => [li.className, li.textContent])")
            assert shown == [[f.kind, f.describe()] for f in findings]
            assert not any("{" in text for _, text in shown)
        finally:
            await browser.__aexit__(None, None, None)

    asyncio.run(check())


def test_two_hundred_thousand_rows_stay_usable(demo_run, tmp_path):
    run = _copy(demo_run, tmp_path / "run")
    template = _addresses(run)
    count = 200_000
    with (run / "addresses.csv").open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(template[0]))
        writer.writeheader()
        for i in range(count):
            row = dict(template[i % len(template)])
            row["line"] = str(i + 2)
            row["address"] = f"0x{i:040x}"
            writer.writerow(row)
    (run / "balances.csv").write_text("line,network,height,address,contract,amount_base_units,method,error\n")
    html = write_html_report(run)
    wanted = f"0x{150_001:040x}"

    async def check() -> None:
        browser, page = await _load(tmp_path, html)
        try:
            assert page.load_seconds < 30, page.load_seconds
            assert await page.evaluate("document.querySelectorAll('#addresses tbody tr').length") == PAGE_SIZE
            assert await page.evaluate("document.getElementById('matches').textContent") == \
                f"{count:,} of {count:,} rows"
            await page.evaluate("document.getElementById('next').click()")
            assert await page.evaluate("document.querySelector('#addresses tbody td').textContent") == \
                str(PAGE_SIZE + 2)
            await page.type_into("#search", wanted)
            await page.wait_for("document.getElementById('matches').textContent.startsWith('1 of')")
            assert await page.evaluate("document.querySelector('#addresses tbody td:nth-child(4)').textContent") \
                == wanted
            assert page.console_errors() == []
            await page.screenshot(tmp_path / "large.png", full_page=False)
        finally:
            await browser.__aexit__(None, None, None)

    asyncio.run(check())


def test_verify_run_has_no_balances_to_show(tmp_path):
    """`auditor verify` (ownership only) writes no liabilities and reads no balance: the page says so."""
    demo_file = Path(__file__).resolve().parents[2] / "configs" / "demo-data" / "okx_por_demo.csv"
    # the demo's Litecoin rows are regtest addresses, which only its config's registry overrides accept: without
    # them (as `auditor verify` runs) they would fail, so this run verifies the EVM rows and their summary
    evm_only = tmp_path / "okx_por_demo_evm.csv"
    evm_only.write_text("".join(line for line in demo_file.read_text().splitlines(keepends=True)
                                if not line.startswith("LTC")))
    assert main(["verify", str(evm_only), "--out", str(tmp_path / "out")]) == 0
    (run,) = (tmp_path / "out").glob("2*")
    html = write_html_report(run)
    report = json.loads((run / "report.json").read_text())
    assert report["liabilities"] is None and report["tool"]["mode"] == "verify"

    async def check() -> None:
        browser, page = await _load(tmp_path, html)
        try:
            cells = await page.evaluate("Array.from(document.querySelectorAll('#reserves tbody tr')).map(tr => "
                                        "Array.from(tr.querySelectorAll('td')).map(td => td.textContent))")
            assert len(cells) == len(report["assets"])
            assert all(c[0] == c[1] == "not read" and c[4] == "-" for c in cells)
            assert await page.evaluate("document.getElementById('matches').textContent") == \
                f"{report['rows']['total']} of {report['rows']['total']} rows"
            assert page.console_errors() == []
            await page.screenshot(tmp_path / "verify.png")
        finally:
            await browser.__aexit__(None, None, None)

    asyncio.run(check())


def test_the_method_cell_says_where_a_figure_was_read_and_the_rows_note(tmp_path):
    """balances.csv's read_at and note columns reach the address table beside the method's name."""
    from auditor.html_report import _methods
    from auditor.report import BALANCES_HEADER

    path = tmp_path / "balances.csv"
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=BALANCES_HEADER)
        writer.writeheader()
        writer.writerow({"line": "2", "method": "trc20-balanceOf-rollback", "read_at": "812", "note": "3 events"})
        writer.writerow({"line": "3", "method": "xrpl-account_info", "note": "no account at this ledger"})
        writer.writerow({"line": "4", "method": "multicall3"})
        writer.writerow({"line": "5", "error": "timeout"})
    assert _methods(path) == {"2": ("trc20-balanceOf-rollback at 812 (3 events)", ""),
                              "3": ("xrpl-account_info (no account at this ledger)", ""),
                              "4": ("multicall3", ""), "5": ("", "timeout")}
