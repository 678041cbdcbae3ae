"""Cosmos-SDK account addresses: bech32 with the chain's prefix (`terra`, `cosmos`, `osmo`...) of HASH160 of
the 33-byte compressed secp256k1 key. The prefix is the registry's `hrp` param for each network, so another
Cosmos-SDK chain is one registry entry. 32-byte addresses (module and interchain accounts) have no key."""

from __future__ import annotations

from chains.encoding import bech32_data
from chains.signing.secp256k1 import compressed_key_hash


def decode(address: str, hrp: str) -> bytes:
    """The 20-byte key hash of a `hrp`-prefixed account address. ValueError with the reason."""
    text = address.strip()
    if not text:
        raise ValueError("empty address")
    raw = bech32_data.decode(text, hrp)
    if len(raw) != 20:
        raise ValueError(f"{text!r} holds {len(raw)} bytes; an account controlled by a key holds 20")
    return raw


def encode(key_hash: bytes, hrp: str) -> str:
    return bech32_data.encode(hrp, key_hash)


key_hash = compressed_key_hash  # HASH160 of the compressed key


def canonical(address: str, hrp: str) -> str:
    return encode(decode(address, hrp), hrp)
