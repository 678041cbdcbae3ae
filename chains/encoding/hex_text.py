"""Hex fields as rows write them. bytes.fromhex skips whitespace between byte pairs ("ab cd" is 2 bytes), so a
field with inner spaces or tabs would decode to fewer bytes than it has digits; here only hex digits pass."""

from __future__ import annotations

import re

_HEX_DIGITS = re.compile(r"[0-9a-fA-F]*")


def strict_fromhex(digits: str) -> bytes:
    """The bytes of an even number of hex digits (no prefix, no whitespace). ValueError otherwise."""
    if not _HEX_DIGITS.fullmatch(digits):
        raise ValueError("not hex (only the digits 0-9, a-f, A-F)")
    return bytes.fromhex(digits)  # ValueError for an odd count
