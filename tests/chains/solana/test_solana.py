"""Solana: base58 addresses of the signer's key (chains/solana)."""

from __future__ import annotations

from dataclasses import replace

import base58
import pytest

from chains.base import Network, RowStatus
from chains.solana import SolanaFamily, addresses
from tests.chains.ed25519_signing import key, public, signed_row

SOL = Network("SOL", "solana", "Solana", "SOL", 9)
FAMILY = SolanaFamily()


@pytest.mark.parametrize("seed", [1, 2, 3, 99])
def test_generated_keys_verify(seed: int) -> None:
    signing_key = key(seed)
    address = addresses.encode(public(signing_key))
    row = signed_row(signing_key, "SOL", address, message=f"reserves {seed} ✓")
    proof = FAMILY.verify_ownership(row, SOL)
    assert proof.status == RowStatus.VERIFIED and proof.binds_address, proof
    assert FAMILY.normalize_address(f" {address} ", SOL) == address
    other = addresses.encode(public(key(seed + 1000)))
    failed = FAMILY.verify_ownership(replace(row, address=other), SOL)
    assert failed.status == RowStatus.FAILED and "field 'address'" in failed.reason


@pytest.mark.parametrize(
    ("address", "reason"),
    [("", "empty"), ("0OIl", "not base58"), ("abc", "bytes"), ("1" + addresses.encode(b"\x01" * 32), "bytes")],
)
def test_malformed_addresses(address: str, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        addresses.decode(address)
    row = signed_row(key(1), "SOL", address)
    assert FAMILY.verify_ownership(row, SOL).status == RowStatus.FAILED


def test_leading_zero_bytes_keep_their_canonical_form() -> None:
    raw = bytes(2) + b"\x07" * 30
    text = addresses.encode(raw)
    assert text.startswith("11") and addresses.decode(text) == raw
    with pytest.raises(ValueError):
        addresses.decode("1" + text)  # 33 bytes


def _no_decode(*args: object, **kwargs: object) -> bytes:
    raise AssertionError("base58 decoding ran on input the length bound should have refused")


def test_over_long_address_is_refused_before_decoding(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(base58, "b58decode", _no_decode)
    with pytest.raises(ValueError, match="longer than any base58 spelling"):
        FAMILY.normalize_address("z" * 131072, SOL)
