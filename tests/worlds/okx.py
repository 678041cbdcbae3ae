"""One chain's share of an OKX-layout address file, and the file itself."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

MESSAGE = "I am an OKX address"
HEADER = ["coin", "Network", "Snapshot Height", "address", "amount", "message", "signature1", "signature2",
          "redeem script/ public key", " eoa1", " eoa2"]


def whole(base: int, decimals: int) -> Decimal:
    """Base units as an exact whole-unit Decimal."""
    return Decimal(base).scaleb(-decimals)


def text(amount: Decimal) -> str:
    """An amount as the file writes it: plain digits, no exponent."""
    return format(amount.normalize(), "f")


@dataclass
class Part:
    """One network's rows, and per asset (the report's asset code) the exact whole-unit total of those rows'
    accounts at the snapshot and at the tip (the tip differs: money moved after the snapshot)."""

    network: str  # the [networks.X] code the rows resolve to
    height: int  # the snapshot height in the rows
    rows: list[list[str]] = field(default_factory=list)
    at_snapshot: dict[str, Decimal] = field(default_factory=dict)
    at_tip: dict[str, Decimal] = field(default_factory=dict)


def write_file(path: Path, rows: Iterable[Sequence[object]], summary: Sequence[Sequence[str]] = ()) -> Path:
    """An OKX file: an optional summary section (coin, snapshot height, amount), then the detail rows, each padded
    to the 11-column header."""
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        if summary:
            writer.writerow(["coin", "snapshot height", "amount"])
            writer.writerows(summary)
            writer.writerow([])
        writer.writerow(HEADER)
        for row in rows:
            writer.writerow([*row, *[""] * (len(HEADER) - len(row))])
    return path
