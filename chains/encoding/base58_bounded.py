"""base58 / base58check decoding with the input length bounded first.

The `base58` package decodes by big-integer arithmetic, quadratic in the input length: a 131072-character
address field costs ~10 s of CPU, a 16 MiB one days. Every address and key this project reads decodes to a
few dozen bytes, so a string longer than any base58 spelling of `max_bytes` bytes is refused before decoding.
"""

from __future__ import annotations

import math

import base58

BITCOIN_ALPHABET = base58.BITCOIN_ALPHABET
XRP_ALPHABET = base58.XRP_ALPHABET
CHECKSUM_BYTES = 4  # base58check: the first 4 bytes of sha256d(payload)
_CHARS_PER_BYTE = math.log(256) / math.log(58)


def max_chars(max_bytes: int) -> int:
    """The longest base58 spelling of up to `max_bytes` bytes (each leading zero byte is one '1', and every
    other byte needs at most log(256)/log(58) characters)."""
    return math.ceil(max_bytes * _CHARS_PER_BYTE)


def shown(text: str, limit: int = 48) -> str:
    """`text` for an error message: repr, cut after `limit` characters (an over-long field is not echoed)."""
    return repr(text) if len(text) <= limit else f"{text[:limit]!r}... ({len(text)} characters)"


def _bounded(text: str, max_bytes: int) -> None:
    limit = max_chars(max_bytes)
    if len(text) > limit:
        raise ValueError(f"{len(text)} characters, longer than any base58 spelling of {max_bytes} bytes ({limit})")


def b58decode(text: str, max_bytes: int, alphabet: bytes = BITCOIN_ALPHABET) -> bytes:
    """The bytes `text` spells, when it can spell at most `max_bytes`. ValueError (bad character, too long)."""
    _bounded(text, max_bytes)
    return base58.b58decode(text, alphabet=alphabet)


def b58decode_check(text: str, max_payload_bytes: int, alphabet: bytes = BITCOIN_ALPHABET) -> bytes:
    """The payload of a base58check string whose payload is at most `max_payload_bytes` (checksum excluded).
    ValueError (bad character, bad checksum, too long)."""
    _bounded(text, max_payload_bytes + CHECKSUM_BYTES)
    return base58.b58decode_check(text, alphabet=alphabet)
