"""A plain (uncompressed) prover side for the permuted Keccak trees, to build synthetic openings in tests."""

from __future__ import annotations

from auditor.liabilities.stark.hashing import keccak256
from auditor.liabilities.stark.merkle import leaf_slot


def full_tree(values: list[bytes]) -> list[bytes]:
    """Node list: root at 1, leaves at len(values)..2·len(values)-1 in permuted order."""
    n = len(values)
    nodes = [b""] * (2 * n)
    for index, value in enumerate(values):
        nodes[n + leaf_slot(index, n)] = value
    for node in range(n - 1, 0, -1):
        nodes[node] = keccak256(nodes[2 * node] + nodes[2 * node + 1])
    return nodes


def branch(nodes: list[bytes], index: int) -> list[bytes]:
    node = len(nodes) // 2 + leaf_slot(index, len(nodes) // 2)
    path = [nodes[node]]
    while node > 1:
        path.append(nodes[node ^ 1])
        node >>= 1
    return path


def word(value: int) -> bytes:
    return value.to_bytes(32, "big")
