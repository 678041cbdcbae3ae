"""chains.encoding.bech32_fast accepts and rejects exactly what the reference codec (`bech32m`) does."""

from __future__ import annotations

import random

import bech32m
import pytest
from bech32m import codecs

from chains.encoding import bech32_fast

# BIP-173 / BIP-350 test vectors (valid segwit addresses), and strings each codec must refuse.
VALID = [
    "BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4",
    "tb1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3q0sl5k7",
    "bc1pw508d6qejxtdg4y5r3zarvary0c5xw7kw508d6qejxtdg4y5r3zarvary0c5xw7kt5nd6y",
    "BC1SW50QGDZ25J",
    "bc1zw508d6qejxtdg4y5r3zarvaryvaxxpcs",
    "tb1qqqqqp399et2xygdj5xreqhjjvcmzhxw4aywxecjdzew6hylgvsesrxh6hy",
    "tb1pqqqqp399et2xygdj5xreqhjjvcmzhxw4aywxecjdzew6hylgvsesf3hn0c",
    "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0",
]
INVALID = [
    "tc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqq5zuyut",
    "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqh2y7hd",
    "tb1z0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqglt7rf",
    "BC1S0XLXVLHEMJA6C4DQV22UAPCTQUPFHLXM9H8Z3K2E72Q4K9HCZ7VQ54WELL",
    "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kemeawh",
    "tb1q0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vq24jc47",
    "bc1p38j9r5y49hruaue7wxjce0updqjuyyx0kh56v8s25huc6995vvpql3jow4",
    "BC130XLXVLHEMJA6C4DQV22UAPCTQUPFHLXM9H8Z3K2E72Q4K9HCZ7VQ7ZWS8R",
    "bc1pw5dgrnzv",
    "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7v8n0nx0muaewav253zgeav",
    "BC1QR508D6QEJXTDG4Y5R3ZARVARYV98GJ9P",
    "tb1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vq47Zagq",
    "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7v07qwwzcrf",
    "tb1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vpggkg4j",
    "bc1gmk9yu",
    "",
    "1",
    "a1qqqqqq",
    "rltc1\x7fqqqqqqq",
    "bc1qé08d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4",
]


def _reference(hrp: str, text: str) -> tuple[int, bytes] | None:
    try:
        version, program = bech32m.decode(hrp, text)
    except codecs.DecodeError:
        return None
    return version, bytes(program)


def _fast(hrp: str, text: str) -> tuple[int, bytes] | None:
    try:
        return bech32_fast.decode_segwit(hrp, text)
    except bech32_fast.Bech32Error:
        return None


@pytest.mark.parametrize("text", VALID + INVALID)
def test_segwit_decoding_agrees_with_the_reference(text: str) -> None:
    hrp = text[:text.rfind("1")].lower() if "1" in text else "bc"
    assert _fast(hrp, text) == _reference(hrp, text)
    assert _fast("ltc", text) == _reference("ltc", text)  # another prefix: both refuse


def test_valid_vectors_decode() -> None:
    for text in VALID:
        hrp = text[:text.rfind("1")].lower()
        assert _fast(hrp, text) is not None, text


def test_random_corruptions_agree_with_the_reference() -> None:
    """Every single-character change, case flip, truncation and extension of real addresses: the checksum,
    padding and length rules must decide as the reference does (most are refused, a few stay valid)."""
    chooser = random.Random(7)
    alphabet = bech32_fast.CHARSET + "1bBiIoO0\x00 "
    programs = [bytes(chooser.randrange(256) for _ in range(size)) for size in (20, 32, 2, 40, 33)]
    samples = [bech32m.encode("rltc", 0, p) for p in programs if len(p) in (20, 32)]
    samples += [bech32m.encode("bc", version, p) for version in (1, 2, 16) for p in programs]
    checked = accepted = 0
    for text in samples:
        variants = {text, text.upper(), text[:-1], text + "q", text[:4] + text[4:].upper()}
        for index in range(len(text)):
            variants.add(text[:index] + chooser.choice(alphabet) + text[index + 1:])
            variants.add(text[:index] + text[index + 1:])
        for variant in variants:
            hrp = "rltc" if text.startswith("rltc") else "bc"
            expected = _reference(hrp, variant)
            assert _fast(hrp, variant) == expected, variant
            checked += 1
            accepted += expected is not None
    assert checked > 1000 and 0 < accepted < checked


def test_decode_reports_the_checksum_kind() -> None:
    assert bech32_fast.decode(VALID[0])[2] == bech32_fast.BECH32_CONST
    assert bech32_fast.decode(VALID[2])[2] == bech32_fast.BECH32M_CONST
    hrp, data, _ = bech32_fast.decode(VALID[0])
    found, reference_data, _ = codecs.bech32_decode(VALID[0])
    assert hrp == found and [bech32_fast.CHARSET.index(c) for c in data] == list(reference_data)
