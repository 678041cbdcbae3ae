"""Aptos account addresses and authentication keys: 32 bytes written `0x` + hex, leading zeros optional.

A single-Ed25519 account's authentication key is sha3_256(public key || 0x00) (FIPS SHA3; 0x00 is the
Ed25519 scheme byte), and a new account's address is its initial authentication key.
"""

from __future__ import annotations

import hashlib

from chains.encoding.move_address import decode, encode

__all__ = ["ED25519_SCHEME", "authentication_key", "decode", "encode"]

ED25519_SCHEME = b"\x00"


def authentication_key(public_key: bytes) -> bytes:
    return hashlib.sha3_256(public_key + ED25519_SCHEME).digest()
