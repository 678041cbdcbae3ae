"""Sui addresses: `0x` + hex of BLAKE2b-256(signature flag || public key); the Ed25519 flag is 0x00."""

from __future__ import annotations

import hashlib

from chains.aptos.addresses import decode, encode  # same textual form: 32 bytes, 0x + hex, leading zeros optional

__all__ = ["decode", "encode", "from_public_key"]

ED25519_FLAG = b"\x00"


def from_public_key(public_key: bytes) -> bytes:
    return hashlib.blake2b(ED25519_FLAG + public_key, digest_size=32).digest()
