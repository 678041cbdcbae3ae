"""Filecoin secp256k1 account addresses ("f1...").

payload = BLAKE2b-160 of the 65-byte uncompressed key; checksum = BLAKE2b-32 of (protocol byte 0x01 ||
payload); address = "f" (mainnet) + "1" (protocol) + lowercase RFC 4648 base32, no padding, of
(payload || checksum). Only mainnet f1 addresses are accepted: "t..." addresses are testnet, and the other
protocols (f0 IDs, f2 actors, f3 BLS, f4 delegated) cannot be derived from a secp256k1 key here.

FEVM's f410f addresses are delegated (protocol 4) addresses in the Ethereum address manager's namespace (actor
ID 10): "f410f" + base32 of (20-byte EVM account || checksum(4, 0x0A || account)). The codec lives here with
the f1 one (same base32 and checksum); the EVM family accepts that form on network FEVM only.
"""

from __future__ import annotations

import base64
import hashlib

from coincurve import PublicKey

PROTOCOL_SECP256K1 = 1
PROTOCOL_DELEGATED = 4
EAM_NAMESPACE = 10  # the Ethereum address manager: its delegated addresses carry a 20-byte EVM account
PREFIX = "f1"
EAM_PREFIX = "f410f"
EAM_BODY_CHARS = 39  # base32 of 20-byte account + 4-byte checksum
_PROTOCOL_NAMES = {"0": "an ID (f0)", "2": "an actor (f2)", "3": "a BLS (f3)", "4": "a delegated (f4)"}


def checksum(protocol: int, payload: bytes) -> bytes:
    return hashlib.blake2b(bytes([protocol]) + payload, digest_size=4).digest()


def b32_decode(text: str) -> bytes:
    """Lowercase unpadded RFC 4648 base32 -> bytes, refusing non-canonical spellings."""
    try:
        raw = base64.b32decode(text.upper() + "=" * (-len(text) % 8))
    except ValueError:
        raise ValueError("not base32") from None
    if b32_encode(raw) != text:  # stray bits in the last character, or padding written out
        raise ValueError("not canonical base32")
    return raw


def b32_encode(raw: bytes) -> str:
    return base64.b32encode(raw).decode().rstrip("=").lower()


def decode(address: str) -> bytes:
    """The 20-byte payload of a mainnet f1 address. ValueError with the reason."""
    text = address.strip().lower()
    if not text:
        raise ValueError("empty Filecoin address")
    if text[0] == "t":
        raise ValueError(f"{address.strip()!r} is a Filecoin testnet address; only mainnet (f...) counts")
    if text[0] != "f" or len(text) < 2:
        raise ValueError(f"not a Filecoin address: {address.strip()!r}")
    if text[1] != "1":
        kind = _PROTOCOL_NAMES.get(text[1], f"a protocol-{text[1]!r}")
        raise ValueError(f"{address.strip()!r} is {kind} address; only f1 (secp256k1) addresses derive from a key "
                         "(FEVM f410 addresses go under network FEVM)")
    try:
        raw = b32_decode(text[2:])
    except ValueError as exc:
        raise ValueError(f"not a Filecoin f1 address: {address.strip()!r} ({exc})") from None
    if len(raw) != 24:
        raise ValueError(f"not a Filecoin f1 address: {address.strip()!r} holds {len(raw)} bytes, expected 24")
    payload = raw[:20]
    if raw[20:] != checksum(PROTOCOL_SECP256K1, payload):
        raise ValueError(f"not a Filecoin f1 address: {address.strip()!r} (bad checksum)")
    return payload


def encode(payload: bytes) -> str:
    if len(payload) != 20:
        raise ValueError("an f1 payload is 20 bytes")
    return PREFIX + b32_encode(payload + checksum(PROTOCOL_SECP256K1, payload))


def payload_of(key: PublicKey) -> bytes:
    return hashlib.blake2b(key.format(compressed=False), digest_size=20).digest()


def canonical(address: str) -> str:
    return encode(decode(address))


def eam_address(account: bytes) -> str:
    """The f410f form of a 20-byte EVM account."""
    if len(account) != 20:
        raise ValueError("an EVM account is 20 bytes")
    return EAM_PREFIX + b32_encode(account + checksum(PROTOCOL_DELEGATED, bytes([EAM_NAMESPACE]) + account))


def decode_eam(address: str) -> bytes:
    """The 20-byte EVM account of a mainnet f410f address. ValueError with the reason."""
    text = address.strip().lower()
    if text.startswith("t4"):
        raise ValueError("a Filecoin testnet (t4...) address; only mainnet f410f addresses are accepted")
    if not text.startswith(EAM_PREFIX):
        raise ValueError("a Filecoin delegated address outside the EVM namespace (only f410f... carries an account)")
    body = text[len(EAM_PREFIX):]
    if len(body) != EAM_BODY_CHARS:
        raise ValueError(f"not an FEVM f410f address: {len(body)} characters after f410f, expected {EAM_BODY_CHARS} "
                         "(24 bytes)")
    try:
        raw = b32_decode(body)
    except ValueError as exc:
        raise ValueError(f"not an FEVM f410f address: {exc}") from None
    account = raw[:20]
    if raw[20:] != checksum(PROTOCOL_DELEGATED, bytes([EAM_NAMESPACE]) + account):
        raise ValueError("not an FEVM f410f address: bad checksum")
    return account
