"""`auditor verify` on every published file in ../shared/data: each detail row of the file gets exactly one
verdict in addresses.csv, and report.json / report.md count them per network without losing any."""

from __future__ import annotations

import csv
import json
from collections import Counter
from pathlib import Path

import pytest

from auditor.audit import verify_file
from auditor.formats.layouts import detect_layout
from tests.conftest import SHARED, needs_shared

FILES = [
    SHARED / "okx" / "okx_por_example.csv",
    SHARED / "okx" / "okx_por_staking_example.csv",
    SHARED / "okx" / "test.csv",
    SHARED / "htx" / "huobi_por.csv",
]
STATUSES = ("verified", "failed", "unchecked", "duplicate")


def detail_lines(path: Path) -> dict[int, list[str]]:
    """Line number -> record of every detail row, read independently of auditor.formats: the records after
    the header that has an address column."""
    rows: dict[int, list[str]] = {}
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle)
        in_detail = False
        for record in reader:
            line = reader.line_num
            if not any(cell.strip() for cell in record):
                continue
            if not in_detail:
                in_detail = detect_layout(record) is not None
                continue
            rows[line] = record
    return rows


def _run(path: Path, out: Path, workers: int = 1) -> tuple[dict, list[dict[str, str]], str]:
    outcome = verify_file(needs_shared(path), out, workers=workers)
    report = json.loads((outcome.directory / "report.json").read_text())
    with (outcome.directory / "addresses.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    return report, rows, (outcome.directory / "report.md").read_text()


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_every_detail_row_has_one_verdict_and_counts_add_up(path, tmp_path):
    report, rows, markdown = _run(path, tmp_path)
    expected = detail_lines(path)
    assert expected, "no detail rows found"
    assert [int(r["line"]) for r in rows] == sorted(expected)  # each row once, in file order, none missing
    for row in rows:
        assert row["status"] in STATUSES, row
        if row["status"] in ("failed", "unchecked"):
            assert row["reason"].strip(), row
    counts = Counter(r["status"] for r in rows)
    assert report["rows"] == {"total": len(expected), **{s: counts.get(s, 0) for s in STATUSES}}
    by_network = report["rows_by_network"]
    assert sum(n["total"] for n in by_network.values()) == len(expected)
    for name, network in by_network.items():
        assert network["total"] == sum(network[s] for s in STATUSES), name
        assert network["total"] == sum(1 for r in rows if (r["network"] or "(no network)") == name), name
    for status in STATUSES:
        assert sum(n[status] for n in by_network.values()) == report["rows"][status]
    assert "| network | rows | verified | failed | unchecked | duplicate | schemes |" in markdown
    for name, network in by_network.items():
        assert f"| {name} | {network['total']} | {network['verified']} |" in markdown


@pytest.mark.parametrize("path", FILES[:3], ids=lambda p: p.name)
def test_okx_files_have_no_failed_row(path, tmp_path):
    """Every signature OKX published is valid; rows of chains not (yet) supported are unchecked, not failed."""
    report, rows, _ = _run(path, tmp_path)
    assert report["rows"]["failed"] == 0, [r for r in rows if r["status"] == "failed"]


def test_okx_batch_layout_rows(tmp_path):
    """test.csv (OKX's batch-verifier layout): every row verifies, except EOS and Starknet, which prove keys whose
    accounts need the chain."""
    report, rows, _ = _run(SHARED / "okx" / "test.csv", tmp_path)
    assert report["input"]["layout"] == "okx-2025"
    by_network = {r["network"]: r for r in rows}
    assert by_network["EOS"]["scheme"] == "okx-eos" and by_network["EOS"]["status"] == "unchecked"
    assert "active or owner permission" in by_network["EOS"]["reason"]
    assert by_network["STARKNET"]["scheme"].startswith("okx-stark") and by_network["STARKNET"]["status"] == "unchecked"
    for network, row in by_network.items():
        if network not in ("EOS", "STARKNET"):
            assert row["status"] == "verified", row


def test_htx_file_uses_htx_schemes(tmp_path):
    """HTX's rows are checked with HTX's digests (SCHEMES.md 10-12), and the only failed rows are those HTX
    published without a signature."""
    path = SHARED / "htx" / "huobi_por.csv"
    report, rows, _ = _run(path, tmp_path, workers=2)  # worker processes load the HTX registry too
    assert report["input"]["layout"] == "htx"
    records = detail_lines(path)
    signature_column = 5
    for row in rows:
        signed = records[int(row["line"])][signature_column].strip() not in ("", "-")
        if row["status"] == "failed":
            assert not signed, row
        if row["network"] == "TRON" and signed:
            assert row["scheme"].startswith("htx-tron-"), row
        if row["network"] == "ETH" and signed:
            assert row["scheme"] in ("eip191(message)", "keccak(message)"), row
    assert report["rows_by_network"]["TRON"]["schemes"].keys() <= {"htx-tron-raw", "htx-tron-hashed"}
    assert report["rows"]["verified"] > 0
