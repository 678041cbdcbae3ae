from decimal import Decimal

from auditor.money import add, dec_str, declared_whole_units, has_more_places_than, ratio, whole_units


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
