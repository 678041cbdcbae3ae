"""BitMEX's proof of liabilities (the "Maxwell" Merkle-sum tree with HMAC leaves), checked in full.

Format (from BitMEX's public docs and tools, BitMEX/proof-of-reserves-liabilities):

- the file's first line is `block_height:N`, then one node a line, `hash_hex,satoshis`, root first and each
  level left to right; a level has twice the nodes of the one above, the leaves are a power of two;
- a parent's hash is SHA-256 of `left.hash || left.sats (u64 LE) || right.hash || right.sats (u64 LE)`, its
  value the sum of its children;
- each account's balance is split at random over several leaves; a leaf's hash is HMAC-SHA256 keyed by the
  account's per-snapshot nonce (or SHA-256(account_nonce || height u64 LE || account id u64 LE)) over
  `value (u64 LE) || leaf index (u64 LE)`, so only the account holder can find their leaves.

We verify every internal node up to the root (streamed, two cursors as for OKX's tree, O(1) memory) and find
the user's leaves in the same pass. The user's proof is a small JSON file: {"account": ID, "nonce": HEX} or
{"account": ID, "account_nonce": HEX}, optionally "balance" (satoshis) to check the leaves add up to it.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import struct
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from auditor.liabilities.errors import ProofInputError, ProofRejected
from auditor.liabilities.inclusion_result import InclusionResult

_U64 = struct.Struct("<Q")
_NODE = re.compile(rb"([0-9a-f]{64}),([0-9]{1,20})\r?\n?")
HEADER = b"block_height:"


@dataclass(slots=True)
class BitmexNode:
    line: int
    digest: bytes
    sats: int


@dataclass(frozen=True)
class BitmexTree:
    block_height: int
    root_hash: str
    total_sats: int  # the verified liabilities, in satoshis
    leaves: int


def sub_nonce(account_nonce: bytes, block_height: int, account: int) -> bytes:
    return hashlib.sha256(account_nonce + _U64.pack(block_height) + _U64.pack(account)).digest()


def leaf_digest(key: bytes, sats: int, leaf_index: int) -> bytes:
    return hmac.new(key, _U64.pack(sats) + _U64.pack(leaf_index), hashlib.sha256).digest()


def parent_digest(left: BitmexNode, right: BitmexNode) -> bytes:
    return hashlib.sha256(left.digest + _U64.pack(left.sats) + right.digest + _U64.pack(right.sats)).digest()


def read_block_height(path: Path) -> int:
    try:
        with path.open("rb") as handle:
            first = handle.readline()
    except OSError as exc:
        raise ProofInputError(f"{path}: cannot read the liabilities tree: {exc.strerror or exc}") from exc
    text = first.strip()
    if not text.startswith(HEADER) or not text[len(HEADER):].isdigit():
        raise ProofInputError(f"{path}:1: expected block_height:N")
    return int(text[len(HEADER):])


def _nodes(path: Path) -> Iterator[BitmexNode]:
    with path.open("rb") as handle:
        handle.readline()
        for number, raw in enumerate(handle, start=2):
            match = _NODE.fullmatch(raw)
            if not match:
                raise ProofInputError(f"{path}:{number}: expected hash,satoshis (64 lowercase hex, an integer)")
            sats = int(match.group(2))
            if sats >= 2**64:
                raise ProofRejected(f"{path}:{number}: field 'satoshis': beyond 64 bits")
            yield BitmexNode(number, bytes.fromhex(match.group(1).decode()), sats)


def _count_nodes(path: Path) -> int:
    count, last = 0, b"\n"
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            count += chunk.count(b"\n")
            last = chunk[-1:]
    return count + (last != b"\n") - 1  # lines, less the block_height line


def verify_bitmex_tree(path: Path | str, on_leaf: Callable[[int, BitmexNode], None] | None = None) -> BitmexTree:
    """Verify every internal node; `on_leaf(index, node)` sees each leaf. Raises ProofInputError/ProofRejected."""
    path = Path(path)
    block_height = read_block_height(path)
    total = _count_nodes(path)
    leaves = (total + 1) // 2
    if total < 1 or leaves & (leaves - 1) or 2 * leaves - 1 != total:
        raise ProofRejected(f"{path}: {total} nodes: a full tree over a power-of-two number of leaves has 2^k-1 "
                            "(a node is missing or extra)")
    parents, children = _nodes(path), _nodes(path)
    root = next(children)
    first_leaf = total - leaves  # node index (0 = root) of the first leaf
    if total == 1 and on_leaf:
        on_leaf(0, root)
    for index, left in enumerate(children, start=1):
        right = next(children)  # the count above guarantees pairs
        parent = next(parents)
        if parent.sats != left.sats + right.sats:
            raise ProofRejected(f"{path}:{parent.line}: field 'satoshis': {parent.sats} is not the sum of its "
                                f"children on lines {left.line} and {right.line} ({left.sats + right.sats})")
        if parent.digest != parent_digest(left, right):
            raise ProofRejected(f"{path}:{parent.line}: field 'hash': not SHA-256 of its children (lines "
                                f"{left.line}, {right.line}) and their values")
        if on_leaf and 2 * index - 1 >= first_leaf:
            leaf_index = 2 * index - 1 - first_leaf
            on_leaf(leaf_index, left)
            on_leaf(leaf_index + 1, right)
    return BitmexTree(block_height, root.digest.hex(), root.sats, leaves)


def _hex_field(data: Mapping[str, Any], key: str, where: str) -> bytes:
    try:
        return bytes.fromhex(data[key])
    except (TypeError, ValueError):
        raise ProofInputError(f"{where}: field '{key}': not hex") from None


def verify_bitmex_inclusion(data: Mapping[str, Any], path: Path, tree: Path | None) -> InclusionResult:
    account = data.get("account")
    if isinstance(account, bool) or not isinstance(account, int) or account < 0:
        raise ProofInputError(f"{path}: field 'account': expected the numeric account id")
    if tree is None:
        raise ProofInputError(f"{path}: a BitMEX proof is checked against the liabilities file: give --tree FILE")
    expected = data.get("balance")
    if expected is not None and (isinstance(expected, bool) or not isinstance(expected, int)):
        raise ProofInputError(f"{path}: field 'balance': expected an integer number of satoshis")
    block_height = read_block_height(tree)
    if "nonce" in data:
        key = _hex_field(data, "nonce", str(path))
    elif "account_nonce" in data:
        key = sub_nonce(_hex_field(data, "account_nonce", str(path)), block_height, account)
    else:
        raise ProofInputError(f"{path}: field 'nonce' (or 'account_nonce') is required")
    found: list[tuple[int, BitmexNode]] = []

    def look(index: int, node: BitmexNode) -> None:
        if hmac.compare_digest(leaf_digest(key, node.sats, index), node.digest):
            found.append((index, node))

    try:
        verified = verify_bitmex_tree(tree, on_leaf=look)
    except ProofRejected as exc:
        return InclusionResult(False, "bitmex", str(exc))
    mine = sum(node.sats for _i, node in found)
    details = {"root": verified.root_hash, "block_height": str(block_height), "user satoshis": str(mine),
               "total satoshis": str(verified.total_sats)}
    if not found:
        return InclusionResult(False, "bitmex", f"no leaf of {tree} matches account {account}'s nonce "
                               "(the whole tree verifies)", details)
    if expected is not None and mine != expected:
        return InclusionResult(False, "bitmex", f"account {account}'s {len(found)} leaves sum to {mine} satoshis, "
                               f"not the {expected} expected", details)
    lines = ", ".join(str(node.line) for _i, node in found)
    return InclusionResult(True, "bitmex", f"{len(found)} leaves (lines {lines}) hold {mine} satoshis for account "
                           f"{account}; the whole tree verifies up to root {verified.root_hash}", details)
