"""Stage 5 of the pipeline: what a run writes. One module per concept: `run_directory` (the atomic run
directory), `row_files` (addresses.csv and balances.csv, streamed as rows pass), `model` (ReserveReport: the
figures a report shows), `json_form` (report.json) and `markdown` (report.md)."""

from auditor.report.json_form import report_json, write_json
from auditor.report.markdown import render_markdown
from auditor.report.model import ROW_COUNT_KEYS, ReserveReport
from auditor.report.row_files import ADDRESSES_HEADER, BALANCES_HEADER, AddressesCsv, BalancesCsv
from auditor.report.run_directory import RunDirectory

__all__ = [
    "ADDRESSES_HEADER", "BALANCES_HEADER", "ROW_COUNT_KEYS", "AddressesCsv", "BalancesCsv", "ReserveReport",
    "RunDirectory", "render_markdown", "report_json", "write_json",
]
