import io
import json

from auditor.findings import FindingLog


def test_every_finding_is_written_and_only_the_first_are_kept():
    handle = io.StringIO()
    log = FindingLog(handle, keep=2)
    for line in range(5):
        log.add("discrepancy", {"line": line})
    log.add("missing", {"line": 9, "error": "timeout"})
    assert [item["line"] for item in log.kept["discrepancy"]] == [0, 1]
    assert log.counts == {"discrepancy": 5, "missing": 1}
    written = [json.loads(line) for line in handle.getvalue().splitlines()]
    assert [w["line"] for w in written] == [0, 1, 2, 3, 4, 9] and written[-1]["finding"] == "missing"
