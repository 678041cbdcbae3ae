"""OKX's three-coin balances (BTC, ETH, USDT) as they appear in its Merkle-sum files: decimal strings hashed as
written, so the exact text matters as much as the value."""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from auditor.liabilities.errors import ProofInputError, ProofRejected
from auditor.money import CONTEXT

OKX_COINS = ("BTC", "ETH", "USDT")
_NUMBER = re.compile(r"-?[0-9]{1,40}(\.[0-9]{1,40})?")  # bounded: sums stay exact in money.CONTEXT
HEX64 = re.compile(r"[0-9a-f]{64}")


def parse_amount(text: Any, where: str, field: str) -> Decimal:
    """A balance string: a plain decimal number, never negative (a negative leaf would hide a liability)."""
    if not isinstance(text, str) or not _NUMBER.fullmatch(text):
        raise ProofInputError(f"{where}: field '{field}': not a plain decimal string of at most 40+40 digits: "
                              f"{str(text)[:60]!r}")
    value = Decimal(text)
    if text.startswith("-"):  # "-0" included: not a balance OKX would write
        raise ProofRejected(f"{where}: field '{field}': negative balance {text}")
    return value


def parse_balances(data: Any, where: str, field: str = "balances") -> tuple[tuple[str, ...], tuple[Decimal, ...]]:
    """An object with exactly the keys BTC, ETH, USDT -> (texts, values) in that order."""
    if not isinstance(data, Mapping):
        raise ProofInputError(f"{where}: field '{field}': expected an object with {', '.join(OKX_COINS)}")
    if set(data) != set(OKX_COINS):
        raise ProofInputError(f"{where}: field '{field}': expected exactly the keys {', '.join(OKX_COINS)}, "
                              f"got {', '.join(sorted(map(str, data)))}")
    texts = tuple(data[coin] for coin in OKX_COINS)
    values = tuple(parse_amount(text, where, f"{field}.{coin}") for coin, text in zip(OKX_COINS, texts, strict=True))
    return texts, values


def okx_text(value: Decimal) -> str:
    """How OKX's verifier prints a sum (Go shopspring decimal `String()`): no trailing zeros, no exponent, "0"
    for zero. Used to rebuild nodes a proof path does not list. OKX also rounds each sum down to 8 places; we
    never round: a sum with more places prints in full, and a hash made from a rounded one will not match."""
    if value == 0:
        return "0"
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def add_all(a: tuple[Decimal, ...], b: tuple[Decimal, ...]) -> tuple[Decimal, ...]:
    return tuple(CONTEXT.add(x, y) for x, y in zip(a, b, strict=True))


def balances_json(texts: tuple[str, ...]) -> str:
    """The compact JSON object OKX hashes for a user (`{"BTC":"…","ETH":"…","USDT":"…"}`), from the strings."""
    return "{" + ",".join(f'"{coin}":"{text}"' for coin, text in zip(OKX_COINS, texts, strict=True)) + "}"
