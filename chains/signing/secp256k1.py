"""secp256k1 public-key recovery through coincurve (libsecp256k1), shared by every ECDSA family.

eth_account without coincurve manages ~146 recoveries/s; libsecp256k1 does tens of thousands.
"""

from __future__ import annotations

import hashlib

from coincurve import PublicKey

from chains.encoding.hex_text import strict_fromhex

try:  # safe-pysha3: keccak in C behind a hashlib-style object, ~0.8 us a call against pycryptodome's ~6 us
    from sha3 import keccak_256 as _keccak_256
except ImportError:  # pragma: no cover - a platform without its wheel falls back to pycryptodome
    from Crypto.Hash import keccak as _keccak

    def _keccak_256(data: bytes) -> object:  # type: ignore[misc]
        return _keccak.new(digest_bits=256, data=data)

SECP256K1_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
HALF_N = SECP256K1_N // 2


def keccak256(data: bytes) -> bytes:
    return _keccak_256(data).digest()  # type: ignore[attr-defined, no-any-return]


def recover(digest: bytes, r_s: bytes, recovery_id: int) -> PublicKey:
    """The public key that produced signature (r, s) with `recovery_id` over the 32-byte `digest`.

    Raises ValueError when no key recovers (bad r/s, r or s out of range, bad recovery id).
    """
    if len(digest) != 32 or len(r_s) != 64 or recovery_id not in (0, 1, 2, 3):
        raise ValueError("bad recovery input")
    r = int.from_bytes(r_s[:32], "big")
    s = int.from_bytes(r_s[32:], "big")
    if not (0 < r < SECP256K1_N and 0 < s < SECP256K1_N):
        raise ValueError("r or s out of range")
    try:
        return PublicKey.from_signature_and_message(r_s + bytes([recovery_id]), digest, hasher=None)
    except Exception as exc:  # coincurve raises a bare Exception when no point recovers
        raise ValueError(f"no key recovers from this signature ({exc})") from exc


def eth_address_bytes(key: PublicKey) -> bytes:
    """The 20-byte Ethereum-style account of a key: last 20 bytes of keccak(X || Y)."""
    return keccak256(key.format(compressed=False)[1:])[12:]


def hash160(data: bytes) -> bytes:
    """RIPEMD-160(SHA-256(data)): the key hash of Bitcoin, Cosmos-SDK, XRP Ledger and Avalanche addresses."""
    return hashlib.new("ripemd160", hashlib.sha256(data).digest()).digest()


def sha256d(data: bytes) -> bytes:
    """SHA-256(SHA-256(data)): Bitcoin's double hash (txids, base58check, message digests) and aelf's accounts."""
    return hashlib.sha256(hashlib.sha256(data).digest()).digest()


def compressed_key_hash(key: PublicKey) -> bytes:
    """hash160 of the 33-byte compressed key: the account of Cosmos-SDK chains, the XRP Ledger and Avalanche X."""
    return hash160(key.format(compressed=True))


def parse_public_key(text: str) -> PublicKey:
    """A secp256k1 public key written as hex (`0x` optional): 33 bytes compressed, 65 bytes uncompressed, or
    64 bytes X || Y (the uncompressed form without its 0x04 prefix, as OKX's AVAX-X rows may carry it).

    Raises ValueError naming what is wrong (not hex, wrong length, not a point on the curve).
    """
    body = text.strip()
    if body[:2].lower() == "0x":
        body = body[2:]
    try:
        raw = strict_fromhex(body)
    except ValueError:
        raise ValueError("public key is not hex") from None
    if len(raw) == 64:
        raw = b"\x04" + raw
    if len(raw) not in (33, 65):
        raise ValueError(f"public key is {len(raw)} bytes, expected 33 (compressed), 65 or 64 (X || Y)")
    try:
        return PublicKey(raw)
    except Exception as exc:  # coincurve raises a bare Exception for a point off the curve
        raise ValueError(f"public key is not a valid secp256k1 point ({exc})") from None
