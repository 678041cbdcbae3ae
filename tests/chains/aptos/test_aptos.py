"""Aptos: authentication keys sha3_256(key || 0x00), plain and owner mode (chains/aptos)."""

from __future__ import annotations

import hashlib
from dataclasses import replace

import pytest

from chains.aptos import AptosFamily, addresses
from chains.base import Network, RowStatus
from tests.chains.ed25519_signing import key, public, signed_row

APTOS = Network("APTOS", "aptos", "Aptos", "APT", 8)
FAMILY = AptosFamily()


def _auth_key(seed: int) -> bytes:
    return hashlib.sha3_256(public(key(seed)) + b"\x00").digest()


def _seed_with_leading_zero() -> int:
    return next(s for s in range(1, 5000) if _auth_key(s)[0] < 0x10)


@pytest.mark.parametrize("seed", [1, 2, _seed_with_leading_zero()])
def test_generated_keys_verify_full_and_stripped(seed: int) -> None:
    full = "0x" + _auth_key(seed).hex()
    stripped = "0x" + _auth_key(seed).hex().lstrip("0")
    for address in (full, stripped, full.upper().replace("0X", "0x")):
        proof = FAMILY.verify_ownership(signed_row(key(seed), "APTOS", address), APTOS)
        assert proof.status == RowStatus.VERIFIED and proof.binds_address, (address, proof)
        assert FAMILY.normalize_address(address, APTOS) == full


def test_owner_mode_binds_eoa1_not_the_address() -> None:
    contract = "0x" + "de" * 32
    owner = "0x" + _auth_key(5).hex()
    row = signed_row(key(5), "APTOS", contract, eoa1=owner)
    proof = FAMILY.verify_ownership(row, APTOS)
    assert proof.status == RowStatus.VERIFIED and not proof.binds_address
    assert "authentication key" in proof.reason and "needs the chain" in proof.reason
    wrong_owner = FAMILY.verify_ownership(replace(row, eoa1="0x" + _auth_key(6).hex()), APTOS)
    assert wrong_owner.status == RowStatus.FAILED and "field 'eoa1'" in wrong_owner.reason
    bad_owner = FAMILY.verify_ownership(replace(row, eoa1="5bb5"), APTOS)
    assert bad_owner.status == RowStatus.FAILED and "field 'eoa1'" in bad_owner.reason
    second = FAMILY.verify_ownership(replace(row, eoa2=owner), APTOS)
    assert second.status == RowStatus.UNCHECKED and "eoa2" in second.reason
    # Without eoa1, the same row must derive the address itself, which it does not.
    assert FAMILY.verify_ownership(replace(row, eoa1=""), APTOS).status == RowStatus.FAILED


def test_the_key_must_match_the_signature() -> None:
    row = signed_row(key(1), "APTOS", "0x" + _auth_key(1).hex())
    swapped = replace(row, script=public(key(2)).hex())
    proof = FAMILY.verify_ownership(swapped, APTOS)
    assert proof.status == RowStatus.FAILED and "field 'signature1'" in proof.reason


@pytest.mark.parametrize(("address", "reason"), [("", "empty"), ("12ab", "0x"), ("0x", "1 to 64"),
                                                 ("0x" + "a" * 65, "1 to 64"), ("0xzz", "not hex")])
def test_malformed_addresses(address: str, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        addresses.decode(address)


@pytest.mark.parametrize("address", ["0x" + "ab" * 29 + " cd\tef", "0x" + "ab" * 31 + " a", "0xab_cd", "0x+abc"])
def test_whitespace_and_signs_inside_the_hex_are_refused(address: str) -> None:
    with pytest.raises(ValueError, match="not hex"):
        addresses.decode(address)
    assert len(addresses.decode("0x" + "ab" * 29 + "cdef")) == 32


def test_verified_proof_says_the_authentication_key_can_rotate() -> None:
    address = "0x" + _auth_key(7).hex()
    proof = FAMILY.verify_ownership(signed_row(key(7), "APTOS", address), APTOS)
    assert proof.status == RowStatus.VERIFIED and proof.binds_address
    assert proof.reason == "the account's authentication key can be rotated on chain; not checked offline"
