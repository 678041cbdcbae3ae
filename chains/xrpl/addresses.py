"""XRP Ledger account addresses.

An account ID is 20 bytes, HASH160 of the 33-byte compressed secp256k1 master key. Users see it as a classic
address: base58check with the Ripple alphabet of 0x00 || account ID ("r..."). An X-address (XLS-5) packs the
account ID with an optional 32-bit destination tag: base58check (Ripple alphabet) of the prefix 0x05 0x44
(mainnet; 0x04 0x93 is testnet), the account ID, a flag byte (0 no tag, 1 tag) and the tag as 8 bytes
little-endian. The tag only routes deposits inside an account, so ownership and balance concern the account ID;
the canonical form here is the classic address.
"""

from __future__ import annotations

import base58

from chains.encoding.base58_bounded import XRP_ALPHABET, b58decode_check, shown
from chains.signing.secp256k1 import compressed_key_hash

ACCOUNT_VERSION = 0x00
X_MAINNET = bytes([0x05, 0x44])
X_TESTNET = bytes([0x04, 0x93])
X_ADDRESS_BYTES = 31  # prefix, account ID, flag, tag: the longest payload either form has


def _b58check_decode(text: str) -> bytes:
    try:
        return b58decode_check(text, X_ADDRESS_BYTES, alphabet=XRP_ALPHABET)
    except ValueError as exc:  # bad characters or checksum, too long
        raise ValueError(f"not an XRP Ledger address: {shown(text)} ({exc})") from None


def decode(address: str) -> bytes:
    """The 20-byte account ID of a classic ("r...") or mainnet X-address ("X..."). ValueError with the reason."""
    text = address.strip()
    if not text:
        raise ValueError("empty XRP Ledger address")
    if text[0] in "XT" and len(text) > 40:
        return decode_x_address(text)[0]
    raw = _b58check_decode(text)
    if len(raw) != 21 or raw[0] != ACCOUNT_VERSION:
        raise ValueError(f"not an XRP Ledger classic address: {text!r} (expected version 0x00 and 20 bytes)")
    return raw[1:]


def decode_x_address(address: str) -> tuple[bytes, int | None]:
    """(account ID, destination tag or None) of a mainnet X-address; testnet ones are refused."""
    text = address.strip()
    raw = _b58check_decode(text)
    if len(raw) != X_ADDRESS_BYTES:
        raise ValueError(f"not an X-address: {text!r} decodes to {len(raw)} bytes, expected 31")
    prefix, account, flag, tag_bytes = raw[:2], raw[2:22], raw[22], raw[23:]
    if prefix == X_TESTNET:
        raise ValueError(f"{text!r} is a testnet X-address; only mainnet accounts count as reserves")
    if prefix != X_MAINNET:
        raise ValueError(f"not an X-address: {text!r} has prefix {prefix.hex()}")
    tag = int.from_bytes(tag_bytes, "little")
    if flag == 0 and tag == 0:
        return account, None
    if flag == 1 and tag < 2**32:
        return account, tag
    raise ValueError(f"not an X-address: {text!r} has flag {flag} and tag {tag} (only none or a 32-bit tag exist)")


def encode(account: bytes) -> str:
    """The classic address of a 20-byte account ID."""
    if len(account) != 20:
        raise ValueError("an XRP Ledger account ID is 20 bytes")
    return base58.b58encode_check(bytes([ACCOUNT_VERSION]) + account, alphabet=base58.XRP_ALPHABET).decode()


def encode_x_address(account: bytes, tag: int | None = None, testnet: bool = False) -> str:
    """The X-address of an account ID and optional 32-bit destination tag."""
    if len(account) != 20:
        raise ValueError("an XRP Ledger account ID is 20 bytes")
    if tag is not None and not 0 <= tag < 2**32:
        raise ValueError("a destination tag is a 32-bit unsigned integer")
    flag, value = (0, 0) if tag is None else (1, tag)
    body = (X_TESTNET if testnet else X_MAINNET) + account + bytes([flag]) + value.to_bytes(8, "little")
    return base58.b58encode_check(body, alphabet=base58.XRP_ALPHABET).decode()


account_id = compressed_key_hash  # HASH160 of the compressed master key


def canonical(address: str) -> str:
    return encode(decode(address))
