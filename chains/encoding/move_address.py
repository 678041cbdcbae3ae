"""The 32-byte hex account addresses of the Move chains (Aptos, Sui): `0x` + 1..64 hex digits, leading zeros
optional (`0x2` names the same account as `0x00..02`)."""

from __future__ import annotations

import re

ADDRESS_BYTES = 32
_HEX_DIGITS = re.compile(r"[0-9a-fA-F]{1,64}")  # no whitespace, sign or underscore, which bytes.fromhex/int skip


def decode(text: str) -> bytes:
    """The 32 bytes of `0x` + 1..64 hex digits. ValueError with the reason."""
    body = text.strip()
    if not body:
        raise ValueError("empty")
    if body[:2] not in ("0x", "0X"):
        raise ValueError(f"{body[:80]!r} does not start with 0x")
    digits = body[2:]
    if not 1 <= len(digits) <= 2 * ADDRESS_BYTES:
        raise ValueError(f"{body[:80]!r} must have 1 to 64 hex digits after 0x, has {len(digits)} characters")
    if not _HEX_DIGITS.fullmatch(digits):
        raise ValueError(f"{body!r} is not hex (only 0-9, a-f, A-F after 0x)")
    raw = bytes.fromhex(digits.rjust(2 * ADDRESS_BYTES, "0"))
    assert len(raw) == ADDRESS_BYTES
    return raw


def encode(raw: bytes) -> str:
    if len(raw) != ADDRESS_BYTES:
        raise ValueError(f"an address is {ADDRESS_BYTES} bytes, got {len(raw)}")
    return "0x" + raw.hex()
