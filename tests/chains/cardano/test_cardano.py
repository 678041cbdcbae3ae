"""Cardano: Shelley enterprise and base addresses (chains/cardano)."""

from __future__ import annotations

import hashlib
from dataclasses import replace

import pytest
from bech32m.codecs import Encoding, bech32_encode, convertbits

from chains.base import Network, RowStatus
from chains.cardano import CardanoFamily, addresses
from tests.chains.ed25519_signing import key, public, signed_row

ADA = Network("ADA", "cardano", "Cardano", "ADA", 6)
FAMILY = CardanoFamily()


def _hash(seed: int) -> bytes:
    return hashlib.blake2b(public(key(seed)), digest_size=28).digest()


def _address(header: int, payload: bytes, hrp: str = "addr", spec: Encoding = Encoding.BECH32) -> str:
    return bech32_encode(hrp, bytes(convertbits(bytes([header]) + payload, 8, 5)), spec)


def test_enterprise_addresses_verify() -> None:
    for seed in (1, 2, 3):
        address = _address(0x61, _hash(seed))
        assert addresses.enterprise_address(public(key(seed))) == address
        proof = FAMILY.verify_ownership(signed_row(key(seed), "ADA", address), ADA)
        assert proof.status == RowStatus.VERIFIED and proof.scheme.endswith("enterprise") and proof.binds_address
        assert FAMILY.normalize_address(address.upper(), ADA) == address
        other = FAMILY.verify_ownership(signed_row(key(seed + 10), "ADA", address), ADA)
        assert other.status == RowStatus.FAILED and "payment key hash" in other.reason


@pytest.mark.parametrize(("header", "stake_kind"), [(0x01, "key"), (0x21, "script")])
def test_base_addresses_bind_the_payment_part_and_report_the_stake_part(header: int, stake_kind: str) -> None:
    stake = b"\x5a" * 28
    address = _address(header, _hash(4) + stake)
    assert len(address) > 90  # longer than BIP-173 allows: the decoder must not apply that limit
    proof = FAMILY.verify_ownership(signed_row(key(4), "ADA", address), ADA)
    assert proof.status == RowStatus.VERIFIED and proof.scheme.endswith("base") and proof.binds_address
    assert f"stake {stake_kind} hash {stake.hex()}" in proof.reason
    swapped = _address(header, stake + _hash(4))  # the signer's hash in the stake part proves nothing
    assert FAMILY.verify_ownership(signed_row(key(4), "ADA", swapped), ADA).status == RowStatus.FAILED


@pytest.mark.parametrize("header", [0x11, 0x31, 0x71])
def test_script_payment_credentials_are_unchecked(header: int) -> None:
    payload = _hash(1) + (b"\x01" * 28 if header < 0x40 else b"")
    proof = FAMILY.verify_ownership(signed_row(key(1), "ADA", _address(header, payload)), ADA)
    assert proof.status == RowStatus.UNCHECKED and "script" in proof.reason


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("", "empty"),
        (_address(0x60, _hash(1), hrp="addr_test"), "addr_test"),
        (_address(0x60, _hash(1)), "network id 0"),
        (_address(0xE1, _hash(1), hrp="addr"), "not a Shelley payment address"),
        (_address(0x61, _hash(1)[:27]), "payload bytes"),
        (_address(0x61, _hash(1), spec=Encoding.BECH32M), "bech32m"),
        ("Ae2tdPwUPEZFRbyhz3cpfC2CumGzNkFBN2L42rcUc2yjQpEkxDbkPodpMAi", "Byron"),
        ("addr1V9500j9f8sgnw9uftxmuc429kyy2mduuaj3649rw779v8ks4nyrxz", "mixes"),
        ("addr1v9500j9f8sgnw9uftxmuc429kyy2mduuaj3649rw779v8ks4nyrxy", "checksum"),
    ],
)
def test_malformed_or_unsupported_addresses(address: str, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        addresses.decode(address)
    proof = FAMILY.verify_ownership(replace(signed_row(key(1), "ADA", "x"), address=address), ADA)
    assert proof.status == RowStatus.FAILED and proof.reason.startswith("field 'address'")


def test_over_long_address_is_refused_before_decoding() -> None:
    with pytest.raises(ValueError, match="at most 128"):
        addresses.decode("addr1" + "q" * 131072)
