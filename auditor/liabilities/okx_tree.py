"""OKX's full Merkle-sum liabilities tree (`full-liabilities-merkle-tree.txt`), every node recomputed.

Format (worked out from OKX's sample and its public v2 verifier), one node a line, `hash,level,{balances}`:

- levels are listed root first, down to the leaves at level 1; within a level, right to left;
- an internal node's hash is SHA-256 of the ASCII text `left_hash + right_hash + BTC + ETH + USDT + level`, where
  the balances are the node's own decimal strings as written and `level` is its height; its balances are the
  exact sums of its two children's;
- a level with an odd number of nodes is padded on the right (so listed first) with a copy of its last hash and
  zero balances; the padding is a child of the level above, never a parent.

OKX's own validator only adds up the leaves. We check every internal hash and sum up to the root.

Streaming, O(1) memory: the file is read by two forward cursors over the same file. The child cursor walks every
line after the root, two at a time (right, then left child); the parent cursor walks from the root, skipping
padding nodes. Because each level's nodes, pads aside, are the parents of the next level's pairs in the same
right-to-left order, the n-th pair always belongs to the n-th parent. Memory is two read buffers whatever the
size; the file is read twice (the second read usually comes from the page cache).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from auditor.liabilities.errors import ProofInputError, ProofRejected
from auditor.liabilities.okx_balances import HEX64, OKX_COINS, add_all, parse_balances

_LEVEL = re.compile(r"[1-9][0-9]{0,5}")
_AMOUNT = r'([0-9]{1,40}(?:\.[0-9]{1,40})?)'
# The usual line, whole: one match instead of a split, three field checks and a JSON parse. Anything else
# (a negative amount, other spacing or key order, garbage) takes the slow path, which names the field.
_FAST_LINE = re.compile(
    rf'([0-9a-f]{{64}}),([1-9][0-9]{{0,5}}),\{{"BTC":"{_AMOUNT}","ETH":"{_AMOUNT}","USDT":"{_AMOUNT}"\}}\r?\n?'
)
_ZERO = (Decimal(0),) * len(OKX_COINS)


@dataclass(slots=True)
class TreeNode:
    line: int
    hash: str
    level: int
    texts: tuple[str, ...]  # balances as written (what is hashed)
    values: tuple[Decimal, ...]  # the same, exact
    pad: bool = False


@dataclass(frozen=True)
class OkxTree:
    path: Path
    root_hash: str
    totals: dict[str, Decimal]  # the root's balances: the verified liabilities per coin
    height: int
    nodes: int  # lines in the file, padding included
    leaves: int  # level-1 nodes, padding excluded


def parse_line(raw: bytes, number: int, path: Path) -> TreeNode:
    try:
        text = raw.decode("ascii")
    except UnicodeDecodeError:
        raise ProofInputError(f"{path}:{number}: not ASCII text") from None
    match = _FAST_LINE.fullmatch(text)
    if match:
        node_hash, level, btc, eth, usdt = match.groups()
        return TreeNode(number, node_hash, int(level), (btc, eth, usdt), (Decimal(btc), Decimal(eth), Decimal(usdt)))
    return _parse_line_slowly(text.rstrip("\r\n"), number, path)


def _parse_line_slowly(text: str, number: int, path: Path) -> TreeNode:
    where = f"{path}:{number}"
    parts = text.split(",", 2)
    if len(parts) != 3:
        raise ProofInputError(f"{where}: expected hash,level,{{balances}}, got {text[:80]!r}")
    node_hash, level_text, balances = parts
    if not HEX64.fullmatch(node_hash):
        raise ProofInputError(f"{where}: field 'hash': not 64 lowercase hex digits: {node_hash[:80]!r}")
    if not _LEVEL.fullmatch(level_text):
        raise ProofInputError(f"{where}: field 'level': not a positive integer: {level_text[:20]!r}")
    try:
        data = json.loads(balances)
    except ValueError as exc:
        raise ProofInputError(f"{where}: field 'balances': not valid JSON: {exc}") from None
    texts, values = parse_balances(data, where)
    return TreeNode(number, node_hash, int(level_text), texts, values)


def _nodes(path: Path) -> Iterator[TreeNode]:
    """Every line in file order, padding marked, with the level order checked: the root alone at the top, each
    level one below the previous, ending at level 1."""
    try:
        handle = path.open("rb")
    except OSError as exc:
        raise ProofInputError(f"{path}: cannot read the Merkle tree: {exc.strerror or exc}") from exc
    with handle:
        pending: TreeNode | None = None  # held back one line: whether it is padding depends on the next line
        first_of_level = True
        for number, raw in enumerate(handle, start=1):
            node = parse_line(raw, number, path)
            if pending is not None:
                if node.level == pending.level:
                    if number == 2:
                        raise ProofRejected(f"{path}:2: a second node at the root's level {node.level}")
                    if first_of_level and node.hash == pending.hash and pending.values == _ZERO:
                        pending.pad = True
                    first_of_level = False
                elif node.level == pending.level - 1:
                    first_of_level = True
                else:
                    raise ProofRejected(f"{path}:{number}: level {node.level} follows level {pending.level}: "
                                        "levels must go down one at a time from the root to 1")
                yield pending
            pending = node
        if pending is None:
            raise ProofInputError(f"{path}: empty file, no root")
        if pending.level != 1:
            raise ProofRejected(f"{path}:{pending.line}: the file ends at level {pending.level}, not at the leaves "
                                "(level 1)")
        yield pending


def _node_hash(left: TreeNode, right: TreeNode, parent: TreeNode) -> str:
    text = left.hash + right.hash + "".join(parent.texts) + str(parent.level)
    return hashlib.sha256(text.encode("ascii")).hexdigest()


def _next_parent(parents: Iterator[TreeNode]) -> TreeNode | None:
    for node in parents:
        if not node.pad:
            return node
    return None


def verify_okx_tree(path: Path | str, on_leaf: Callable[[TreeNode], None] | None = None) -> OkxTree:
    """Verify the whole tree; the root's balances are then proven to be the sum of the leaves. `on_leaf` sees
    every leaf (padding excluded), e.g. to look up a user's leaves in the same pass. Raises ProofInputError
    (unreadable) or ProofRejected (names the line)."""
    path = Path(path)
    parents, children = _nodes(path), _nodes(path)
    root = next(children)  # the child cursor starts below the root; the parent cursor at it
    nodes, leaves = 1, 0
    if root.level == 1:  # a single-leaf tree
        next(children, None)  # raises if a second line follows at the root's level
        if on_leaf:
            on_leaf(root)
        return OkxTree(path, root.hash, dict(zip(OKX_COINS, root.values, strict=True)), 1, 1, 1)
    for right in children:
        left = next(children, None)
        nodes += 2 if left else 1
        if left is None or left.level != right.level:
            line = left.line if left else right.line
            raise ProofRejected(f"{path}:{line}: level {right.level} has an odd number of nodes (line {right.line} "
                                "has no sibling): a node is missing or extra")
        parent = _next_parent(parents)
        if parent is None or parent.level != right.level + 1:
            where = f"line {parent.line} is at level {parent.level}" if parent else "there is none"
            raise ProofRejected(f"{path}:{right.line}: lines {right.line}-{left.line} (level {right.level}) need a "
                                f"parent at level {right.level + 1} but {where}: the levels' node counts do not "
                                "match (a node is missing or extra)")
        if left.hash == right.hash and not right.pad:  # only padding (first in its level, zero) repeats a hash
            raise ProofRejected(f"{path}:{left.line}: field 'hash': repeats line {right.line}'s hash, which only the "
                                "padding node (first of its level, zero balances) may do")
        _check_parent(path, parent, left, right)
        if right.level == 1:
            leaves += 2 - right.pad
            if on_leaf:
                if not right.pad:
                    on_leaf(right)
                on_leaf(left)
    orphan = _next_parent(parents)
    if orphan is not None and orphan.level != 1:
        raise ProofRejected(f"{path}:{orphan.line}: the level-{orphan.level} node has no children (the level below "
                            "is short: a node is missing or extra)")
    return OkxTree(path, root.hash, dict(zip(OKX_COINS, root.values, strict=True)), root.level, nodes, leaves)


def _check_parent(path: Path, parent: TreeNode, left: TreeNode, right: TreeNode) -> None:
    sums = add_all(left.values, right.values)
    for coin, claimed, text, exact in zip(OKX_COINS, parent.values, parent.texts, sums, strict=True):
        if claimed != exact:
            raise ProofRejected(f"{path}:{parent.line}: field 'balances.{coin}': {text} is not the sum of its "
                                f"children on lines {left.line} and {right.line} ({exact})")
    computed = _node_hash(left, right, parent)
    if computed != parent.hash:
        raise ProofRejected(f"{path}:{parent.line}: field 'hash': {parent.hash} is not SHA-256 of its children "
                            f"(lines {left.line}, {right.line}), balances and level; recomputed {computed}")


def read_root(path: Path | str) -> OkxTree | None:
    """The root line alone, unverified (what the exchange claims), or None if it cannot be read."""
    path = Path(path)
    try:
        with path.open("rb") as handle:
            root = parse_line(handle.readline(), 1, path)
    except (OSError, ProofInputError, ProofRejected):
        return None
    return OkxTree(path, root.hash, dict(zip(OKX_COINS, root.values, strict=True)), root.level, 0, 0)
