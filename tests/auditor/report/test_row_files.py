"""balances.csv (auditor/report/row_files.py): a figure's method is its stable name, where it was read and the
row's note are columns of their own, appended after the original ones so that readers by position still work."""

from __future__ import annotations

import csv
import io

from auditor.ownership import RowResult
from auditor.report import BALANCES_HEADER, BalancesCsv
from chains.base import AddressRow, BalanceQuery, Network, RowStatus

TRON = Network("TRON", "tron", "TRON", "TRX", 6)


def _result(line: int, method: str, read_at: int | None, note: str, amount: int | None, error: str = "") -> RowResult:
    result = RowResult(AddressRow(line, "USDT-TRC20", "TRON", f"T{line}"), RowStatus.VERIFIED, network=TRON,
                       query=BalanceQuery(f"T{line}", "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t"), height=812)
    result.onchain_base, result.onchain_method, result.balance_error = amount, method, error
    result.onchain_read_at, result.onchain_note = read_at, note
    return result


def test_read_at_and_note_are_appended_columns() -> None:
    assert BALANCES_HEADER[:8] == ["line", "network", "height", "address", "contract", "amount_base_units", "method",
                                   "error"]
    handle = io.StringIO()
    out = BalancesCsv(handle)
    out.write(_result(2, "trc20-balanceOf-rollback", 830, "3 events", 5_000_000))
    out.write(_result(3, "getaccountbalance", None, "", 7))
    out.write(_result(4, "", None, "", None, "timeout"))
    rows = list(csv.DictReader(io.StringIO(handle.getvalue())))
    assert [(r["method"], r["read_at"], r["note"], r["amount_base_units"]) for r in rows] == [
        ("trc20-balanceOf-rollback", "830", "3 events", "5000000"),
        ("getaccountbalance", "", "", "7"),  # read at the snapshot block: no read_at, never 0
        ("", "", "", ""),
    ]
    assert rows[2]["error"] == "timeout" and all(r["height"] == "812" for r in rows)
