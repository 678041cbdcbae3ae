"""aelf account addresses.

An account is 32 bytes, sha256d of the 65-byte uncompressed key; the address is base58check of it (4-byte
sha256d checksum, no version byte). Wallets and exchanges also write the "full" form ELF_<address>_<chain>,
where <chain> is the chain's base58 id (AELF for the main chain, tDVV/tDVW for side chains). The full form is
accepted only when it names this network's chain (registry param `chain`, default AELF): a side-chain
account holds a different balance.
"""

from __future__ import annotations

import base58
from coincurve import PublicKey

from chains.encoding.base58_bounded import b58decode_check, shown
from chains.signing.secp256k1 import sha256d

MAIN_CHAIN = "AELF"
FULL_PREFIX = "ELF_"


def bare(address: str, chain: str = MAIN_CHAIN) -> str:
    """The base58 part of a bare or full (ELF_<address>_<chain>) address."""
    text = address.strip()
    if text.startswith(FULL_PREFIX):
        body, sep, suffix = text[len(FULL_PREFIX):].rpartition("_")
        if not sep:
            raise ValueError(f"not an aelf address: {text!r} (full form is ELF_<address>_<chain>)")
        if suffix != chain:
            raise ValueError(f"{text!r} is an account on chain {suffix}, not on {chain}")
        return body
    return text


def decode(address: str, chain: str = MAIN_CHAIN) -> bytes:
    """The 32-byte account of a bare or full aelf address. ValueError with the reason."""
    text = bare(address, chain)
    if not text:
        raise ValueError("empty aelf address")
    try:
        raw = b58decode_check(text, 32)
    except ValueError as exc:  # bad characters or checksum, too long
        raise ValueError(f"not an aelf address: {shown(address.strip())} ({exc})") from None
    if len(raw) != 32:
        raise ValueError(f"not an aelf address: {address.strip()!r} decodes to {len(raw)} bytes, expected 32")
    return raw


def encode(account: bytes) -> str:
    if len(account) != 32:
        raise ValueError("an aelf account is 32 bytes")
    return base58.b58encode_check(account).decode()


def account_of(key: PublicKey) -> bytes:
    return sha256d(key.format(compressed=False))


def canonical(address: str, chain: str = MAIN_CHAIN) -> str:
    """The bare base58 form (what the chain's APIs take)."""
    return encode(decode(address, chain))
