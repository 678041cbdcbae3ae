"""Keccak-256 (the original Keccak padding, as Ethereum uses it, not NIST SHA3-256): every hash in OKX's proofs."""

from __future__ import annotations

from Crypto.Hash import keccak


def keccak256(data: bytes) -> bytes:
    return keccak.new(data=data, digest_bits=256).digest()
