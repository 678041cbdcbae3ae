"""Sui addresses: `0x` + hex of BLAKE2b-256(signature flag || public key); the Ed25519 flag is 0x00.

Written as 64 hex digits; shorter forms (leading zeros stripped, as in `0x2`) name the same 32 bytes.
"""

from __future__ import annotations

import hashlib

from chains.encoding.move_address import decode, encode

__all__ = ["ED25519_FLAG", "decode", "encode", "from_public_key"]

ED25519_FLAG = b"\x00"


def from_public_key(public_key: bytes) -> bytes:
    return hashlib.blake2b(ED25519_FLAG + public_key, digest_size=32).digest()
