"""Aptos account addresses and authentication keys: 32 bytes written `0x` + hex, leading zeros optional.

A single-Ed25519 account's authentication key is sha3_256(public key || 0x00) (FIPS SHA3; 0x00 is the
Ed25519 scheme byte), and a new account's address is its initial authentication key.
"""

from __future__ import annotations

import hashlib

ED25519_SCHEME = b"\x00"


def decode(text: str) -> bytes:
    """32 bytes from `0x` + 1..64 hex digits (shorter forms have their leading zeros stripped)."""
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


def authentication_key(public_key: bytes) -> bytes:
    return hashlib.sha3_256(public_key + ED25519_SCHEME).digest()
