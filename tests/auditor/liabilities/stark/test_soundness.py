"""What OKX's zk-STARK v1 format cannot prove, shown by a forgery: its FRI takes the query positions once, from
the first layer's root, and reduces them in every later layer, so a prover that has committed layer 1 knows all
later positions and can commit a low-degree interpolant through just those values. A function of degree ~4095
then passes a test meant to bound it by 1024. This is why auditor.liabilities.stark_source never reports the
STARK sums as proven. (A verifier drawing fresh positions per layer rejects OKX's own published proofs.)"""

from __future__ import annotations

import random

from auditor.liabilities.stark.challenges import sample_indices
from auditor.liabilities.stark.field import PRIME, interpolate_at, root_of_unity
from auditor.liabilities.stark.fri import SAMPLES, SKIP, verify_low_degree
from auditor.liabilities.stark.hashing import keccak256
from auditor.liabilities.stark.merkle import leaf_slot
from auditor.liabilities.stark.proof_format import FriLayer


def _word(value: int) -> bytes:
    return (value % PRIME).to_bytes(32, "big")


class _Tree:
    """A Merkle tree in the format's permuted leaf order, able to give branches."""

    def __init__(self, values: list[int]) -> None:
        self.size = len(values)
        level = [b""] * self.size
        for index, value in enumerate(values):
            level[leaf_slot(index, self.size)] = _word(value)
        self.levels = [level]
        while len(level) > 1:
            level = [keccak256(level[i] + level[i + 1]) for i in range(0, len(level), 2)]
            self.levels.append(level)
        self.root = level[0]

    def branch(self, index: int) -> tuple[bytes, ...]:
        node = leaf_slot(index, self.size)
        path = [self.levels[0][node]]
        for level in self.levels[:-1]:
            path.append(level[node ^ 1])
            node >>= 1
        return tuple(path)


def _fold(values: list[int], omega: int, point: int) -> list[int]:
    quarter = len(values) // 4
    return [interpolate_at([pow(omega, y + quarter * j, PRIME) for j in range(4)],
                           [values[y + quarter * j] for j in range(4)], point) for y in range(quarter)]


def _prove(values: list[int], forge: bool, layers: int = 3) -> tuple[bytes, list[FriLayer], list[int]]:
    """An FRI proof in the format's shape; `forge` commits layer 2 as a degree < 16 function through the
    positions the verifier will query there, known as soon as layer 1 is committed."""
    size, omega = len(values), root_of_unity(len(values))
    tree, current, samples, proof = _Tree(values), values, None, []
    first_root = tree.root
    for number in range(layers):
        quarter = size // 4
        folded = _fold(current, omega, int.from_bytes(tree.root, "big") % PRIME)
        if forge and number == 1:
            known = sorted({y % quarter for y in samples})
            omega4 = pow(omega, 4, PRIME)
            xs, ys = [pow(omega4, y, PRIME) for y in known], [folded[y] for y in known]
            folded = [interpolate_at(xs, ys, pow(omega4, i, PRIME)) for i in range(quarter)]
        column = _Tree(folded)
        samples = (sample_indices(column.root, quarter, SAMPLES, SKIP) if samples is None
                   else [y % quarter for y in samples])
        rows = [y + quarter * j for y in samples for j in range(4)]
        proof.append(FriLayer(column.root, tuple(column.branch(y) for y in samples),
                              tuple(tree.branch(r) for r in rows)))
        current, tree, size, omega = folded, column, quarter, pow(omega, 4, PRIME)
    return first_root, proof, current


def test_a_function_far_above_the_degree_bound_passes_the_formats_low_degree_test():
    rng = random.Random(1)
    values = [rng.randrange(PRIME) for _ in range(4096)]  # degree ~4095; the bound below is 1024
    root, layers, last = _prove(values, forge=False)
    honest = verify_low_degree(root, 4096, 1024, layers, last)
    assert [f.check for f in honest] == ["fri last layer degree"]  # an honest prover is caught
    root, layers, last = _prove(values, forge=True)
    assert verify_low_degree(root, 4096, 1024, layers, last) == []  # the forger is not
