"""AVAX-X, OKX's pubkey variant: the recovered key must be the public-key column's, and (our addition) that key
must derive the row's X-avax1 address."""

from __future__ import annotations

import dataclasses

import pytest
from coincurve import PrivateKey

from auditor.assets import AssetRegistry
from chains.avalanche import addresses
from chains.base import AddressRow, RowStatus
from chains.registry import get_family
from tests.chains.okx_ecdsa_signing import sign_okx_ecdsa, vector_row, vectors_of

REGISTRY = AssetRegistry.load()
NETWORK = REGISTRY.network("AVAX-X")
FAMILY = get_family("avalanche")


def _row(key: PrivateKey, script: str | None = None, address: str | None = None) -> AddressRow:
    address = address or addresses.encode(addresses.key_hash(key.public_key))
    script = key.public_key.format().hex() if script is None else script
    return AddressRow(1, "AVAX-X", "AVAX-X", address, message="m", signature1=sign_okx_ecdsa(key, "m"), script=script)


def test_key_column_forms() -> None:
    key = PrivateKey(b"\x51" * 32)
    uncompressed = key.public_key.format(compressed=False)
    for script in (key.public_key.format().hex(), "0x" + key.public_key.format().hex(), uncompressed[1:].hex(),
                   uncompressed.hex()):
        proof = FAMILY.verify_ownership(_row(key, script), NETWORK)
        assert proof.status == RowStatus.VERIFIED and proof.scheme == "okx-ecdsa-pubkey", (script, proof)


def test_key_not_bound_to_address_fails() -> None:
    """The signature recovers the column's key (all OKX checks), but the address belongs to another key."""
    signer, other = PrivateKey(b"\x52" * 32), PrivateKey(b"\x53" * 32)
    foreign = addresses.encode(addresses.key_hash(other.public_key))
    proof = FAMILY.verify_ownership(_row(signer, address=foreign), NETWORK)
    assert proof.status == RowStatus.FAILED and "field 'address'" in proof.reason


def test_key_column_of_another_key_fails() -> None:
    signer, other = PrivateKey(b"\x54" * 32), PrivateKey(b"\x55" * 32)
    proof = FAMILY.verify_ownership(_row(signer, script=other.public_key.format().hex()), NETWORK)
    assert proof.status == RowStatus.FAILED and "field 'signature1'" in proof.reason


@pytest.mark.parametrize(
    ("script", "reason"),
    [("", "empty"), ("02" + "11" * 31, "32 bytes"), ("zz", "not hex"), ("05" + "11" * 32, "not a valid")],
)
def test_bad_key_column(script: str, reason: str) -> None:
    proof = FAMILY.verify_ownership(_row(PrivateKey(b"\x56" * 32), script=script), NETWORK)
    assert proof.status == RowStatus.FAILED and "field 'script'" in proof.reason and reason in proof.reason


@pytest.mark.parametrize(("prefix", "reason"), [("P-", "P-Chain"), ("C-", "C-Chain"), ("", "names no chain")])
def test_other_chain_addresses_refused(prefix: str, reason: str) -> None:
    key = PrivateKey(b"\x57" * 32)
    address = prefix + addresses.encode(addresses.key_hash(key.public_key))[2:]
    proof = FAMILY.verify_ownership(_row(key, address=address), NETWORK)
    assert proof.status == RowStatus.FAILED and reason in proof.reason


def test_published_row_also_binds_its_address() -> None:
    vectors = vectors_of("AVAX-X")
    if not vectors:
        pytest.skip("../shared vectors not available")
    row = vector_row(vectors[0])
    assert FAMILY.verify_ownership(row, NETWORK).status == RowStatus.VERIFIED
    assert addresses.canonical(row.address) == row.address
    moved = dataclasses.replace(row, address=addresses.encode(bytes(20)))
    assert FAMILY.verify_ownership(moved, NETWORK).status == RowStatus.FAILED
