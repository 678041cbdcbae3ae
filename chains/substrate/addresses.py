"""SS58 addresses (Polkadot, Kusama and other Substrate chains) of 32-byte account ids.

base58(prefix || account id || checksum), checksum = the first 2 bytes of BLAKE2b-512("SS58PRE" || prefix ||
account id). The network prefix is one byte below 64, or two bytes for 64..16383 (SS58 "full" format). An
Ed25519 account's id is its public key.
"""

from __future__ import annotations

import hashlib

import base58

from chains.encoding.base58_bounded import b58decode, shown

CHECKSUM_SALT = b"SS58PRE"
ACCOUNT_BYTES = 32
MAX_PREFIX = 16383


def encode_prefix(prefix: int) -> bytes:
    if not 0 <= prefix <= MAX_PREFIX:
        raise ValueError(f"SS58 prefix must be 0..{MAX_PREFIX}, got {prefix}")
    if prefix < 64:
        return bytes([prefix])
    first = ((prefix & 0b1111_1100) >> 2) | 0b0100_0000
    second = (prefix >> 8) | ((prefix & 0b11) << 6)
    return bytes([first, second])


def _decode_prefix(raw: bytes) -> tuple[int, int]:
    """(prefix, its length in bytes)."""
    if raw[0] < 64:
        return raw[0], 1
    if raw[0] < 128 and len(raw) > 1:
        lower = ((raw[0] << 2) | (raw[1] >> 6)) & 0xFF
        return lower | ((raw[1] & 0b0011_1111) << 8), 2
    raise ValueError(f"reserved SS58 prefix byte 0x{raw[0]:02x}")


def _checksum(body: bytes) -> bytes:
    return hashlib.blake2b(CHECKSUM_SALT + body, digest_size=64).digest()[:2]


def decode(address: str) -> tuple[int, bytes]:
    """(network prefix, 32-byte account id). ValueError when it is not an SS58 account address."""
    text = address.strip()
    if not text:
        raise ValueError("empty")
    try:
        raw = b58decode(text, 2 + ACCOUNT_BYTES + 2)  # the longest: 2-byte prefix, account, checksum
    except ValueError as exc:
        raise ValueError(f"{shown(text)} is not base58 ({exc})") from None
    if not raw:
        raise ValueError(f"{text!r} is not an SS58 address")
    prefix, size = _decode_prefix(raw)
    if len(raw) != size + ACCOUNT_BYTES + 2:
        raise ValueError(f"{text!r} is {len(raw)} bytes, not an SS58 address of a 32-byte account")
    body = raw[: size + ACCOUNT_BYTES]
    if _checksum(body) != raw[-2:]:
        raise ValueError(f"{text!r} has a bad SS58 checksum")
    return prefix, body[size:]


def encode(account: bytes, prefix: int) -> str:
    body = encode_prefix(prefix) + account
    return base58.b58encode(body + _checksum(body)).decode()
