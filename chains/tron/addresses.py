"""TRON account addresses.

An account is 21 bytes: the prefix 0x41 followed by the same 20 bytes an Ethereum account would have
(last 20 bytes of keccak(X || Y) of the public key). Users see it as base58check ("T..."), the node's
non-`visible` JSON as 42 hex digits ("41..."). The canonical form here is base58check.
"""

from __future__ import annotations

from functools import lru_cache

import base58
from coincurve import PublicKey

from chains.encoding.base58_bounded import b58decode_check, shown
from chains.signing.secp256k1 import eth_address_bytes

PREFIX = 0x41
ADDRESS_BYTES = 21
ZERO_ADDRESS = base58.b58encode_check(bytes([PREFIX]) + bytes(20)).decode()  # mint/burn side of Transfer


@lru_cache(maxsize=1024)  # a row's address is decoded by its signature check and again for its balance query
def decode(address: str) -> bytes:
    """The 21 raw bytes of a base58check ("T...") or hex ("41...", 42 digits) TRON address.

    Raises ValueError with the reason when it is neither.
    """
    text = address.strip()
    if not text:
        raise ValueError("empty TRON address")
    if len(text) == 2 * ADDRESS_BYTES and text[:2] == "41":
        try:
            raw = bytes.fromhex(text)
        except ValueError:
            raise ValueError(f"not a TRON address: {text!r} is not hex") from None
    else:
        try:
            raw = b58decode_check(text, ADDRESS_BYTES)
        except ValueError as exc:  # bad characters or checksum, too long
            raise ValueError(f"not a TRON address: {shown(text)} ({exc})") from None
    if len(raw) != ADDRESS_BYTES:
        raise ValueError(f"not a TRON address: {text!r} decodes to {len(raw)} bytes, expected {ADDRESS_BYTES}")
    if raw[0] != PREFIX:
        raise ValueError(f"not a TRON mainnet address: {text!r} has prefix 0x{raw[0]:02x}, expected 0x41")
    return raw


def encode(raw: bytes) -> str:
    """base58check form of 21 raw address bytes."""
    if len(raw) != ADDRESS_BYTES or raw[0] != PREFIX:
        raise ValueError("a TRON address is 0x41 followed by 20 bytes")
    return base58.b58encode_check(raw).decode()


# Each TRON query names its account and contract in several requests and checks: sized for a month's TRON
# accounts (~50,000 at OKX; ~20 MB at most), since an LRU cycled by more keys than it holds never hits.
@lru_cache(maxsize=1 << 17)
def canonical(address: str) -> str:
    """The base58check form of any accepted spelling; ValueError when it is not a TRON address."""
    return encode(decode(address))


def to_hex(address: str) -> str:
    """The "41..." hex form the node uses when `visible` is false."""
    return decode(address).hex()


def evm_hex(address: str) -> str:
    """The 20-byte account as 0x-hex, the form an ABI-encoded `address` argument takes."""
    return "0x" + decode(address)[1:].hex()


def from_evm_bytes(account: bytes) -> str:
    """The TRON address of a 20-byte account (e.g. an ABI-decoded address)."""
    return encode(bytes([PREFIX]) + account)


def from_public_key(key: PublicKey) -> str:
    return from_evm_bytes(eth_address_bytes(key))
