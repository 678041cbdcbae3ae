"""Arithmetic in the Stark252 prime field (p = 2^251 + 17·2^192 + 1) that OKX's proofs live in.

Only what a verifier needs: roots of unity for the power-of-two evaluation domains, and evaluating the unique
interpolating polynomial through a handful of points at one other point (Lagrange form, so no coefficients are
ever built).
"""

from __future__ import annotations

from collections.abc import Sequence

PRIME = 2**251 + 17 * 2**192 + 1
GENERATOR = 3  # generates the multiplicative group; p - 1 = 2^192 · odd, so domains up to 2^192 points exist
TWO_ADICITY = 192


def inverse(value: int) -> int:
    if value % PRIME == 0:
        raise ZeroDivisionError("0 has no inverse in the field")
    return pow(value, -1, PRIME)


def root_of_unity(order: int) -> int:
    """A primitive `order`-th root of unity, `order` a power of two: GENERATOR^((p-1)/order)."""
    if order < 1 or order & (order - 1) or order > 2**TWO_ADICITY:
        raise ValueError(f"no root of unity of order {order} (a power of two up to 2^{TWO_ADICITY} is needed)")
    return pow(GENERATOR, (PRIME - 1) // order, PRIME)


def interpolate_at(xs: Sequence[int], ys: Sequence[int], at: int) -> int:
    """The value at `at` of the polynomial of degree < len(xs) through the points (xs[i], ys[i])."""
    if len(xs) != len(ys) or len(set(xs)) != len(xs):
        raise ValueError("interpolation needs as many distinct x as y values")
    for x, y in zip(xs, ys, strict=True):  # `at` on a node: that node's value (the product below would be 0/0)
        if (x - at) % PRIME == 0:
            return y % PRIME
    numerator_sum, common_denominator = 0, 1  # Σ n_i / d_i kept as one fraction: a single inversion
    for i, (xi, yi) in enumerate(zip(xs, ys, strict=True)):
        numerator, denominator = yi, 1
        for j, xj in enumerate(xs):
            if j != i:
                numerator = numerator * (at - xj) % PRIME
                denominator = denominator * (xi - xj) % PRIME
        numerator_sum = (numerator_sum * denominator + numerator * common_denominator) % PRIME
        common_denominator = common_denominator * denominator % PRIME
    return numerator_sum * inverse(common_denominator) % PRIME
