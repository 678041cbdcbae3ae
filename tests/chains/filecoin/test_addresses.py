"""Filecoin f1 addresses: OKX's published key -> address vector, and every refusal with its reason."""

from __future__ import annotations

import csv

import pytest
from coincurve import PrivateKey, PublicKey

from chains.filecoin import addresses
from tests.conftest import SHARED, needs_shared


def test_published_pubkey_to_address_vector() -> None:
    path = needs_shared(SHARED / "vectors" / "address_vectors.csv")
    with path.open(newline="", encoding="utf-8") as handle:
        rows = [r for r in csv.DictReader(handle) if r["coin"] == "FIL" and r["kind"] == "pubkey_to_address"]
    assert rows
    for row in rows:
        key = PublicKey(bytes.fromhex(row["input"].removeprefix("0x")))
        assert addresses.encode(addresses.payload_of(key)) == row["expected"]
        assert addresses.decode(row["expected"]) == addresses.payload_of(key)


def test_round_trip_and_case() -> None:
    payload = addresses.payload_of(PrivateKey(b"\x11" * 32).public_key)
    address = addresses.encode(payload)
    assert address.startswith("f1") and len(address) == 41
    assert addresses.canonical(address.upper()) == address


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("", "empty"),
        ("t12cs7ppvnhwhma3xzhkm4pavq2q47blmprcxvg6i", "testnet"),
        ("f01234", "an ID"),
        ("f2abcdefghijklmnopqrstuvwxyz234567abcdefg", "an actor"),
        ("f3vvmn62lofvhjd2ugzca6sof2j2ubwok6cj4xxbfzz4yuxfkgobpihhd2thlanmsh3w2ptld2gqkn2jvlss4a", "a BLS"),
        ("f410fa7sh5u6fvd7vt625dx2akhbu3jt7yvkhgdp55ki", "network FEVM"),
        ("f9abc", "protocol"),
        ("x12cs7ppvnhwhma3xzhkm4pavq2q47blmprcxvg6i", "not a Filecoin address"),
        ("f12cs7ppvnhwhma3xzhkm4pavq2q47blmprcxvg7a", "bad checksum"),
        ("f12cs7ppvnhwhma3xzhkm4pavq2q47blmprcxvg6j", "not canonical"),
        ("f12cs7ppvnhwhma3xzhkm4pavq2q47blmprcxvg", "bytes, expected 24"),
        ("f12cs7ppvnhwhma3xzhkm4pavq2q47blmprcxvg6!", "not base32"),
    ],
)
def test_refused_addresses(address: str, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        addresses.decode(address)


def test_eam_delegated_addresses_share_the_f1_base32_and_checksum() -> None:
    """f410f = protocol 4, namespace 10: the checksum is the same BLAKE2b-32 over (protocol || payload) as f1's."""
    account = bytes.fromhex("07e47ed3c5a8ff59fb5d1df4051c34da67fc5547")
    address = addresses.eam_address(account)
    assert address == "f410fa7sh5u6fvd7vt625dx2akhbu3jt7yvkhgdp55ki"  # OKX crypto_test.go FEVM row
    assert addresses.decode_eam(address) == addresses.decode_eam(address.upper()) == account
    body = account + addresses.checksum(addresses.PROTOCOL_DELEGATED, bytes([addresses.EAM_NAMESPACE]) + account)
    assert address == addresses.EAM_PREFIX + addresses.b32_encode(body)
    for text, reason in (("t410f" + address[5:], "testnet"), ("f411f" + address[5:], "outside the EVM namespace"),
                         (address[:-2] + "aa", "bad checksum|not canonical"), (address + "a", "expected 39")):
        with pytest.raises(ValueError, match=reason):
            addresses.decode_eam(text)
    with pytest.raises(ValueError, match="f410"):  # the f1 decoder sends delegated addresses to network FEVM
        addresses.decode(address)
