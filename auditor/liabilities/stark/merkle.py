"""Keccak Merkle trees with OKX's "permuted" leaf order, and their compressed multi-branch openings.

Leaf order: a tree over n values stores value i at leaf slot (i // (n/4)) + 4·(i mod (n/4)), so the four values
i, i + n/4, i + n/2, i + 3n/4 that one radix-4 FRI fold combines are siblings. Leaves are the raw 32-byte values
(not hashed again); an inner node is keccak(left ‖ right).

Opening format: one branch per requested index, [leaf, sibling at the bottom, ..., sibling just under the root].
To save space the prover blanks ("") a sibling the verifier can obtain otherwise: another opened leaf, a sibling
given in an earlier branch, or a node whose two children are known. The verifier rebuilds those, then walks every
branch from its leaf to the root, so each returned leaf is bound to the root on its own.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from auditor.liabilities.stark.hashing import keccak256


def leaf_slot(index: int, leaf_count: int) -> int:
    quarter = leaf_count // 4
    return index // quarter + 4 * (index % quarter)


def _check_size(leaf_count: int) -> None:
    if leaf_count < 4 or leaf_count & (leaf_count - 1):
        raise ValueError(f"a permuted tree needs a power-of-two leaf count of at least 4, not {leaf_count}")


def merkle_root(values: Sequence[bytes]) -> bytes:
    """Root of the permuted tree over `values` (each a 32-byte word)."""
    _check_size(len(values))
    level: list[bytes] = [b""] * len(values)
    for index, value in enumerate(values):
        level[leaf_slot(index, len(values))] = value
    while len(level) > 1:
        level = [keccak256(level[i] + level[i + 1]) for i in range(0, len(level), 2)]
    return level[0]


@dataclass(frozen=True)
class Opening:
    """Result of checking a multi-branch opening: the leaf of each requested index, or None with a reason."""

    leaves: tuple[bytes | None, ...]
    problems: tuple[tuple[int, int, str], ...]  # (position in the request, requested index, reason)


def open_branches(root: bytes, indices: Sequence[int], branches: Sequence[Sequence[bytes]],
                  leaf_count: int) -> Opening:
    """Check `branches` (one per index of `indices`, compressed as above) against `root`."""
    _check_size(leaf_count)
    depth = leaf_count.bit_length() - 1
    if len(branches) != len(indices):
        reason = f"{len(branches)} branches for {len(indices)} requested indices"
        return Opening((None,) * len(indices), tuple((n, i, reason) for n, i in enumerate(indices)))
    known: dict[int, bytes] = {}  # tree node number (root 1, leaves leaf_count..2·leaf_count-1) -> hash
    for index, branch in zip(indices, branches, strict=True):
        if len(branch) != depth + 1:
            continue
        node = leaf_count + leaf_slot(index, leaf_count)
        known[node] = branch[0]
        for sibling in branch[1:]:
            if sibling:
                known[node ^ 1] = sibling
            node >>= 1
    level_start = leaf_count
    while level_start > 1:  # bottom-up, so a derived node can help derive its own parent
        for node in sorted(n for n in known if level_start <= n < 2 * level_start and not n & 1):
            if node + 1 in known and node >> 1 not in known:
                known[node >> 1] = keccak256(known[node] + known[node + 1])
        level_start >>= 1
    leaves: list[bytes | None] = []
    problems: list[tuple[int, int, str]] = []
    proven: dict[int, bytes] = {}  # nodes already shown to lie on a path to the root
    for position, (index, branch) in enumerate(zip(indices, branches, strict=True)):
        reason = _walk(root, index, branch, leaf_count, depth, known, proven)
        leaves.append(None if reason else branch[0])
        if reason:
            problems.append((position, index, reason))
    return Opening(tuple(leaves), tuple(problems))


def _walk(root: bytes, index: int, branch: Sequence[bytes], leaf_count: int, depth: int,
          known: dict[int, bytes], proven: dict[int, bytes]) -> str:
    """Empty string when the branch leads from its leaf to `root`, else why not. Stops early on reaching a node
    value that an earlier branch already connected to the root (the rest of the path is then that one)."""
    if len(branch) != depth + 1:
        return f"branch has {len(branch)} nodes, a tree of {leaf_count} leaves needs {depth + 1}"
    node = leaf_count + leaf_slot(index, leaf_count)
    value = branch[0]
    path = [(node, value)]
    for level, given in enumerate(branch[1:]):
        if proven.get(node) == value:
            break
        sibling = given or known.get(node ^ 1)
        if sibling is None:
            return f"sibling {level} is blank and cannot be derived from the other branches"
        value = keccak256(sibling + value) if node & 1 else keccak256(value + sibling)
        node >>= 1
        path.append((node, value))
    else:
        if value != root:
            return "branch does not hash to the root"
    proven.update(path)
    return ""
