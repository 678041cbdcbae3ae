"""Builds the demo's customer liabilities as OKX publishes them (v2): the full Merkle-sum tree file
(`full-liabilities-merkle-tree.txt`) and one customer's `user_info_file.json`, the format that
auditor.liabilities.okx_tree and okx_v2 verify (see their docstrings for the hashing and the line order).

A customer's hash is SHA-256(nonce + {"BTC":…,"ETH":…,"USDT":…}); each of their leaves is SHA-256(user hash +
that leaf's BTC + ETH + USDT); an internal node is SHA-256(left + right + its summed balances + its level). Levels
are written root first, each right to left; an odd level is padded on the right with a copy of its last node at
zero balances.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from auditor.liabilities.okx_balances import OKX_COINS, add_all, balances_json, okx_text


@dataclass(frozen=True)
class Customer:
    nonce: str  # the customer's secret, as OKX gives it in their own proof
    leaves: tuple[tuple[Decimal, Decimal, Decimal], ...]  # BTC, ETH, USDT per leaf (OKX splits large balances)


@dataclass(frozen=True)
class _Node:
    hash: str
    texts: tuple[str, ...]
    values: tuple[Decimal, ...]


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode("ascii")).hexdigest()


def _user_hash(customer: Customer) -> tuple[str, tuple[str, ...]]:
    total = (Decimal(0),) * len(OKX_COINS)
    for leaf in customer.leaves:
        total = add_all(total, leaf)
    texts = tuple(okx_text(v) for v in total)
    return _sha(customer.nonce + balances_json(texts)), texts


def _leaf(user_hash: str, values: tuple[Decimal, ...]) -> _Node:
    texts = tuple(okx_text(v) for v in values)
    return _Node(_sha(user_hash + "".join(texts)), texts, values)


def write_tree(path: Path, customers: list[Customer]) -> dict[str, Decimal]:
    """Write the full tree of `customers`' leaves (in order); returns the root's balances per coin."""
    level: list[_Node] = []
    for customer in customers:
        user_hash, _ = _user_hash(customer)
        level += [_leaf(user_hash, values) for values in customer.leaves]
    if not level:
        raise ValueError("a tree needs at least one leaf")
    levels: list[list[_Node]] = []
    zero = (Decimal(0),) * len(OKX_COINS)
    height = 1
    while True:
        if len(level) > 1 and len(level) % 2:
            level.append(_Node(level[-1].hash, tuple(okx_text(v) for v in zero), zero))
        levels.append(level)
        if len(level) == 1:
            break
        height += 1
        parents = []
        for left, right in zip(level[::2], level[1::2], strict=True):
            values = add_all(left.values, right.values)
            texts = tuple(okx_text(v) for v in values)
            parents.append(_Node(_sha(left.hash + right.hash + "".join(texts) + str(height)), texts, values))
        level = parents
    with path.open("w", encoding="ascii", newline="\n") as handle:
        for number, nodes in zip(range(len(levels), 0, -1), reversed(levels), strict=True):
            for node in reversed(nodes):  # right to left, the padding first
                handle.write(f"{node.hash},{number},{balances_json(node.texts)}\n")
    root = levels[-1][0]
    return dict(zip(OKX_COINS, root.values, strict=True))


def write_user_proof(path: Path, customer: Customer) -> None:
    """The customer's `user_info_file.json`: their nonce, hash, leaves and total."""
    user_hash, totals = _user_hash(customer)
    nodes = []
    for values in customer.leaves:
        leaf = _leaf(user_hash, values)
        nodes.append({"hash": leaf.hash, "balances": dict(zip(OKX_COINS, leaf.texts, strict=True))})
    data = {"nonce": customer.nonce, "hash": user_hash, "nodes": nodes,
            "totalBalances": dict(zip(OKX_COINS, totals, strict=True))}
    path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
