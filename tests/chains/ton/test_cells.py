"""TON cell hashing (chains/ton/cells.py) against values computed by hand from the representation rules."""

from __future__ import annotations

import hashlib

import pytest

from chains.ton.cells import CellRef, ordinary_cell, padded_data


def test_padding_appends_the_completion_bit() -> None:
    assert padded_data(0b00110, 5) == bytes([0b00110100])
    assert padded_data(0, 1) == b"\x40"
    assert padded_data(0xABCD, 16) == b"\xab\xcd"  # whole bytes: no tag
    assert padded_data(0, 0) == b""
    with pytest.raises(ValueError):
        padded_data(4, 2)


def test_empty_cell_hash_is_the_known_constant() -> None:
    # The empty cell's hash, 96a296d2...e6ecc7, is a well-known TON constant (sha256 of its descriptors 00 00).
    empty = ordinary_cell(0, 0)
    assert empty.hash.hex() == "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7"
    assert empty.depth == 0


def test_references_contribute_depth_then_hash() -> None:
    child = CellRef(b"\x11" * 32, 3)
    parent = ordinary_cell(0b101, 3, (child,))
    expected = hashlib.sha256(bytes([1, 1, 0b10110000]) + (3).to_bytes(2, "big") + child.hash).digest()
    assert parent == CellRef(expected, 4)
    with pytest.raises(ValueError):
        ordinary_cell(0, 1024)
