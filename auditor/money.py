"""Exact money: integers in base units on chain, Decimal in whole units in reports. Never float."""

from __future__ import annotations

import decimal
import re
from decimal import ROUND_DOWN, Decimal
from typing import overload

# Enough digits for any sum of uint256 balances with 18 decimals, so additions never round; the reader refuses
# amounts beyond MAX_DIGITS, so no input can reach the limit (and Inexact is trapped in case one did).
CONTEXT = decimal.Context(prec=200, rounding=ROUND_DOWN, traps=[decimal.InvalidOperation, decimal.Inexact])
MAX_DIGITS = 80  # digits before or after the point that an amount in a file may have
RATIO_PLACES = Decimal("0.000001")
# How an amount is written: digits with at most one point. Decimal() alone would also take "1e5", "1E-3",
# "1_000", "NaN", "Infinity": none is how an exchange writes a balance, and "1e5" may be a mangled 1.5.
PLAIN_AMOUNT = re.compile(r"\d+\.?\d*|\.\d+")
_EXPONENT = re.compile(r"(\d+\.?\d*|\.\d+)[eE][-+]?\d+")


def whole_units(base_units: int, decimals: int) -> Decimal:
    """`base_units` of a token with `decimals` decimals, in whole units, exactly."""
    return Decimal(base_units).scaleb(-decimals, CONTEXT)


def declared_whole_units(amount: str, in_base_units: bool, decimals: int) -> Decimal:
    """A declared amount from a file, in whole units (the reader has already checked it is a number)."""
    value = Decimal(amount)
    return value.scaleb(-decimals, CONTEXT) if in_base_units else value


add = CONTEXT.add  # exact a + b (Inexact trapped); the bound method itself: sums run several times per row


def covers(reserves: Decimal, required_ratio: Decimal, liabilities: Decimal) -> bool:
    """reserves >= required_ratio x liabilities, exactly (the product of two MAX_DIGITS-bounded numbers has at
    most 4 x MAX_DIGITS digits, so this context never rounds it)."""
    wide = decimal.Context(prec=4 * MAX_DIGITS + 10, traps=[decimal.InvalidOperation, decimal.Inexact])
    return reserves >= wide.multiply(required_ratio, liabilities)


def ratio(numerator: Decimal, denominator: Decimal) -> Decimal | None:
    """numerator / denominator rounded down to 6 places (a ratio is never overstated), None for /0."""
    if denominator == 0:
        return None
    context = decimal.Context(prec=100, rounding=ROUND_DOWN)
    return context.divide(numerator, denominator).quantize(RATIO_PLACES, rounding=ROUND_DOWN, context=context)


@overload
def dec_str(value: Decimal) -> str: ...
@overload
def dec_str(value: None) -> None: ...
def dec_str(value: Decimal | None) -> str | None:
    """Plain decimal notation without exponent or trailing zeros: Decimal("12.500") -> "12.5"."""
    if value is None:
        return None
    if value == 0:
        return "0"
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def has_more_places_than(value: Decimal, decimals: int) -> bool:
    """True when a whole-unit amount has more fractional digits than the token can hold."""
    exponent = value.normalize(CONTEXT).as_tuple().exponent
    return isinstance(exponent, int) and -exponent > decimals


def amount_problem(text: str, base_units: bool = False) -> str:
    """Why `text` is not an amount as a file or config may write it ("" if it is one): plain decimal digits,
    non-negative, at most MAX_DIGITS digits before or after the point, an integer when `base_units`."""
    negative = text.startswith("-")
    digits = text[1:] if negative else text
    if not PLAIN_AMOUNT.fullmatch(digits):  # (this runs once per row: the usual case first)
        if _EXPONENT.fullmatch(digits):
            return f"exponent notation is not accepted, write the digits out: {text[:40]!r}"
        return f"not a number: {text[:40]!r}"
    if negative:
        return f"negative amount: {text[:40]!r}"
    value = Decimal(digits)
    places = -int(value.as_tuple().exponent)  # an int: PLAIN_AMOUNT admits no NaN or Infinity
    if value and (value.adjusted() >= MAX_DIGITS or places > MAX_DIGITS):
        return f"implausible amount (more than {MAX_DIGITS} digits before or after the point): {text[:40]!r}"
    if base_units and value != value.to_integral_value():
        return f"this layout gives base units (integers), got {text[:40]!r}"
    return ""


def parse_amount(value: object, where: str) -> Decimal:
    """An amount or ratio written in a config: a string or an integer, plain digits (no exponent), non-negative,
    at most MAX_DIGITS digits before or after the point. TOML floats are refused, because 0.1 is not exact
    there. ValueError says why, prefixed by `where`."""
    if isinstance(value, (bool, float)):
        raise ValueError(f"{where}: write amounts as strings (\"1.05\"), not floats, so they stay exact")
    if isinstance(value, Decimal):
        text = format(value, "f")  # plain digits ("1E+3" -> "1000"); NaN and Infinity stay words
    elif isinstance(value, int):
        text = str(value)
    elif isinstance(value, str):
        text = value.strip()
    else:
        raise ValueError(f"{where}: not a number: {value!r}")
    problem = amount_problem(text)
    if problem.startswith("negative"):
        raise ValueError(f"{where}: must be a non-negative number, got {value!r}")
    if problem:
        raise ValueError(f"{where}: {problem}")
    return Decimal(text)
