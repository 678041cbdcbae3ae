"""Liabilities trees built from scratch by the tests (and the benchmark), following each exchange's published
rules, written independently of the verifier."""

from __future__ import annotations

import hashlib
import hmac
import json
import struct
from collections.abc import Iterable, Sequence
from decimal import Decimal
from pathlib import Path

COINS = ("BTC", "ETH", "USDT")


def okx_text(value: Decimal) -> str:
    return "0" if value == 0 else format(value.normalize(), "f")


def okx_leaf_hash(user_hash: str, balances: Sequence[str]) -> str:
    return hashlib.sha256((user_hash + "".join(balances)).encode()).hexdigest()


def okx_user_hash(nonce: str, total: Sequence[str]) -> str:
    body = json.dumps(dict(zip(COINS, total, strict=True)), separators=(",", ":"))
    return hashlib.sha256((nonce + body).encode()).hexdigest()


def okx_levels(leaves: Sequence[tuple[str, Sequence[Decimal]]]) -> list[list[tuple[str, tuple[Decimal, ...], bool]]]:
    """Levels bottom-up, left to right: (hash, balances, is_padding)."""
    level = [(h, tuple(b), False) for h, b in leaves]
    levels = []
    height = 1
    while True:
        if len(level) > 1 and len(level) % 2:
            level.append((level[-1][0], (Decimal(0),) * 3, True))
        levels.append(level)
        if len(level) == 1:
            return levels
        height += 1
        parents = []
        for i in range(0, len(level), 2):
            (lh, lb, _), (rh, rb, _) = level[i], level[i + 1]
            sums = tuple(a + b for a, b in zip(lb, rb, strict=True))
            text = lh + rh + "".join(okx_text(v) for v in sums) + str(height)
            parents.append((hashlib.sha256(text.encode()).hexdigest(), sums, False))
        level = parents


def okx_tree_lines(leaves: Sequence[tuple[str, Sequence[Decimal]]]) -> Iterable[str]:
    """The file's lines: root first, each level right to left."""
    levels = okx_levels(leaves)
    for height in range(len(levels), 0, -1):
        for node_hash, values, _pad in reversed(levels[height - 1]):
            body = ",".join(f'"{c}":"{okx_text(v)}"' for c, v in zip(COINS, values, strict=True))
            yield f"{node_hash},{height},{{{body}}}\n"


def write_okx_tree(path: Path, leaves: Sequence[tuple[str, Sequence[Decimal]]]) -> Path:
    with path.open("w", encoding="ascii") as handle:
        handle.writelines(okx_tree_lines(leaves))
    return path


def fake_leaf(index: int) -> tuple[str, tuple[Decimal, ...]]:
    """A leaf with a deterministic hash and balances (some zero, up to 8 places)."""
    digest = hashlib.sha256(f"leaf {index}".encode()).digest()
    values = tuple(Decimal(int.from_bytes(digest[i:i + 4], "big") % 10**9 * bool((index + i) % 4)).scaleb(-8)
                   for i in (0, 5, 11))
    return digest.hex(), values


# BitMEX: HMAC leaves, u64 little-endian values, root first, levels left to right.
U64 = struct.Struct("<Q")


def bitmex_sub_nonce(account_nonce: bytes, block_height: int, account: int) -> bytes:
    return hashlib.sha256(account_nonce + U64.pack(block_height) + U64.pack(account)).digest()


def bitmex_leaf(key: bytes, sats: int, index: int) -> bytes:
    return hmac.new(key, U64.pack(sats) + U64.pack(index), hashlib.sha256).digest()


def bitmex_tree_text(leaves: Sequence[tuple[bytes, int]], block_height: int, hashed: bool = False) -> str:
    """leaves: (HMAC key, satoshis), a power of two of them, in leaf order; with `hashed`, (leaf digest, sats)."""
    level = [(key if hashed else bitmex_leaf(key, sats, i), sats) for i, (key, sats) in enumerate(leaves)]
    levels = [level]
    while len(level) > 1:
        level = [(hashlib.sha256(a + U64.pack(x) + b + U64.pack(y)).digest(), x + y)
                 for (a, x), (b, y) in zip(level[::2], level[1::2], strict=True)]
        levels.append(level)
    lines = [f"block_height:{block_height}"]
    for row in reversed(levels):
        lines += [f"{digest.hex()},{sats}" for digest, sats in row]
    return "\n".join(lines) + "\n"


def okx_v1_leaf(nonce: str, balances: Sequence[Decimal]) -> str:
    body = json.dumps(dict(zip(COINS, map(okx_text, balances), strict=True)), separators=(",", ":"))
    return hashlib.sha256((nonce + body).encode()).hexdigest()


def okx_v1_proof(leaves: Sequence[tuple[str, Sequence[Decimal]]], index: int, nonce: str) -> dict:
    """OKX's v1 proof for leaf `index` (whose hash must be okx_v1_leaf(nonce, its balances)): the sibling at each
    level (type 1 left, 2 right, 4 padding), then the root (type 3)."""
    levels = okx_levels(leaves)

    def node(level: int, position: int, kind: int) -> dict:
        node_hash, values, pad = levels[level - 1][position]
        return {"hash": node_hash, "height": level, "type": 4 if pad else kind,
                "balances": dict(zip(COINS, map(okx_text, values), strict=True))}

    me = node(1, index, 1 if index % 2 == 0 else 2) | {"nonce": nonce}
    path, position = [], index
    for level in range(1, len(levels)):
        sibling = position ^ 1
        path.append(node(level, sibling, 2 if position % 2 == 0 else 1))
        position //= 2
    path.append(node(len(levels), 0, 3))
    return {"self": me, "path": path}
