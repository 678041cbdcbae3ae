"""Solana account addresses: base58 of the 32-byte Ed25519 public key."""

from __future__ import annotations

import base58

from chains.encoding.base58_bounded import b58decode, shown


def decode(address: str) -> bytes:
    """The 32 bytes an address names. ValueError when it is not a canonical base58 Solana address."""
    text = address.strip()
    if not text:
        raise ValueError("empty")
    try:
        raw = b58decode(text, 32)
    except ValueError as exc:
        raise ValueError(f"{shown(text)} is not base58 ({exc})") from None
    if len(raw) != 32:
        raise ValueError(f"{text!r} decodes to {len(raw)} bytes, a Solana address has 32")
    if base58.b58encode(raw).decode() != text:  # extra leading '1's would name the same key twice
        raise ValueError(f"{text!r} is not in canonical base58 form")
    return raw


def encode(public_key: bytes) -> str:
    return base58.b58encode(public_key).decode()
