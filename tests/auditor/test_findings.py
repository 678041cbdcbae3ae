import io
import json
from decimal import Decimal

from auditor.findings import (
    DeclaredVsOnchain,
    DuplicateRow,
    FailedRow,
    Finding,
    FindingLog,
    LiabilitiesMismatch,
    MissingBalance,
    QuorumDispute,
    RowRef,
    SummaryMismatch,
    cross_check_finding,
)
from auditor.reasons import Reason, ReasonKind


def _ref(line: int) -> RowRef:
    return RowRef(line, "ETH", "ETH", "0x" + "ab" * 20)


def test_every_finding_is_written_and_only_the_first_are_kept():
    handle = io.StringIO()
    log = FindingLog(handle, keep=2)
    for line in range(5):
        log.add(DeclaredVsOnchain(_ref(line), Decimal(1), Decimal(2)))
    log.add(MissingBalance(_ref(9), "timeout"))
    assert [item.to_json()["line"] for item in log.kept["discrepancy"]] == [0, 1]
    assert log.counts == {"discrepancy": 5, "missing": 1}
    written = [json.loads(line) for line in handle.getvalue().splitlines()]
    assert [w["line"] for w in written] == [0, 1, 2, 3, 4, 9] and written[-1]["finding"] == "missing"


def _every_kind() -> list[Finding]:
    """One finding of each type, with strings that differ per field so a word taken from the wrong one shows."""
    reason = [Reason(ReasonKind.PROOF_FAILED, "signature does not match the address", "signature1")]
    return [
        DeclaredVsOnchain(_ref(2), Decimal("1.5"), Decimal("1.25")),
        FailedRow(_ref(3), reason),
        DuplicateRow(_ref(4), reason),
        LiabilitiesMismatch("BTC", "10", "config", "12", "tree.json", "2"),
        SummaryMismatch(7, "BTC", "BTC rows", Decimal(3), Decimal(4)),
        # the shapes auditor.cross_check.run_findings yields (tests/auditor/test_cross_check.py builds them)
        cross_check_finding({"kind": "cross_check_unread", "file": "htx.csv", "reason": "no such file"}),
        cross_check_finding({"kind": "double_claim", "line": 5, "coin": "USDT", "network": "ETH",
                           "address": "0x" + "cd" * 20, "asset": "USDT", "overlap": "same address",
                           "claims": [{"exchange": "OKX", "file": "/a/okx.csv", "line": 5, "coin": "USDT",
                                       "network": "ETH", "declared": "5"},
                                      {"exchange": "HTX", "file": "/b/htx.csv", "line": 9, "coin": "USDT",
                                       "network": "ERC20", "declared": "4"}]}),
        QuorumDispute(_ref(6), 812, "0x" + "ef" * 32, (("https://a.example", Decimal("1.5"), ""),
                                                       ("https://b.example", None, "timeout"))),
        MissingBalance(_ref(8), "timeout"),
    ]


def test_every_finding_carries_its_report_line_as_text():
    """report.json and findings.jsonl hold each finding's own sentence, so no reader re-words it from its kind."""
    handle = io.StringIO()
    log = FindingLog(handle)
    findings = _every_kind()
    for finding in findings:
        log.add(finding)
    written = [json.loads(line) for line in handle.getvalue().splitlines()]
    assert [w["text"] for w in written] == [f.describe() for f in findings]
    for finding in findings:
        data = finding.to_json()
        assert data["text"] == finding.describe() and not data["text"].startswith("{")
        assert {k: v for k, v in data.items() if k != "text"} == finding.json_fields()
    dispute = findings[-2].to_json()["text"]
    assert "https://a.example says 1.5" in dispute and "https://b.example: timeout" in dispute
    assert findings[5].to_json()["text"] == "cross-check file not read: no such file"
