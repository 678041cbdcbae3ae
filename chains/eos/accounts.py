"""EOS/Vaulta account names: the `address` column of an EOS row.

A name is a base-32 packing of up to 13 characters into 64 bits: the first 12 from `.12345a-z` (5 bits each),
a 13th only from `.12345a-j` (4 bits left). Trailing dots vanish in the packing, so a name ending in `.` is not
the canonical spelling of any account. Upper case is not part of the alphabet.
"""

from __future__ import annotations

import re

_NAME = re.compile(r"[.1-5a-z]{1,12}[.1-5a-j]?")


def validate(name: str) -> str:
    """`name` when it is a valid account name; ValueError with the reason otherwise."""
    if not name:
        raise ValueError("empty EOS account name")
    if len(name) > 13:
        raise ValueError(f"EOS account name {name!r} is {len(name)} characters, at most 13 allowed")
    if not _NAME.fullmatch(name):
        if len(name) == 13 and _NAME.fullmatch(name[:12]):
            raise ValueError(f"EOS account name {name!r}: a 13th character must be one of .12345abcdefghij")
        raise ValueError(f"EOS account name {name!r} may only hold a-z, 1-5 and '.'")
    if name.endswith("."):
        raise ValueError(f"EOS account name {name!r} ends with '.', which no account name does")
    return name
