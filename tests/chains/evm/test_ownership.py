"""EVM ownership: every published EVM vector verifies, and one changed byte anywhere makes it fail."""

from __future__ import annotations

import dataclasses

import pytest

from auditor.assets import AssetRegistry
from auditor.demo.signing import demo_key, evm_address, sign_okx_evm
from auditor.formats.layouts import EXCHANGE_REGISTRY
from chains.base import AddressRow, RowStatus
from chains.evm import EvmFamily
from chains.evm.addresses import checksum_address, parse_address
from chains.signing.secp256k1 import keccak256
from tests.conftest import load_vectors

REGISTRY = AssetRegistry.load()
HTX_REGISTRY = AssetRegistry.load(defaults=EXCHANGE_REGISTRY["htx"])  # what an HTX file's layout selects
FAMILY = EvmFamily()
EVM_VECTORS = [
    v for v in load_vectors()
    if (n := REGISTRY.network(v["network"])) is not None and n.family == "evm"
]


def _row(vector: dict[str, str]) -> AddressRow:
    return AddressRow(
        line=1, coin=vector["coin"], network=vector["network"], address=vector["address"],
        message=vector["message"], signature1=vector["signature1"], signature2=vector["signature2"],
        script=vector["script_or_pubkey"], eoa1=vector["eoa1"], eoa2=vector["eoa2"],
    )


def _verify(row: AddressRow, registry: AssetRegistry = REGISTRY):
    return FAMILY.verify_ownership(row, registry.network(row.network))


def _registry_for(vector: dict[str, str]) -> AssetRegistry:
    return HTX_REGISTRY if vector["source"].startswith("htx:") else REGISTRY


def _flip_hex(text: str, position: int) -> str:
    """Change one hex digit (one byte changes) at `position` counted from the end, keeping the 0x prefix."""
    index = len(text) - position
    digit = text[index]
    replacement = "0" if digit.lower() != "0" else "1"
    return text[:index] + replacement + text[index + 1 :]


def test_vectors_are_present():
    if not EVM_VECTORS:
        pytest.skip("../shared vectors not available")
    assert len(EVM_VECTORS) >= 40  # okx-evm, okx-ecdsa on OKC, htx-evm


@pytest.mark.parametrize("vector", EVM_VECTORS, ids=lambda v: f"{v['source']}:{v['address'][:10]}")
def test_published_vector_outcome(vector):
    proof = _verify(_row(vector), _registry_for(vector))
    expected = RowStatus.VERIFIED if vector["expect"] == "valid" else RowStatus.FAILED
    assert proof.status == expected, proof.reason
    if expected == RowStatus.VERIFIED:
        assert proof.scheme and (not proof.reason or proof.reason.startswith("owner mode"))


VALID = [v for v in EVM_VECTORS if v["expect"] == "valid"]


@pytest.mark.parametrize("vector", VALID, ids=lambda v: f"{v['source']}:{v['address'][:10]}")
def test_mutations_fail(vector):
    row = _row(vector)
    mutations = {
        "signature r": dataclasses.replace(row, signature1=_flip_hex(row.signature1, 100)),
        "signature s": dataclasses.replace(row, signature1=_flip_hex(row.signature1, 10)),
        "message": dataclasses.replace(row, message=row.message + "!"),
    }
    if row.eoa1:
        mutations["eoa1"] = dataclasses.replace(row, eoa1=_flip_hex(row.eoa1.lower(), 1))
        if row.eoa2 and row.signature2:
            mutations["signature2"] = dataclasses.replace(row, signature2=_flip_hex(row.signature2, 100))
    elif not row.address.lower().startswith("ex1"):
        mutations["address"] = dataclasses.replace(row, address=_flip_hex(row.address.lower(), 1))
    for what, mutated in mutations.items():
        proof = _verify(mutated, _registry_for(vector))
        assert proof.status == RowStatus.FAILED, f"{what} mutation passed: {proof}"
        assert proof.reason


def test_generated_keys_both_digests():
    key = demo_key("test/evm")
    address = evm_address(key)
    network = REGISTRY.network("ETH")
    for plain in (False, True):
        row = AddressRow(1, "ETH", "ETH", address, message="hello auditor",
                         signature1=sign_okx_evm(key, "hello auditor", plain_eip191=plain))
        proof = FAMILY.verify_ownership(row, network)
        assert proof.status == RowStatus.VERIFIED
        assert proof.scheme == ("eip191(message)" if plain else "personal_sign(keccak(message))")


def test_bare_keccak_signature_only_counts_in_htx_files():
    key = demo_key("bare")
    signature = key.sign_recoverable(keccak256(b"login 123"), hasher=None)
    row = AddressRow(1, "ETH", "ETH", evm_address(key), message="login 123",
                     signature1="0x" + signature[:64].hex() + bytes([27 + signature[64]]).hex())
    assert _verify(row).status == RowStatus.FAILED
    assert _verify(row, HTX_REGISTRY).status == RowStatus.VERIFIED


def test_other_key_signature_fails():
    row = AddressRow(1, "ETH", "ETH", evm_address(demo_key("a")), message="m",
                     signature1=sign_okx_evm(demo_key("b"), "m"))
    proof = FAMILY.verify_ownership(row, REGISTRY.network("ETH"))
    assert proof.status == RowStatus.FAILED and "does not recover" in proof.reason


@pytest.mark.parametrize(
    "signature, reason",
    [
        ("0x1234", "bytes, expected 65"),
        ("0x" + "zz" * 65, "not hex"),
        ("", "empty"),
        ("0x" + "11" * 64 + "05", "v=5"),
    ],
)
def test_malformed_signature_fails_with_reason(signature, reason):
    row = AddressRow(1, "ETH", "ETH", evm_address(demo_key("a")), message="m", signature1=signature)
    proof = FAMILY.verify_ownership(row, REGISTRY.network("ETH"))
    assert proof.status == RowStatus.FAILED
    assert reason in proof.reason


def test_high_s_signature_rejected():
    key = demo_key("high-s")
    signature = bytes.fromhex(sign_okx_evm(key, "m")[2:])
    n = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
    s = int.from_bytes(signature[32:64], "big")
    flipped = signature[:32] + (n - s).to_bytes(32, "big") + bytes([55 - signature[64]])
    row = AddressRow(1, "ETH", "ETH", evm_address(key), message="m", signature1="0x" + flipped.hex())
    proof = FAMILY.verify_ownership(row, REGISTRY.network("ETH"))
    assert proof.status == RowStatus.FAILED and "high s" in proof.reason


def test_checksum_address_rules():
    address = evm_address(demo_key("checksum"))
    assert parse_address(address) == parse_address(address.lower()) == parse_address("0x" + address[2:].upper())
    broken = address[:-1] + (address[-1].swapcase() if address[-1].isalpha() else address[-1])
    if broken == address:  # last char a digit: swap the case of the last letter instead
        i = max(i for i, c in enumerate(address) if c.isalpha() and i > 1)
        broken = address[:i] + address[i].swapcase() + address[i + 1 :]
    with pytest.raises(ValueError, match="EIP-55"):
        parse_address(broken)
    row = AddressRow(1, "ETH", "ETH", broken, message="m", signature1=sign_okx_evm(demo_key("checksum"), "m"))
    proof = FAMILY.verify_ownership(row, REGISTRY.network("ETH"))
    assert proof.status == RowStatus.FAILED and "EIP-55" in proof.reason
    assert checksum_address(bytes.fromhex("5aaeb6053f3e94c9b9a09f33669435e7ef1beaed")) == (
        "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"  # EIP-55's own example
    )


def test_owner_mode_needs_both_owner_signatures():
    owner1, owner2 = demo_key("o1"), demo_key("o2")
    row = AddressRow(1, "ETH", "ETH", evm_address(demo_key("wallet")), message="m",
                     signature1=sign_okx_evm(owner1, "m"), signature2=sign_okx_evm(owner2, "m"),
                     eoa1=evm_address(owner1), eoa2=evm_address(owner2))
    network = REGISTRY.network("ETH")
    assert FAMILY.verify_ownership(row, network).status == RowStatus.VERIFIED
    swapped = dataclasses.replace(row, signature2=row.signature1)
    assert FAMILY.verify_ownership(swapped, network).status == RowStatus.FAILED
    missing = dataclasses.replace(row, signature2="")
    assert FAMILY.verify_ownership(missing, network).status == RowStatus.FAILED
