"""Cardano Shelley addresses (CIP-19): bech32 (HRP `addr` on mainnet) of a header byte and credentials.

Header = address type (high nibble) || network id (low nibble, 1 = mainnet). Types whose payment credential
is a key hash: 0 = base (payment key hash || stake key hash), 2 = base with a script stake credential,
6 = enterprise (payment key hash only). A key hash is BLAKE2b-224 of the Ed25519 public key. Shelley
addresses can exceed BIP-173's 90 characters, so the length limit of the bech32 library's decoder does not
apply; its checksum and bit conversion are used as they are, under a cap of our own (MAX_CHARS).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from bech32m.codecs import CHARSET, DecodeError, Encoding, bech32_encode, bech32_verify_checksum, convertbits

MAINNET_HRP = "addr"
MAINNET_ID = 1
KEY_HASH_BYTES = 28
TYPE_NAMES = {
    0: "base (key, key)", 1: "base (script, key)", 2: "base (key, script)", 3: "base (script, script)",
    4: "pointer (key)", 5: "pointer (script)", 6: "enterprise (key)", 7: "enterprise (script)",
}
PAYLOAD_BYTES = {0: 56, 1: 56, 2: 56, 3: 56, 6: 28, 7: 28}  # pointer addresses (4, 5) vary in length
PAYMENT_KEY_TYPES = frozenset({0, 2, 6})
# The longest Shelley payment address is a pointer one: header, key hash and three varints of at most 10 bytes
# (59 bytes, 106 characters with "addr1" and the checksum); anything much longer is refused before decoding.
MAX_CHARS = 128


@dataclass(frozen=True, slots=True)
class ShelleyAddress:
    header: int
    payload: bytes  # the credentials after the header

    @property
    def kind(self) -> int:
        return self.header >> 4

    @property
    def kind_name(self) -> str:
        return TYPE_NAMES.get(self.kind, f"type {self.kind}")

    @property
    def payment_key_hash(self) -> bytes | None:
        """The payment credential when it is a key hash (not a script), else None."""
        return self.payload[:KEY_HASH_BYTES] if self.kind in PAYMENT_KEY_TYPES else None

    @property
    def stake_part(self) -> bytes:
        return self.payload[KEY_HASH_BYTES:] if self.kind in (0, 1, 2, 3) else b""


def key_hash(public_key: bytes) -> bytes:
    return hashlib.blake2b(public_key, digest_size=KEY_HASH_BYTES).digest()


def _bech32_payload(text: str) -> tuple[str, bytes]:
    if len(text) > MAX_CHARS:
        raise ValueError(f"{text[:48]!r}... is {len(text)} characters; a Cardano address has at most {MAX_CHARS}")
    if text.lower() != text and text.upper() != text:
        raise ValueError(f"{text!r} mixes upper and lower case")
    lowered = text.lower()
    pos = lowered.rfind("1")
    if pos < 1 or pos + 7 > len(lowered) or any(c not in CHARSET for c in lowered[pos + 1 :]):
        raise ValueError(f"{text!r} is not bech32")
    hrp = lowered[:pos]
    data = bytes(CHARSET.index(c) for c in lowered[pos + 1 :])
    try:
        if bech32_verify_checksum(hrp, data) != Encoding.BECH32:
            raise ValueError(f"{text!r} has a bech32m checksum; Cardano uses bech32")
        return hrp, bytes(convertbits(data[:-6], 5, 8, False))
    except DecodeError:
        raise ValueError(f"{text!r} has a bad bech32 checksum or padding") from None


def decode(address: str) -> ShelleyAddress:
    """A mainnet Shelley payment address. ValueError for anything else (Byron, testnet, reward, malformed)."""
    text = address.strip()
    if not text:
        raise ValueError("empty")
    if text.startswith(("Ae2", "DdzFF")):
        raise ValueError(f"{text!r} is a Byron address; only Shelley addresses are supported")
    hrp, raw = _bech32_payload(text)
    if hrp != MAINNET_HRP:
        raise ValueError(f"{text!r} has prefix {hrp!r}; mainnet payment addresses use {MAINNET_HRP!r}")
    if not raw:
        raise ValueError(f"{text!r} is empty")
    parsed = ShelleyAddress(raw[0], raw[1:])
    if parsed.kind > 7:
        raise ValueError(f"{text!r} has header 0x{raw[0]:02x}, not a Shelley payment address")
    if raw[0] & 0x0F != MAINNET_ID:
        raise ValueError(f"{text!r} has network id {raw[0] & 0x0F}, mainnet is {MAINNET_ID}")
    expected = PAYLOAD_BYTES.get(parsed.kind)
    size = len(parsed.payload)
    if (expected is not None and size != expected) or (expected is None and size <= KEY_HASH_BYTES):
        raise ValueError(f"{text!r} ({parsed.kind_name}) has {size} payload bytes, not {expected or 'more than 28'}")
    return parsed


def encode(parsed: ShelleyAddress) -> str:
    return bech32_encode(MAINNET_HRP, bytes(convertbits(bytes([parsed.header]) + parsed.payload, 8, 5)),
                         Encoding.BECH32)


def enterprise_address(public_key: bytes) -> str:
    return encode(ShelleyAddress(0x60 | MAINNET_ID, key_hash(public_key)))
