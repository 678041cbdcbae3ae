"""The algebraic checks at one spot-check point x: the trace constraints of OKX's liabilities STARK.

Trace layout (steps rows, one block of `uts` rows per user, block 0 an all-zero padding user), g the trace step,
n = steps / uts users, x_0 = g^(uts-1) (last row of block 0), x_end = g^(steps-1) (last row):

- column t: rows 0..uts-2 of a block hold the user's net total written in base 4, most significant digit first
  (row 0 is 0, each next row is 4·previous + a digit 0..3), so row uts-2 holds the user's total, forced into
  [0, 4^(uts-2)); row uts-1 holds the running sum of the totals of all users so far;
- column b_c per coin: row uts-2 holds the user's balance in coin c, row uts-1 the running sum of that coin
  (constrained for the first `main_coin_count` coins only).

Each constraint C(x) = 0 on its rows is proven by a committed quotient q = C / Z (Z vanishing on those rows),
checked here as C(x) = q(x)·Z(x) at a random x; the low-degree test then shows q is a polynomial:

1. user start:  t(x) = q_1 · (x^n - 1)                                    rows 0 of each block
2. range:       Π_{d=0..3} (t(xg) - 4t(x) - d) = q_2 · (x^steps - 1) / ((x^n - g^{n(uts-2)})(x^n - g^{n(uts-1)}))
3. running sum: t(x·g^uts) - t(x·g^(uts-1)) - t(x) = q_3 · (x^n - g^{n(uts-1)}) / (x - x_end)
4. boundary:    t(x) - I(x) = q_4 · (x - x_0)(x - x_end), I the line through (x_0, 0) and (x_end, total_value)
5, 6. per main coin c, the same running sum and boundary on b_c with the published sum of c.

The combination value l(x) must equal Σ_j (k_{2j} + k_{2j+1}·x^(3·steps))·v_j + q_2(x) over the columns
v = t, b_1..b_C, id, q_1, q_3, q_4 and the coin quotients, with weights k from the proof-of-work nonce.
"""

from __future__ import annotations

from dataclasses import dataclass

from auditor.liabilities.stark import failures as names
from auditor.liabilities.stark.failures import Failure
from auditor.liabilities.stark.field import PRIME, inverse, root_of_unity
from auditor.liabilities.stark.proof_format import PublishedSums, SpotEntry

BLOWUP = 16


@dataclass(frozen=True)
class TraceDomain:
    steps: int
    uts: int

    @property
    def users(self) -> int:
        return self.steps // self.uts

    @property
    def size(self) -> int:  # the evaluation domain, steps·BLOWUP points
        return self.steps * BLOWUP

    @property
    def omega(self) -> int:
        return root_of_unity(self.size)

    @property
    def step(self) -> int:  # g
        return pow(self.omega, BLOWUP, PRIME)

    def neighbours(self, position: int) -> tuple[int, int, int, int]:
        """Domain indices of x, x·g, x·g^(uts-1), x·g^uts for x = omega^position."""
        return tuple((position + BLOWUP * k) % self.size for k in (0, 1, self.uts - 1, self.uts))  # type: ignore


def weight_count(coin_count: int, main_coin_count: int) -> int:
    return 2 * (coin_count + 5 + 2 * main_coin_count)


def check_spot(number: int, position: int, spot: SpotEntry, combination: int, domain: TraceDomain,
               sums: PublishedSums, main_coin_count: int, weights: list[int]) -> list[Failure]:
    p, g, n = PRIME, domain.step, domain.users
    x = pow(domain.omega, position, p)
    where = f"spot {number} (domain index {position})"
    t, t_next = spot.at_x.total, spot.at_next_row.total
    t_prev_user, t_next_user = spot.at_previous_user.total, spot.at_next_user.total
    q = spot.quotients
    x_n = pow(x, n, p)
    x_0, x_end = pow(g, domain.uts - 1, p), pow(g, domain.steps - 1, p)
    total_rows = pow(g, n * (domain.uts - 2), p)  # x^n equals this on the rows holding a user's total
    sum_rows = pow(g, n * (domain.uts - 1), p)  # ... and this on the running-sum rows
    z_sum = (x_n - sum_rows) * inverse(x - x_end) % p
    z_bounds = (x - x_0) * (x - x_end) % p
    to_line = (x - x_0) * inverse(x_end - x_0) % p  # I(x) = value · to_line

    found = []

    def expect(check: str, left: int, right: int, what: str = "") -> None:
        if (left - right) % p:
            found.append(Failure(check, f"{where}{what}: the constraint does not hold"))

    expect(names.USER_START, t, q[0] * (x_n - 1))
    digit = t_next - 4 * t
    range_product = digit * (digit - 1) % p * (digit - 2) % p * (digit - 3) % p
    z_range = (pow(x, domain.steps, p) - 1) * inverse((x_n - total_rows) * (x_n - sum_rows)) % p
    expect(names.RANGE, range_product, q[1] * z_range)
    expect(names.TOTAL_ACCUMULATION, t_next_user - t_prev_user - t, q[2] * z_sum)
    expect(names.TOTAL_BOUNDARY, t - sums.total * to_line, q[3] * z_bounds)
    here, prev_user, next_user = spot.at_x.balances, spot.at_previous_user.balances, spot.at_next_user.balances
    for c in range(main_coin_count):
        coin = f", coin {c} ({sums.coins[c]})"
        expect(names.COIN_ACCUMULATION, next_user[c] - prev_user[c] - here[c], q[4 + 2 * c] * z_sum, coin)
        expect(names.COIN_BOUNDARY, here[c] - sums.values[c] * to_line, q[5 + 2 * c] * z_bounds, coin)

    columns = [t, *here, spot.at_x.user_id, q[0], q[2], q[3], *q[4:]]
    shift = pow(x, 3 * domain.steps, p)
    combined = q[1] + sum((weights[2 * j] + weights[2 * j + 1] * shift) * v for j, v in enumerate(columns))
    expect(names.LINEAR_COMBINATION, combination, combined)
    return found
