"""Substrate: SS58 addresses with the network's prefix (chains/substrate)."""

from __future__ import annotations

import hashlib
from dataclasses import replace

import base58
import pytest

from chains.base import Network, RowStatus
from chains.substrate import SubstrateFamily, addresses
from tests.chains.ed25519_signing import key, public, signed_row

DOT = Network("DOT", "substrate", "Polkadot", "DOT", 10, params={"ss58_prefix": 0})
KSM = Network("KSM", "substrate", "Kusama", "KSM", 12, params={"ss58_prefix": 2})
FAMILY = SubstrateFamily()


def _ss58_by_hand(prefix_bytes: bytes, account: bytes) -> str:
    body = prefix_bytes + account
    return base58.b58encode(body + hashlib.blake2b(b"SS58PRE" + body, digest_size=64).digest()[:2]).decode()


@pytest.mark.parametrize("network", [DOT, KSM])
def test_generated_keys_verify_and_other_prefixes_fail(network: Network) -> None:
    for seed in (1, 2, 3):
        account = public(key(seed))
        prefix = network.params["ss58_prefix"]
        address = _ss58_by_hand(bytes([prefix]), account)
        assert addresses.encode(account, prefix) == address
        row = signed_row(key(seed), network.code, address)
        assert FAMILY.verify_ownership(row, network).status == RowStatus.VERIFIED
        assert FAMILY.normalize_address(address, network) == address
        other = KSM if network is DOT else DOT
        proof = FAMILY.verify_ownership(replace(row, network=other.code), other)
        assert proof.status == RowStatus.FAILED and f"prefix {prefix}" in proof.reason
        with pytest.raises(ValueError, match="prefix"):
            FAMILY.normalize_address(address, other)
        wrong_key = FAMILY.verify_ownership(signed_row(key(seed + 10), network.code, address), network)
        assert wrong_key.status == RowStatus.FAILED and "field 'address'" in wrong_key.reason


def test_two_byte_prefixes_round_trip() -> None:
    account = public(key(7))
    for prefix in (64, 255, 1284, 16383):
        prefix_bytes = addresses.encode_prefix(prefix)
        assert len(prefix_bytes) == 2 and 64 <= prefix_bytes[0] < 128
        address = addresses.encode(account, prefix)
        assert address == _ss58_by_hand(prefix_bytes, account)
        assert addresses.decode(address) == (prefix, account)
    with pytest.raises(ValueError):
        addresses.encode_prefix(16384)


def test_bad_checksum_and_lengths() -> None:
    good = addresses.encode(public(key(1)), 0)
    raw = bytearray(base58.b58decode(good))
    raw[-1] ^= 1
    with pytest.raises(ValueError, match="checksum"):
        addresses.decode(base58.b58encode(bytes(raw)).decode())
    with pytest.raises(ValueError, match="bytes"):
        addresses.decode(base58.b58encode(bytes(raw[:-3])).decode())
    with pytest.raises(ValueError, match="empty"):
        addresses.decode(" ")


def test_missing_prefix_leaves_the_row_unchecked() -> None:
    network = replace(DOT, params={})
    row = signed_row(key(1), "DOT", addresses.encode(public(key(1)), 0))
    proof = FAMILY.verify_ownership(row, network)
    assert proof.status == RowStatus.UNCHECKED and "ss58_prefix" in proof.reason


def _no_decode(*args: object, **kwargs: object) -> bytes:
    raise AssertionError("base58 decoding ran on input the length bound should have refused")


def test_over_long_address_is_refused_before_decoding(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(base58, "b58decode", _no_decode)
    with pytest.raises(ValueError, match="longer than any base58 spelling"):
        FAMILY.normalize_address("z" * 131072, DOT)
