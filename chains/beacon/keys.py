"""BLS12-381 values as BETH rows spell them: a 48-byte compressed G1 validator key (the `address` column) and a
96-byte compressed G2 signature, hex with an optional `0x`."""

from __future__ import annotations

from chains.encoding.hex_text import strict_fromhex

PUBKEY_BYTES = 48
SIGNATURE_BYTES = 96


def parse_hex(text: str, size: int, what: str) -> bytes:
    body = text.strip()
    if body[:2].lower() == "0x":
        body = body[2:]
    try:
        raw = strict_fromhex(body)
    except ValueError:
        raise ValueError(f"{what} is not hex") from None
    if len(raw) != size:
        raise ValueError(f"{what} is {len(raw)} bytes, expected {size}")
    if not raw[0] & 0x80:
        raise ValueError(f"{what} is not in compressed form (top bit of the first byte unset)")
    return raw


def parse_pubkey(text: str) -> bytes:
    return parse_hex(text, PUBKEY_BYTES, "BLS12-381 validator public key")


def parse_signature(text: str) -> bytes:
    return parse_hex(text, SIGNATURE_BYTES, "BLS12-381 signature")


def canonical(text: str) -> str:
    """`0x` + 96 lowercase hex digits of a validator key."""
    return "0x" + parse_pubkey(text).hex()
