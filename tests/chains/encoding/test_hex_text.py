"""chains/encoding/hex_text.py: hex fields decode only from hex digits (bytes.fromhex would skip inner whitespace)."""

from __future__ import annotations

import pytest

from chains.encoding.hex_text import strict_fromhex
from chains.signing.okx_message import parse_okx_rsv
from chains.signing.secp256k1 import parse_public_key


def test_strict_fromhex() -> None:
    assert strict_fromhex("00aB") == b"\x00\xab" and strict_fromhex("") == b""
    for text in ("ab cd", "ab\tcd", "ab\ncd", "abc", "0xab", "+ab", "ab_cd", "\u0660\u0661"):
        with pytest.raises(ValueError):
            strict_fromhex(text)


def test_shared_parsers_refuse_inner_whitespace() -> None:
    key = "02" + "79be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798"
    assert parse_public_key(key).format().hex() == key
    spaced = key[:32] + " " + key[32:34] + " " + key[34:]  # pairs kept aligned: fromhex would read 33 bytes
    with pytest.raises(ValueError, match="not hex"):
        parse_public_key(spaced)
    signature = "11" * 64 + "1b"
    assert parse_okx_rsv(signature)[1] == 0
    with pytest.raises(ValueError, match="not hex"):
        parse_okx_rsv(signature[:64] + " " + signature[64:])
