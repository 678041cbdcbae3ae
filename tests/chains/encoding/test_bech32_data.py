"""Plain bech32 byte strings (Cosmos-SDK, Avalanche), checked against BIP-173's published test string."""

from __future__ import annotations

import pytest

from chains.encoding import bech32_data


def test_bip173_valid_string() -> None:
    # BIP-173 lists "a12uel5l" (hrp "a", empty data) and "abcdef1qpzry9x8gf2tvdw0s3jn54khce6mua7lmqqqxw" as valid.
    assert bech32_data.decode("a12uel5l", "a") == b""
    assert bech32_data.decode("A12UEL5L", "a") == b""


def test_round_trip() -> None:
    for size in (1, 20, 32):
        raw = bytes(range(size))
        assert bech32_data.decode(bech32_data.encode("terra", raw), "terra") == raw


@pytest.mark.parametrize(
    ("text", "hrp", "reason"),
    [("a12uel5m", "a", "checksum"), ("a12uel5l", "b", "prefix 'a'"), ("A12uel5l", "a", "mixed case")],
)
def test_refusals(text: str, hrp: str, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        bech32_data.decode(text, hrp)
