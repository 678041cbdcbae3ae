"""Beacon-chain (BETH) ownership: the published BLS vector verifies, mutations fail, and our arkworks-based
verification gives py_ecc's answers (the reference implementation of the IETF draft) on valid and invalid input."""

from __future__ import annotations

import dataclasses

import pytest
from py_ecc.bls import G2ProofOfPossession as reference
from py_ecc.bls.g2_primitives import G1_to_pubkey
from py_ecc.fields import optimized_bls12_381_FQ as FQ
from py_ecc.optimized_bls12_381 import b as curve_b

from auditor.assets import AssetRegistry
from auditor.ownership import check_signatures
from chains.base import AddressRow, RowStatus
from chains.beacon import BeaconFamily, keys
from chains.beacon.ownership import bls_message
from tests.conftest import load_vectors

REGISTRY = AssetRegistry.load()
NETWORK = REGISTRY.network("BETH")
FAMILY = BeaconFamily()
VECTORS = [v for v in load_vectors() if (n := REGISTRY.network(v["network"])) is not None and n.family == "beacon"]
SECRET = 0x1234567890ABCDEF  # a test key; py_ecc signs, arkworks verifies


def _row(vector: dict[str, str]) -> AddressRow:
    return AddressRow(1, vector["coin"], vector["network"], vector["address"], message=vector["message"],
                      signature1=vector["signature1"], script=vector["script_or_pubkey"])


def _generated(message: str = "I am an OKX address", secret: int = SECRET) -> AddressRow:
    pubkey = reference.SkToPk(secret)
    signature = reference.Sign(secret, bls_message(message.encode()))
    return AddressRow(1, "BETH", "BETH", "0x" + pubkey.hex(), message=message, signature1="0x" + signature.hex())


def _flip_hex(text: str, index: int) -> str:
    return text[:index] + ("1" if text[index] != "1" else "2") + text[index + 1:]


def _reference_verdict(row: AddressRow) -> bool:
    return reference.Verify(bytes.fromhex(row.address[2:]), bls_message(row.message.encode()),
                            bytes.fromhex(row.signature1[2:]))


def test_vectors_present():
    if not VECTORS:
        pytest.skip("../shared vectors not available")
    assert len(VECTORS) == 1


@pytest.mark.parametrize("vector", VECTORS, ids=lambda v: v["address"][:12])
def test_published_vector(vector):
    proof = FAMILY.verify_ownership(_row(vector), NETWORK)
    assert vector["expect"] == "valid"
    assert proof.status == RowStatus.VERIFIED and proof.binds_address
    assert _reference_verdict(_row(vector))
    assert check_signatures([_row(vector)], REGISTRY) == [proof]


@pytest.mark.parametrize("vector", VECTORS, ids=lambda v: v["address"][:12])
def test_published_vector_mutations_fail_as_in_py_ecc(vector):
    row = _row(vector)
    mutations = {
        "signature1": dataclasses.replace(row, signature1=_flip_hex(row.signature1, 150)),
        "message": dataclasses.replace(row, message=row.message + "!"),
        "address": dataclasses.replace(row, address=_flip_hex(row.address, 60)),
    }
    for what, mutated in mutations.items():
        proof = FAMILY.verify_ownership(mutated, NETWORK)
        assert proof.status == RowStatus.FAILED, what
        assert proof.reason.startswith("field '")
        assert not _reference_verdict(mutated), what


def test_generated_key_agrees_with_reference():
    row = _generated()
    assert FAMILY.verify_ownership(row, NETWORK).status == RowStatus.VERIFIED
    other = dataclasses.replace(row, address=_generated(secret=SECRET + 1).address)
    assert FAMILY.verify_ownership(other, NETWORK).status == RowStatus.FAILED
    assert not _reference_verdict(other)


def _off_subgroup_pubkey() -> bytes:
    """A point on the G1 curve y^2 = x^3 + 4 outside the prime-order subgroup (the cofactor is large)."""
    x = 1
    while True:
        y = (FQ(x) ** 3 + curve_b) ** ((FQ.field_modulus + 1) // 4)
        if y * y == FQ(x) ** 3 + curve_b:
            return G1_to_pubkey((FQ(x), y, FQ(1)))
        x += 1


def test_invalid_keys_rejected_like_the_reference():
    row = _generated()
    for name, pubkey in (("identity", b"\xc0" + bytes(47)), ("off subgroup", _off_subgroup_pubkey())):
        assert not reference.KeyValidate(pubkey), name
        proof = FAMILY.verify_ownership(dataclasses.replace(row, address="0x" + pubkey.hex()), NETWORK)
        assert proof.status == RowStatus.FAILED and proof.reason.startswith("field 'address'"), name


def test_identity_signature_rejected():
    row = dataclasses.replace(_generated(), signature1="0xc0" + "00" * 95)
    assert not _reference_verdict(row)
    assert FAMILY.verify_ownership(row, NETWORK).status == RowStatus.FAILED


@pytest.mark.parametrize(("field", "value", "reason"), [
    ("address", "0x1234", "field 'address'"),
    ("address", "0x" + "02" * 48, "field 'address': BLS12-381 validator public key is not in compressed form"),
    ("signature1", "", "field 'signature1': empty"),
    ("signature1", "0x" + "zz" * 96, "field 'signature1': BLS12-381 signature is not hex"),
    ("signature1", "0x" + "aa" * 95, "field 'signature1'"),
])
def test_malformed_fields_are_named(field, value, reason):
    proof = FAMILY.verify_ownership(dataclasses.replace(_generated(), **{field: value}), NETWORK)
    assert proof.status == RowStatus.FAILED and reason in proof.reason, proof.reason


def test_canonical_key():
    row = _generated()
    assert keys.canonical(row.address.upper().replace("0X", "0x")) == row.address


def test_bls_signature_under_another_chain_fails():
    row = _generated()
    for network in ("ETH", "STARKNET", "EOS", "TRON"):
        [proof] = check_signatures([dataclasses.replace(row, coin="", network=network)], REGISTRY)
        assert proof is not None and proof.status == RowStatus.FAILED, network
