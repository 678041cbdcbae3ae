"""Sui addresses: `0x` + hex of BLAKE2b-256(signature flag || public key); the Ed25519 flag is 0x00.

Written as 64 hex digits; shorter forms (leading zeros stripped, as in `0x2`) name the same 32 bytes.
"""

from __future__ import annotations

import hashlib

ED25519_FLAG = b"\x00"


def decode(text: str) -> bytes:
    body = text.strip()
    if not body:
        raise ValueError("empty")
    if body[:2] not in ("0x", "0X"):
        raise ValueError(f"{body!r} does not start with 0x")
    digits = body[2:]
    if not 1 <= len(digits) <= 64:
        raise ValueError(f"{body!r} must have 1 to 64 hex digits after 0x, has {len(digits)}")
    try:
        return bytes.fromhex(digits.rjust(64, "0"))
    except ValueError:
        raise ValueError(f"{body!r} is not hex") from None


def encode(raw: bytes) -> str:
    return "0x" + raw.hex()


def from_public_key(public_key: bytes) -> bytes:
    return hashlib.blake2b(ED25519_FLAG + public_key, digest_size=32).digest()
