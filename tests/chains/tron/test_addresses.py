"""TRON address forms: base58check, 41-hex, the ABI word, derivation from a key."""

from __future__ import annotations

import base58
import pytest
from coincurve import PrivateKey
from eth_abi import encode

from chains.signing.secp256k1 import eth_address_bytes
from chains.tron import addresses

USDT = "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t"


def test_base58_and_hex_spellings_meet_in_one_canonical_form() -> None:
    hex_form = addresses.to_hex(USDT)
    assert hex_form.startswith("41") and len(hex_form) == 42
    assert addresses.canonical(hex_form) == USDT
    assert addresses.canonical(f"  {USDT}\n") == USDT


def test_key_derivation_prefixes_the_ethereum_account_with_0x41() -> None:
    key = PrivateKey(b"\x01" * 32).public_key
    address = addresses.from_public_key(key)
    assert address.startswith("T")
    assert addresses.decode(address) == b"\x41" + eth_address_bytes(key)


def test_abi_word_round_trips() -> None:
    word = encode(["address"], [addresses.evm_hex(USDT)])
    assert addresses.from_evm_bytes(word[12:]) == USDT


def test_zero_address_is_the_mint_side() -> None:
    assert addresses.decode(addresses.ZERO_ADDRESS) == b"\x41" + bytes(20)


@pytest.mark.parametrize("bad", ["41" + "zz" * 20, "42" + "00" * 20, USDT[:-1], "T" * 34])
def test_rejects(bad: str) -> None:
    with pytest.raises(ValueError):
        addresses.canonical(bad)


def _no_decode(*args: object, **kwargs: object) -> bytes:
    raise AssertionError("base58 decoding ran on input the length bound should have refused")


def test_over_long_address_is_refused_before_decoding(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(base58, "b58decode", _no_decode)
    with pytest.raises(ValueError, match="longer than any base58 spelling") as caught:
        addresses.decode("T" + "z" * 131071)
    assert len(str(caught.value)) < 300  # the field is not echoed whole
