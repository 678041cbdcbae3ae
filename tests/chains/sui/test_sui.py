"""Sui: addresses BLAKE2b-256(0x00 || key) (chains/sui)."""

from __future__ import annotations

import hashlib
from dataclasses import replace

import pytest

from chains.aptos import addresses as aptos_addresses
from chains.base import Network, RowStatus
from chains.sui import SuiFamily
from tests.chains.ed25519_signing import key, public, signed_row

SUI = Network("SUI", "sui", "Sui", "SUI", 9)
FAMILY = SuiFamily()


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_generated_keys_verify(seed: int) -> None:
    digest = hashlib.blake2b(b"\x00" + public(key(seed)), digest_size=32).digest()
    address = "0x" + digest.hex()
    row = signed_row(key(seed), "SUI", address)
    assert FAMILY.verify_ownership(row, SUI).status == RowStatus.VERIFIED
    assert FAMILY.normalize_address(address.upper().replace("0X", "0x"), SUI) == address
    # The Aptos derivation of the same key is not a Sui address of it.
    aptos = "0x" + aptos_addresses.authentication_key(public(key(seed))).hex()
    proof = FAMILY.verify_ownership(replace(row, address=aptos), SUI)
    assert proof.status == RowStatus.FAILED and address in proof.reason


def test_malformed_address_fails_with_the_field() -> None:
    proof = FAMILY.verify_ownership(signed_row(key(1), "SUI", "df7c04c9"), SUI)
    assert proof.status == RowStatus.FAILED and proof.reason.startswith("field 'address'")


@pytest.mark.parametrize(("address", "reason"), [("", "empty"), ("df7c", "0x"), ("0x", "1 to 64"), ("0xg", "not hex")])
def test_address_forms(address: str, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        FAMILY.normalize_address(address, SUI)
    assert FAMILY.normalize_address("0x2", SUI) == "0x" + "0" * 63 + "2"


def test_whitespace_inside_the_hex_is_refused() -> None:
    with pytest.raises(ValueError, match="not hex"):
        FAMILY.normalize_address("0x" + "ab" * 29 + " cd\tef", SUI)
