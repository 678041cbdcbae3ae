"""Starknet ownership: the published SNIP-12 signatures verify (bound to their account through the hash, not
to the account's on-chain signer), every mutation fails, generated STARK keys sign and verify."""

from __future__ import annotations

import dataclasses
import secrets

import pytest

from auditor.assets import AssetRegistry
from auditor.ownership import OwnershipPolicy, check_signatures, prove_ownership
from chains.base import AddressRow, RowStatus
from chains.starknet import StarknetFamily, ecdsa
from chains.starknet.felts import canonical_address, short_string
from chains.starknet.typed_data import hash_chain, message_hash, pedersen, starknet_keccak
from tests.conftest import load_vectors

REGISTRY = AssetRegistry.load()
NETWORK = REGISTRY.network("STARKNET")
FAMILY = StarknetFamily()
VECTORS = [v for v in load_vectors() if (n := REGISTRY.network(v["network"])) is not None and n.family == "starknet"]


def _row(vector: dict[str, str]) -> AddressRow:
    return AddressRow(1, vector["coin"], vector["network"], vector["address"], message=vector["message"],
                      signature1=vector["signature1"], script=vector["script_or_pubkey"])


def _flip_hex(text: str, index: int) -> str:
    return text[:index] + ("1" if text[index] != "1" else "2") + text[index + 1:]


def _generated_row(message: str = "I am an OKX address") -> tuple[AddressRow, int]:
    private = secrets.randbelow(ecdsa.EC_ORDER - 1) + 1
    account = "0x" + secrets.token_hex(31)
    r, s = ecdsa.sign(message_hash(message, int(account, 16)), private)
    row = AddressRow(1, "ETH", "STARKNET", account, message=message, signature1=f"{r:064x}{s:064x}",
                     script=hex(ecdsa.public_key(private)))
    return row, private


def test_vectors_present():
    if not VECTORS:
        pytest.skip("../shared vectors not available")
    assert len(VECTORS) == 2


@pytest.mark.parametrize("vector", VECTORS, ids=lambda v: v["address"][:12])
def test_published_vector(vector):
    proof = FAMILY.verify_ownership(_row(vector), NETWORK)
    assert vector["expect"] == "valid"
    assert proof.status == RowStatus.UNCHECKED and proof.scheme, proof.reason
    assert proof.reason.startswith("signature valid for STARK key 0x") and "on-chain state" in proof.reason
    assert check_signatures([_row(vector)], REGISTRY) == [proof]
    for trust in (False, True):  # the key is proven, the account binding is not: trust_owner_mode changes nothing
        result = prove_ownership(_row(vector), REGISTRY, proof, OwnershipPolicy(trust_owner_mode=trust))
        assert result.status == RowStatus.UNCHECKED


@pytest.mark.parametrize("vector", VECTORS, ids=lambda v: v["address"][:12])
def test_published_vector_mutations_fail(vector):
    row = _row(vector)
    mutations = {
        "signature r": dataclasses.replace(row, signature1=_flip_hex(row.signature1, 30)),
        "signature s": dataclasses.replace(row, signature1=_flip_hex(row.signature1, 100)),
        "message": dataclasses.replace(row, message=row.message + "!"),
        "address": dataclasses.replace(row, address=_flip_hex(row.address, len(row.address) - 1)),
        "script": dataclasses.replace(row, script=_flip_hex(row.script, len(row.script) - 1)),
    }
    for what, mutated in mutations.items():
        proof = FAMILY.verify_ownership(mutated, NETWORK)
        assert proof.status == RowStatus.FAILED, f"{what}: {proof}"
        assert proof.reason.startswith("field '")


def test_generated_key_signs_and_verifies():
    row, _ = _generated_row()
    proof = FAMILY.verify_ownership(row, NETWORK)
    assert proof.status == RowStatus.UNCHECKED and proof.reason.startswith("signature valid for STARK key")
    # the account address is inside the hash: the same signature for another account fails
    other = dataclasses.replace(row, address=hex(int(row.address, 16) + 1))
    assert FAMILY.verify_ownership(other, NETWORK).status == RowStatus.FAILED


def test_other_chain_id_changes_the_hash():
    row, _ = _generated_row()
    testnet = dataclasses.replace(NETWORK, params={"snip12_chain_id": "SN_SEPOLIA"})
    assert FAMILY.verify_ownership(row, testnet).status == RowStatus.FAILED


def test_hash_chain_and_keccak_definitions():
    """chain(x1..xn) = H(...H(H(0, x1), x2)..., n); sk = keccak mod 2**250."""
    assert hash_chain([7, 9]) == pedersen(pedersen(pedersen(0, 7), 9), 2)
    assert hash_chain([]) == pedersen(0, 0)
    assert starknet_keccak(b"x") < 2**250
    assert short_string("SN_MAIN", "id") == 0x534E5F4D41494E


@pytest.mark.parametrize(("field", "value", "reason"), [
    ("message", "a message longer than thirty-one bytes", "field 'message'"),
    ("message", "caf\u00e9", "field 'message'"),
    ("address", "0xzz", "field 'address'"),
    ("address", "0x0", "field 'address'"),
    ("address", hex(2**252), "field 'address'"),
    ("signature1", "", "field 'signature1': empty"),
    ("signature1", "12" * 63, "field 'signature1': signature must be 128"),
    ("signature1", "00" * 64, "field 'signature1': signature r"),
    ("script", "", "field 'script': empty"),
    ("script", "0xnothex", "field 'script'"),
])
def test_malformed_fields_are_named(field, value, reason):
    row, _ = _generated_row("m")
    proof = FAMILY.verify_ownership(dataclasses.replace(row, **{field: value}), NETWORK)
    assert proof.status == RowStatus.FAILED and reason in proof.reason, proof.reason


def test_canonical_address_pads():
    assert canonical_address("0x3") == "0x" + "0" * 63 + "3"
    assert FAMILY.normalize_address("0x03B7", NETWORK) == FAMILY.normalize_address("0x3b7", NETWORK)


def test_starknet_signature_under_another_chain_fails():
    row, _ = _generated_row("m")
    for network in ("ETH", "TRON", "EOS", "BETH"):
        [proof] = check_signatures([dataclasses.replace(row, coin="", network=network)], REGISTRY)
        assert proof is not None and proof.status == RowStatus.FAILED, network


@pytest.mark.parametrize("text", ["0x1_0", "0x+10", "0x 10", "0x\u0661"])
def test_felts_are_hex_digits_only(text):
    with pytest.raises(ValueError, match="not hex"):
        canonical_address(text)


def test_signature_halves_are_hex_digits_only():
    row, _ = _generated_row()
    r, s = ecdsa.parse_signature(row.signature1)
    assert ecdsa.parse_signature("0x" + row.signature1) == (r, s)
    for spoiled in (f"{r:064x}" + " " + f"{s:064x}"[1:], f"{r:064x}" + "_" + f"{s:064x}"[1:],
                    f"{r:064x}" + "+" + f"{s:064x}"[1:]):
        with pytest.raises(ValueError, match="not hex"):
            ecdsa.parse_signature(spoiled)
