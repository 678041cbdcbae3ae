"""A check shared by the tests of whole runs: report.html's address rows, encoded while the run wrote them
(auditor.html_report.AddressRowData), are byte for byte what the finished CSV files give (the path
write_html_report takes without them)."""

from __future__ import annotations

import io
from pathlib import Path

from auditor.html_report import _write_address_data


def assert_streamed_rows_match_the_csv_files(run: Path) -> None:
    html = (run / "report.html").read_text(encoding="utf-8")
    streamed = html.split('<script type="application/json" id="address-data">', 1)[1].split("</script>", 1)[0]
    from_csv = io.StringIO()
    _write_address_data(from_csv, run)
    assert streamed == from_csv.getvalue()
    assert not list(run.glob(".address-data*"))  # the scratch file is gone
