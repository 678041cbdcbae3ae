"""addresses.csv and balances.csv: one line per row, written as the rows stream past. Fields from the input
are cut when over-long (auditor.reasons.cut), never copied whole."""

from __future__ import annotations

import csv
from typing import IO, Any

from auditor.money import dec_str
from auditor.ownership import RowResult
from auditor.reasons import LONG_FIELD, LONG_REASON, cut

ADDRESSES_HEADER = ["line", "coin", "network", "address", "declared", "onchain", "status", "reason", "scheme"]
# read_at: where the figure was read when not at `height` (a later block rolled back, a ledger version, a slot)
BALANCES_HEADER = ["line", "network", "height", "address", "contract", "amount_base_units", "method", "error",
                   "read_at", "note"]


class AddressesCsv:
    """addresses.csv, one line per input detail row."""

    def __init__(self, handle: IO[str]) -> None:
        self._writer = csv.writer(handle, lineterminator="\n")
        self._writer.writerow(ADDRESSES_HEADER)

    def write(self, result: RowResult) -> list[Any]:
        """Write the row's line; returns its cells (report.html's row data starts from them)."""
        reason = result.reason if result.reasons else ""  # most rows have none: skip the join
        if result.balance_error:
            reason = f"{reason}; balance unavailable: {result.balance_error}" if reason else (
                f"balance unavailable: {result.balance_error}"
            )
        row = result.row
        coin, address = row.coin, row.address
        cells: list[Any] = [
            row.line,
            coin if len(coin) <= LONG_FIELD else cut(coin),  # cut() only where it cuts: this runs per row
            result.network.code if result.network else cut(row.network),
            address if len(address) <= LONG_FIELD else cut(address),
            "" if result.declared is None else dec_str(result.declared),
            "" if result.onchain is None else dec_str(result.onchain),
            result.status,  # a StrEnum: written as its value
            reason if len(reason) <= LONG_REASON else cut(reason, LONG_REASON),
            result.scheme,
        ]
        self._writer.writerow(cells)
        return cells


class BalancesCsv:
    """balances.csv: every balance read, in base units, with the method that gave it, so that another party
    can re-derive each figure (and see which came from a roll-back rather than a direct read)."""

    def __init__(self, handle: IO[str]) -> None:
        self._writer = csv.writer(handle, lineterminator="\n")
        self._writer.writerow(BALANCES_HEADER)

    def write(self, result: RowResult) -> None:
        if result.query is None or result.network is None:
            return
        amount = "" if result.onchain_base is None else str(result.onchain_base)
        self._writer.writerow([
            result.row.line, result.network.code, result.height, cut(result.query.address),
            result.query.contract or "", amount, result.onchain_method, cut(result.balance_error),
            "" if result.onchain_read_at is None else result.onchain_read_at, result.onchain_note,
        ])
