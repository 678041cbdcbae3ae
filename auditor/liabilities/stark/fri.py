"""FRI low-degree test with radix-4 folding, as used by OKX's STARK (after Vitalik Buterin's mimc_stark).

Layer k commits to values f_k on a domain D_k of size n_k (a coset-free power-of-two subgroup). Each layer of the
proof gives the Merkle root of the folded "column" f_{k+1}(y) on D_{k+1} = {x^4}: the value at y = x^4 of the
degree < 4 polynomial through the four points of f_k over the fourth roots of y, evaluated at a challenge
point taken from f_k's own root. The verifier opens 16 sampled column indices and, for each, the four row
values of f_k, interpolates them and compares with the column value. Samples of later layers are the previous
samples reduced modulo the new domain size, so each layer's openings include the rows the previous column
claimed. The last layer is sent in full: its root must match, and the values (away from the excluded indices)
must lie on one polynomial of degree < the remaining bound.

Indices that are multiples of 16 are never sampled and are ignored in the last layer: there the committed
function divides by a vanishing polynomial and its values are placeholders.
"""

from __future__ import annotations

from collections.abc import Sequence

from auditor.liabilities.stark import failures as names
from auditor.liabilities.stark.challenges import sample_indices
from auditor.liabilities.stark.failures import Failure
from auditor.liabilities.stark.field import PRIME, interpolate_at, root_of_unity
from auditor.liabilities.stark.merkle import merkle_root, open_branches
from auditor.liabilities.stark.proof_format import FriLayer

SAMPLES = 16
SKIP = 16
DIRECT_DEGREE = 16  # layers are folded until the degree bound is at most this


def layer_count(max_degree_plus_1: int) -> int:
    count = 0
    while max_degree_plus_1 > DIRECT_DEGREE:
        max_degree_plus_1 //= 4
        count += 1
    return count


def verify_low_degree(root: bytes, domain_size: int, max_degree_plus_1: int, layers: Sequence[FriLayer],
                      last_values: Sequence[int]) -> list[Failure]:
    """Failures of the FRI proof that the values committed under `root` (on the `domain_size`-th roots of unity)
    are those of a polynomial of degree < `max_degree_plus_1`; empty when it holds."""
    expected_layers = layer_count(max_degree_plus_1)
    if len(layers) != expected_layers:
        return [Failure(names.FORMAT, f"low_degree_proof has {len(layers)} folding layers, a degree bound of "
                                      f"{max_degree_plus_1} needs {expected_layers}")]
    found: list[Failure] = []
    size, bound, samples = domain_size, max_degree_plus_1, None
    omega = root_of_unity(domain_size)
    for number, layer in enumerate(layers):
        quarter = size // 4
        fold_point = int.from_bytes(root, "big") % PRIME
        samples = (sample_indices(layer.column_root, quarter, SAMPLES, SKIP) if samples is None
                   else [y % quarter for y in samples])
        row_indices = [y + quarter * j for y in samples for j in range(4)]
        columns = open_branches(layer.column_root, samples, layer.column_branches, quarter)
        rows = open_branches(root, row_indices, layer.row_branches, size)
        found += [Failure(names.FRI_COLUMN_OPENING, f"layer {number}, sample {n} (column index {i}): {why}")
                  for n, i, why in columns.problems]
        found += [Failure(names.FRI_ROW_OPENING, f"layer {number}, branch {n} (row index {i}): {why}")
                  for n, i, why in rows.problems]
        for n, y in enumerate(samples):
            column = columns.leaves[n]
            row = rows.leaves[4 * n:4 * n + 4]
            if column is None or any(value is None for value in row):
                continue
            xs = [pow(omega, y + quarter * j, PRIME) for j in range(4)]
            ys = [int.from_bytes(value, "big") for value in row if value is not None]
            folded = interpolate_at(xs, ys, fold_point)
            if folded != int.from_bytes(column, "big") % PRIME:
                found.append(Failure(names.FRI_FOLDING, f"layer {number}, sample {n} (column index {y}): the four "
                                                        "row values do not fold to the committed column value"))
        root, size, bound, omega = layer.column_root, quarter, bound // 4, pow(omega, 4, PRIME)
    found += _check_last_layer(root, size, bound, omega, last_values)
    return found


def _check_last_layer(root: bytes, size: int, bound: int, omega: int, values: Sequence[int]) -> list[Failure]:
    if len(values) != size:
        return [Failure(names.FORMAT, f"the last FRI layer has {len(values)} values, expected {size}")]
    found = []
    if merkle_root([v.to_bytes(32, "big") for v in values]) != root:
        found.append(Failure(names.FRI_LAST_ROOT, "the last layer's values do not hash to the last column root"))
    kept = [i for i in range(size) if i % SKIP]
    basis, rest = kept[:bound], kept[bound:]
    xs = [pow(omega, i, PRIME) for i in basis]
    ys = [values[i] for i in basis]
    off = [i for i in rest if interpolate_at(xs, ys, pow(omega, i, PRIME)) != values[i] % PRIME]
    if off:
        found.append(Failure(names.FRI_LAST_DEGREE, f"last layer values at indices {off} are off the degree < "
                                                    f"{bound} polynomial through the first {bound} kept points"))
    return found
