from decimal import Decimal

import pytest

from auditor.money import (
    add,
    amount_problem,
    dec_str,
    declared_whole_units,
    has_more_places_than,
    parse_amount,
    ratio,
    whole_units,
)


def test_whole_units_exact_for_huge_balances():
    expected = "115792089237316195423570985008687907853269984665640564039457.584007913129639935"
    assert whole_units(2**256 - 1, 18) == Decimal(expected)
    assert dec_str(whole_units(1, 18)) == "0.000000000000000001"
    assert dec_str(whole_units(12_500_000, 6)) == "12.5"
    assert dec_str(Decimal("1E+3")) == "1000" and dec_str(Decimal("0.000")) == "0"


def test_sums_across_decimals_do_not_round():
    total = add(whole_units(1, 6), whole_units(1, 18))
    assert dec_str(total) == "0.000001000000000001"


def test_declared_amounts():
    assert declared_whole_units("1500000000000000000", True, 18) == Decimal("1.5")
    assert declared_whole_units("1.5", False, 18) == Decimal("1.5")
    assert has_more_places_than(Decimal("0.1234567"), 6) and not has_more_places_than(Decimal("0.123456"), 6)


def test_ratio_never_overstated():
    assert ratio(Decimal(2), Decimal(3)) == Decimal("0.666666")
    assert ratio(Decimal(1), Decimal(0)) is None


@pytest.mark.parametrize("text", ["1e5", "1E-3", ".5e2", "2.E+1", "-1e5"])
def test_exponent_notation_is_refused_with_the_field_named(text):
    with pytest.raises(ValueError, match=r"^\[liabilities\] BTC: exponent notation is not accepted"):
        parse_amount(text, "[liabilities] BTC")
    assert amount_problem(text).startswith("exponent notation")


@pytest.mark.parametrize("text, problem", [
    ("1_000", "not a number"), ("NaN", "not a number"), ("Infinity", "not a number"), ("", "not a number"),
    ("0x10", "not a number"), ("-1", "negative amount"), ("1.5", "this layout gives base units"),
])
def test_other_non_amounts(text, problem):
    assert amount_problem(text, base_units=True).startswith(problem)


def test_plain_amounts_parse_exactly():
    assert parse_amount("100000", "x") == Decimal(100000) and parse_amount(" 0.001 ", "x") == Decimal("0.001")
    assert parse_amount(7, "x") == Decimal(7) and parse_amount(Decimal("1E+3"), "x") == Decimal(1000)
    assert parse_amount(".5", "x") == Decimal("0.5") and amount_problem("12.") == ""
    with pytest.raises(ValueError, match="must be a non-negative number"):
        parse_amount("-2", "x")
    with pytest.raises(ValueError, match="not floats"):
        parse_amount(0.1, "x")
