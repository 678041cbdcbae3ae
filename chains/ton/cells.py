"""TON cell representation hashes, for the few fixed cell shapes a wallet's StateInit needs.

A cell's hash is SHA-256 of its standard representation (TON whitepaper / tvm.pdf, "standard cell
representation"): descriptor d1 = number of references (an ordinary cell of level 0), descriptor d2 =
floor(bits / 8) + ceil(bits / 8), the data bits padded to whole bytes (when bits % 8 != 0: a 1 bit then 0
bits), then each reference's depth (2 bytes, big-endian), then each reference's hash. A cell's depth is 0
without references, else 1 + the largest depth among them.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class CellRef:
    """What a parent cell's hash needs of a child: its representation hash and its depth."""

    hash: bytes
    depth: int


def padded_data(value: int, bits: int) -> bytes:
    """`bits` data bits (the integer's low bits, most significant first) with TON's completion tag."""
    if value >> bits:
        raise ValueError(f"value does not fit in {bits} bits")
    if bits % 8:
        pad = 8 - bits % 8
        value = ((value << 1) | 1) << (pad - 1)
        bits += pad
    return value.to_bytes(bits // 8, "big")


def ordinary_cell(value: int, bits: int, refs: Sequence[CellRef] = ()) -> CellRef:
    """Hash and depth of an ordinary (non-exotic, level 0) cell holding `bits` bits of `value` and `refs`."""
    if bits > 1023 or len(refs) > 4:
        raise ValueError("a cell holds at most 1023 bits and 4 references")
    descriptors = bytes([len(refs), bits // 8 + (bits + 7) // 8])
    representation = (
        descriptors
        + padded_data(value, bits)
        + b"".join(ref.depth.to_bytes(2, "big") for ref in refs)
        + b"".join(ref.hash for ref in refs)
    )
    depth = 1 + max(ref.depth for ref in refs) if refs else 0
    return CellRef(hashlib.sha256(representation).digest(), depth)
