"""Declared liabilities: figures the exchange states (inline in the config or a CSV/JSON file). Nothing proves
them; an audit says so, and compares them with any verified proof."""

from __future__ import annotations

import csv
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

from auditor import money
from auditor.liabilities.errors import LiabilitiesConfigError


def parse_amount(value: Any, where: str) -> Decimal:
    """Amounts: strings or integers, exact (auditor.money.parse_amount)."""
    try:
        return money.parse_amount(value, where)
    except ValueError as exc:
        raise LiabilitiesConfigError(str(exc)) from None


def read_liabilities_file(path: Path) -> dict[str, Decimal]:
    """`asset,amount` CSV (header optional) or a JSON object {asset: amount}. Amounts in whole units."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise LiabilitiesConfigError(f"{path}: cannot read liabilities: {exc.strerror or exc}") from exc
    amounts: dict[str, Decimal] = {}
    if path.suffix.lower() == ".json":
        try:
            data = json.loads(text, parse_float=Decimal)
        except ValueError as exc:
            raise LiabilitiesConfigError(f"{path}: not valid JSON: {exc}") from exc
        if not isinstance(data, dict):
            raise LiabilitiesConfigError(f"{path}: expected an object {{asset: amount}}")
        for asset, value in data.items():
            amounts[asset.upper()] = parse_amount(value, f"{path}: {asset}")
        return amounts
    for number, record in enumerate(csv.reader(text.splitlines()), start=1):
        if not record or not "".join(record).strip():
            continue
        if len(record) < 2:
            raise LiabilitiesConfigError(f"{path}:{number}: expected asset,amount")
        asset, value = record[0].strip(), record[1].strip()
        if number == 1 and asset.lower() in ("asset", "coin", "currency"):
            continue
        if asset.upper() in amounts:  # two figures for one asset: which one the exchange meant is unknowable
            raise LiabilitiesConfigError(f"{path}:{number}: asset {asset} is listed twice")
        amounts[asset.upper()] = parse_amount(value, f"{path}:{number}: field 'amount'")
    return amounts
