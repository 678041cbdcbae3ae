"""Stellar / Pi: G... account strkeys (chains/stellar)."""

from __future__ import annotations

import base64
import binascii
from dataclasses import replace

import pytest

from chains.base import Network, RowStatus
from chains.stellar import StellarFamily, addresses
from tests.chains.ed25519_signing import key, public, signed_row

PI = Network("PI", "stellar", "Pi Network", "PI", 7)
XLM = Network("XLM", "stellar", "Stellar", "XLM", 7)
FAMILY = StellarFamily()


def _strkey_by_hand(version: int, payload: bytes) -> str:
    body = bytes([version]) + payload
    return base64.b32encode(body + binascii.crc_hqx(body, 0).to_bytes(2, "little")).decode()


@pytest.mark.parametrize("network", [PI, XLM])
def test_generated_keys_verify(network: Network) -> None:
    for seed in (1, 2):
        account = _strkey_by_hand(0x30, public(key(seed)))
        assert account.startswith("G") and addresses.encode(public(key(seed))) == account
        row = signed_row(key(seed), network.code, account)
        assert FAMILY.verify_ownership(row, network).status == RowStatus.VERIFIED
        other = FAMILY.verify_ownership(replace(row, address=_strkey_by_hand(0x30, public(key(9)))), network)
        assert other.status == RowStatus.FAILED and "field 'address'" in other.reason


def test_malformed_strkeys() -> None:
    payload = public(key(1))
    good = _strkey_by_hand(0x30, payload)
    cases = {
        "": "empty",
        good[:-1]: "56-character",
        good.lower(): "56-character",
        good[:-1] + ("A" if good[-1] != "A" else "B"): "checksum|base32",
        _strkey_by_hand(0x90, payload): "56-character",  # S... secret seed
        "G" + good[1:-4] + "1111": "base32",
    }
    for address, reason in cases.items():
        with pytest.raises(ValueError, match=reason):
            addresses.decode(address)
    with pytest.raises(ValueError, match="muxed"):
        addresses.decode("M" + good[1:])


def test_verified_proof_says_the_master_key_can_change_on_chain() -> None:
    address = addresses.encode(public(key(4)))
    for network in (PI, XLM):
        proof = StellarFamily().verify_ownership(signed_row(key(4), network.code, address), network)
        assert proof.status == RowStatus.VERIFIED
        assert "master key can be re-weighted" in proof.reason and "not checked offline" in proof.reason
