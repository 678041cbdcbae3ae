"""What a mixed audit should report, from the parts that built its file, and the run's outputs read back."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable
from decimal import Decimal
from pathlib import Path
from typing import Any

from tests.worlds.okx import Part, text


def totals(parts: Iterable[Part], tip: bool = False) -> dict[str, Decimal]:
    """Per asset, the exact sum over every part (at the snapshot, or at the tip)."""
    summed: dict[str, Decimal] = {}
    for part in parts:
        for asset, amount in (part.at_tip if tip else part.at_snapshot).items():
            summed[asset] = summed.get(asset, Decimal(0)) + amount
    return summed


def liabilities(parts: Iterable[Part]) -> str:
    """A [liabilities] table owing exactly the snapshot totals (ratio 1 when every figure is the snapshot's)."""
    return "[liabilities]\n" + "".join(f'{asset} = "{text(amount)}"\n' for asset, amount in totals(parts).items())


def erc20_overrides(contracts: dict[str, str]) -> str:
    """[registry.tokens.X] tables pointing each ERC-20 token code at the test's own deployment."""
    return "".join(f'[registry.tokens.{code}]\ncontract = "{address}"\n' for code, address in contracts.items())


def outputs(out: Path) -> tuple[dict[str, Any], list[dict[str, str]]]:
    """report.json and the rows of addresses.csv of the run written to `out/latest`."""
    report = json.loads((out / "latest" / "report.json").read_text())
    with (out / "latest" / "addresses.csv").open(newline="") as handle:
        return report, list(csv.DictReader(handle))
