"""Starknet field elements (felts) as rows spell them: hex integers below the STARK field prime."""

from __future__ import annotations

import re

_HEX_DIGITS = re.compile(r"[0-9a-fA-F]+")
FIELD_PRIME = 2**251 + 17 * 2**192 + 1
MAX_SHORT_STRING = 31  # bytes that fit in one felt


def parse_felt(text: str, what: str) -> int:
    """The integer of a hex felt (`0x` optional, leading zeros allowed). ValueError naming `what`."""
    body = text.strip()
    if body[:2].lower() == "0x":
        body = body[2:]
    if not body or len(body) > 64:
        raise ValueError(f"{what} must be 1 to 64 hex digits, got {len(body)}")
    if not _HEX_DIGITS.fullmatch(body):  # int() would also take "_" and signs
        raise ValueError(f"{what} is not hex")
    value = int(body, 16)
    if value >= FIELD_PRIME:
        raise ValueError(f"{what} is not below the STARK field prime")
    return value


def canonical_address(text: str) -> str:
    """`0x` + 64 lowercase hex digits: one spelling per account, for de-duplication."""
    value = parse_felt(text, "Starknet address")
    if value == 0:
        raise ValueError("Starknet address 0 is not an account")
    return f"0x{value:064x}"


def short_string(text: str, what: str) -> int:
    """Cairo short string: the big-endian integer of at most 31 ASCII bytes."""
    try:
        data = text.encode("ascii")
    except UnicodeEncodeError:
        raise ValueError(f"{what} is not ASCII, so it is no Cairo short string") from None
    if len(data) > MAX_SHORT_STRING:
        raise ValueError(f"{what} is {len(data)} bytes; a Cairo short string holds at most {MAX_SHORT_STRING}")
    return int.from_bytes(data, "big")
