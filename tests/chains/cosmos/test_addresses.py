"""Cosmos-SDK addresses: the registry's hrp decides the chain; other prefixes, bech32m and 32-byte accounts
are refused; a network without an hrp leaves its rows unchecked."""

from __future__ import annotations

import pytest
from bech32m import codecs
from coincurve import PrivateKey

from chains.base import AddressRow, Network, RowStatus
from chains.cosmos import addresses
from chains.encoding import bech32_data
from chains.registry import get_family
from tests.chains.okx_ecdsa_signing import sign_okx_ecdsa

PUBLISHED = "terra1hf7afhf4y6wlxqvr7lx4pmct5gunczmnh9emsg"  # OKX crypto_test.go LUNC row


def test_same_key_hash_under_each_prefix() -> None:
    key_hash = addresses.decode(PUBLISHED, "terra")
    cosmos_form = addresses.encode(key_hash, "cosmos")
    assert cosmos_form.startswith("cosmos1") and addresses.decode(cosmos_form, "cosmos") == key_hash
    assert addresses.canonical(PUBLISHED.upper(), "terra") == PUBLISHED


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("", "empty"),
        (PUBLISHED.replace("terra", "cosmos", 1), "not a bech32 string"),  # checksum covers the prefix
        (bech32_data.encode("cosmos", bytes(20)), "prefix 'cosmos', expected 'terra'"),
        (bech32_data.encode("terra", bytes(32)), "holds 32 bytes"),
        (codecs.bech32_encode("terra", bytes(codecs.convertbits(bytes(20), 8, 5)), codecs.Encoding.BECH32M),
         "bech32m"),
        (PUBLISHED[:-1] + "q", "not a bech32 string"),
        ("Terra1hf7afhf4y6wlxqvr7lx4pmct5gunczmnh9emsg", "not a bech32 string"),  # mixed case
    ],
)
def test_refused_addresses(address: str, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        addresses.decode(address, "terra")


def test_a_new_chain_is_a_registry_entry() -> None:
    family = get_family("cosmos")
    key = PrivateKey(b"\x31" * 32)
    network = Network("JUNO", "cosmos", "Juno", "JUNO", 6, params={"hrp": "juno"})
    address = addresses.encode(addresses.key_hash(key.public_key), "juno")
    row = AddressRow(1, "JUNO", "JUNO", address, message="m", signature1=sign_okx_ecdsa(key, "m"))
    assert family.verify_ownership(row, network).status == RowStatus.VERIFIED
    assert family.normalize_address(address.upper(), network) == address


def test_network_without_hrp_is_unchecked() -> None:
    family = get_family("cosmos")
    network = Network("X", "cosmos", "X", "X", 6)
    row = AddressRow(1, "X", "X", "x1abc", message="m", signature1="0x00")
    proof = family.verify_ownership(row, network)
    assert proof.status == RowStatus.UNCHECKED and "hrp" in proof.reason
    with pytest.raises(ValueError, match="hrp"):
        family.normalize_address("x1abc", network)
