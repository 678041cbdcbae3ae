"""XrplFamily (chains/xrpl/__init__.py): the recovered key's classic address binds the row; the proof notes that
the master key can be disabled on chain."""

from __future__ import annotations

from dataclasses import replace

from coincurve import PrivateKey

from auditor.assets import AssetRegistry
from chains.base import AddressRow, RowStatus
from chains.xrpl import XrplFamily, addresses
from tests.chains.okx_ecdsa_signing import sign_okx_ecdsa

NETWORK = AssetRegistry.load().network("XRP")
KEY = PrivateKey(b"\x46" * 32)


def test_verified_proof_notes_master_key_changes() -> None:
    address = addresses.encode(addresses.account_id(KEY.public_key))
    row = AddressRow(1, "XRP", "XRP", address, message="m", signature1=sign_okx_ecdsa(KEY, "m"))
    proof = XrplFamily().verify_ownership(row, NETWORK)
    assert proof.status == RowStatus.VERIFIED
    assert "master key can be disabled" in proof.reason and "not checked offline" in proof.reason
    other = replace(row, signature1=sign_okx_ecdsa(PrivateKey(b"\x47" * 32), "m"))
    assert XrplFamily().verify_ownership(other, NETWORK).status == RowStatus.FAILED
