"""EOS/Vaulta key and signature strings (SCHEMES.md section 7).

* public keys: legacy `EOS` + base58(33-byte compressed key || RIPEMD-160(key)[:4]), or
  `PUB_K1_` + base58(key || RIPEMD-160(key || "K1")[:4]);
* signatures: `SIG_K1_` + base58(65 bytes || RIPEMD-160(65 bytes || "K1")[:4]), the 65 bytes being a compact
  header (27 + 4 + recovery id for a compressed key) followed by r and s.

Every checksum is checked: a mistyped key or signature is refused with the reason, never recovered from.
"""

from __future__ import annotations

import base58
from Crypto.Hash import RIPEMD160

from chains.encoding.base58_bounded import b58decode

LEGACY_PREFIX = "EOS"
K1_KEY_PREFIX = "PUB_K1_"
K1_SIG_PREFIX = "SIG_K1_"
CURVE_SUFFIX = b"K1"


def _checksum(data: bytes) -> bytes:
    return RIPEMD160.new(data).digest()[:4]


def _decode(body: str, size: int, suffix: bytes, what: str) -> bytes:
    try:
        raw = b58decode(body, size + 4)
    except ValueError as exc:
        raise ValueError(f"{what} is not base58 ({exc})") from None
    if len(raw) != size + 4:
        raise ValueError(f"{what} decodes to {len(raw)} bytes, expected {size} and a 4-byte checksum")
    payload, checksum = raw[:size], raw[size:]
    if _checksum(payload + suffix) != checksum:
        raise ValueError(f"{what} checksum does not match (a mistyped character?)")
    return payload


def parse_public_key(text: str) -> bytes:
    """The 33-byte compressed secp256k1 key of an `EOS...` or `PUB_K1_...` string. ValueError when malformed."""
    text = text.strip()
    if text.startswith(K1_KEY_PREFIX):
        key = _decode(text[len(K1_KEY_PREFIX):], 33, CURVE_SUFFIX, "PUB_K1 public key")
    elif text.startswith(LEGACY_PREFIX):
        key = _decode(text[len(LEGACY_PREFIX):], 33, b"", "EOS public key")
    else:
        raise ValueError(f"not an EOS public key (expected EOS... or PUB_K1_...): {text[:20]!r}")
    if key[0] not in (2, 3):
        raise ValueError("EOS public key is not a compressed secp256k1 point")
    return key


def parse_signature(text: str) -> tuple[bytes, int]:
    """(r||s, recovery id) of a `SIG_K1_...` string. ValueError when malformed."""
    text = text.strip()
    if not text.startswith(K1_SIG_PREFIX):
        raise ValueError(f"not an EOS K1 signature (expected SIG_K1_...): {text[:20]!r}")
    raw = _decode(text[len(K1_SIG_PREFIX):], 65, CURVE_SUFFIX, "SIG_K1 signature")
    header = raw[0]
    if not 27 <= header <= 34:
        raise ValueError(f"signature header byte is {header}, expected 27..34")
    return raw[1:], (header - 27) % 4


def encode_public_key(key: bytes, legacy: bool = True) -> str:
    """The `EOS...` (legacy) or `PUB_K1_...` form of a 33-byte compressed key."""
    if legacy:
        return LEGACY_PREFIX + base58.b58encode(key + _checksum(key)).decode()
    return K1_KEY_PREFIX + base58.b58encode(key + _checksum(key + CURVE_SUFFIX)).decode()


def encode_signature(r_s: bytes, recovery_id: int) -> str:
    """`SIG_K1_...` of a compact signature over a compressed key (header 27 + 4 + recovery id)."""
    raw = bytes([31 + recovery_id]) + r_s
    return K1_SIG_PREFIX + base58.b58encode(raw + _checksum(raw + CURVE_SUFFIX)).decode()
