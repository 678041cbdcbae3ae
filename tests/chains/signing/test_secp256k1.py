"""Shared secp256k1 helpers added for the OKX ECDSA-family chains: HASH160 and public-key parsing."""

from __future__ import annotations

import hashlib

import pytest
from coincurve import PrivateKey

from chains.signing.secp256k1 import compressed_key_hash, hash160, parse_public_key, sha256d


def test_hash160_known_value() -> None:
    # Bitcoin's generator-point key (private key 1), compressed: its P2PKH hash is well known.
    key = PrivateKey((1).to_bytes(32, "big")).public_key.format()
    assert hash160(key).hex() == "751e76e8199196d454941c45d1b3a323f1433bd6"


def test_public_key_forms() -> None:
    public = PrivateKey(b"\x61" * 32).public_key
    compressed, uncompressed = public.format(), public.format(compressed=False)
    for text in (compressed.hex(), "0x" + compressed.hex().upper(), uncompressed.hex(), uncompressed[1:].hex()):
        assert parse_public_key(text).format() == compressed


@pytest.mark.parametrize(
    ("text", "reason"),
    [("", "0 bytes"), ("zz", "not hex"), ("02" + "00" * 31, "32 bytes"), ("02" + "ff" * 32, "not a valid"),
     ("ff" * 64, "not a valid")],
)
def test_bad_public_keys(text: str, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        parse_public_key(text)


def test_double_sha256_and_compressed_key_hash() -> None:
    # Bitcoin's genesis block header hashes to its well-known id (byte-reversed)
    header = bytes.fromhex(
        "0100000000000000000000000000000000000000000000000000000000000000000000003ba3edfd7a7b12b27ac72c3e67768f617fc8"
        "1bc3888a51323a9fb8aa4b1e5e4a29ab5f49ffff001d1dac2b7c")
    assert sha256d(header)[::-1].hex() == "000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f"
    key = PrivateKey(b"\x01" * 32).public_key
    assert compressed_key_hash(key) == hash160(key.format(compressed=True))
    assert hash160(b"") == hashlib.new("ripemd160", hashlib.sha256(b"").digest()).digest()
