"""The FRI checks on synthetic proofs built here: an honest one, a wrong fold, and a too-high degree."""

from __future__ import annotations

import random

from auditor.liabilities.stark import failures as names
from auditor.liabilities.stark.challenges import sample_indices
from auditor.liabilities.stark.field import PRIME, interpolate_at, root_of_unity
from auditor.liabilities.stark.fri import verify_low_degree
from auditor.liabilities.stark.proof_format import FriLayer
from tests.auditor.liabilities.stark.tree_helpers import branch, full_tree, word

DOMAIN = 1024
BOUND = 64  # one folding layer (64 -> 16), then 256 values sent in full


def evaluations(degree: int, seed: int) -> list[int]:
    rng = random.Random(seed)
    coefficients = [rng.randrange(PRIME) for _ in range(degree + 1)]
    omega = root_of_unity(DOMAIN)
    out = []
    for i in range(DOMAIN):
        x, value = pow(omega, i, PRIME), 0
        for c in reversed(coefficients):
            value = (value * x + c) % PRIME
        out.append(value)
    return out


def one_layer_proof(values: list[int], column_shift: int = 0) -> tuple[bytes, FriLayer, list[int]]:
    tree = full_tree([word(v) for v in values])
    fold_point = int.from_bytes(tree[1], "big") % PRIME
    quarter, omega = DOMAIN // 4, root_of_unity(DOMAIN)
    column = [(interpolate_at([pow(omega, y + quarter * j, PRIME) for j in range(4)],
                              [values[y + quarter * j] for j in range(4)], fold_point) + column_shift) % PRIME
              for y in range(quarter)]
    column_tree = full_tree([word(v) for v in column])
    samples = sample_indices(column_tree[1], quarter, 16, 16)
    layer = FriLayer(column_tree[1], tuple(tuple(branch(column_tree, y)) for y in samples),
                     tuple(tuple(branch(tree, y + quarter * j)) for y in samples for j in range(4)))
    return tree[1], layer, column


def test_honest_low_degree_proof_passes():
    root, layer, column = one_layer_proof(evaluations(BOUND - 1, 1))
    assert verify_low_degree(root, DOMAIN, BOUND, [layer], column) == []


def test_column_not_matching_the_rows_fails_the_folding_check():
    # every column value shifted by 1: still low degree and correctly committed, but not the fold of the rows
    root, layer, column = one_layer_proof(evaluations(BOUND - 1, 2), column_shift=1)
    found = verify_low_degree(root, DOMAIN, BOUND, [layer], column)
    assert {f.check for f in found} == {names.FRI_FOLDING}
    assert len(found) == 16 and "layer 0, sample 0" in found[0].detail


def test_too_high_degree_fails_the_last_layer():
    root, layer, column = one_layer_proof(evaluations(4 * BOUND, 3))
    found = verify_low_degree(root, DOMAIN, BOUND, [layer], column)
    assert [f.check for f in found] == [names.FRI_LAST_DEGREE]


def test_wrong_layer_count_is_a_format_failure():
    root, layer, column = one_layer_proof(evaluations(BOUND - 1, 4))
    found = verify_low_degree(root, DOMAIN, 4 * BOUND, [layer], column)
    assert [f.check for f in found] == [names.FORMAT]
