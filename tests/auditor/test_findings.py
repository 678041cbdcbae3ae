import io
import json
from decimal import Decimal

from auditor.findings import DeclaredVsOnchain, FindingLog, MissingBalance, RowRef


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
