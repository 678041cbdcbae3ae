"""Avalanche X-Chain (and P-Chain) addresses: "<chain>-" + bech32 with prefix `avax` (mainnet) of HASH160 of
the 33-byte compressed secp256k1 key, e.g. "X-avax1...". The chain letter says which chain holds the balance,
so an address of another chain (P-..., C-...) or without the letter is refused on an X-Chain row. C-Chain
0x addresses are the EVM family's (network AVAXC)."""

from __future__ import annotations

from chains.encoding import bech32_data
from chains.signing.secp256k1 import compressed_key_hash

MAINNET_HRP = "avax"


def decode(address: str, chain: str = "X", hrp: str = MAINNET_HRP) -> bytes:
    """The 20-byte key hash of a "<chain>-<hrp>1..." address. ValueError with the reason."""
    text = address.strip()
    if not text:
        raise ValueError("empty Avalanche address")
    alias, sep, body = text.partition("-")
    if not sep:
        raise ValueError(f"{text!r} names no chain; expected {chain}-{hrp}1...")
    if alias.upper() != chain:
        raise ValueError(f"{text!r} is an address on the {alias}-Chain, not the {chain}-Chain")
    raw = bech32_data.decode(body, hrp)
    if len(raw) != 20:
        raise ValueError(f"{text!r} holds {len(raw)} bytes, expected a 20-byte key hash")
    return raw


def encode(key_hash: bytes, chain: str = "X", hrp: str = MAINNET_HRP) -> str:
    return f"{chain}-{bech32_data.encode(hrp, key_hash)}"


key_hash = compressed_key_hash  # HASH160 of the compressed key


def canonical(address: str, chain: str = "X", hrp: str = MAINNET_HRP) -> str:
    return encode(decode(address, chain, hrp), chain, hrp)
