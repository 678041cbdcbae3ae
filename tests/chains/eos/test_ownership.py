"""EOS/Vaulta ownership: the published vector proves its key (not the account), every mutation fails, and
freshly generated keys verify in both key spellings."""

from __future__ import annotations

import dataclasses

import base58
import pytest
from coincurve import PrivateKey

from auditor.assets import AssetRegistry
from auditor.ownership import OwnershipPolicy, check_signatures, prove_ownership
from chains.base import AddressRow, RowStatus
from chains.eos import EosFamily, accounts, keys
from chains.eos.ownership import digest
from tests.conftest import load_vectors

REGISTRY = AssetRegistry.load()
NETWORK = REGISTRY.network("Vaulta")
FAMILY = EosFamily()
VECTORS = [v for v in load_vectors() if (n := REGISTRY.network(v["network"])) is not None and n.family == "eos"]


def _row(vector: dict[str, str]) -> AddressRow:
    return AddressRow(1, vector["coin"], vector["network"], vector["address"], message=vector["message"],
                      signature1=vector["signature1"], signature2=vector["signature2"],
                      script=vector["script_or_pubkey"])


def _sign(key: PrivateKey, message: str) -> str:
    compact = key.sign_recoverable(digest(message.encode()), hasher=None)
    return keys.encode_signature(compact[:64], compact[64])


def _change_char(text: str, index: int) -> str:
    """Replace one base58/hex character, keeping the alphabet."""
    replacement = "2" if text[index] != "2" else "3"
    return text[:index] + replacement + text[index + 1:]


def test_network_codes():
    assert NETWORK is not None and NETWORK.family == "eos"
    assert REGISTRY.network("EOS") is NETWORK
    assert REGISTRY.resolve("EOS", "Vaulta").asset == "EOS"


@pytest.mark.parametrize("vector", VECTORS, ids=lambda v: v["address"])
def test_published_vector_proves_the_key_not_the_account(vector):
    proof = FAMILY.verify_ownership(_row(vector), NETWORK)
    assert vector["expect"] == "valid"
    assert proof.status == RowStatus.UNCHECKED and proof.scheme == "okx-eos"
    assert proof.reason.startswith(f"signature valid for EOS key {vector['script_or_pubkey']!r}")
    assert "active or owner permission at the snapshot needs the chain" in proof.reason
    [batch] = check_signatures([_row(vector)], REGISTRY)
    assert batch == proof
    for trust in (False, True):  # the pipeline never counts it as verified, not even with trust_owner_mode
        result = prove_ownership(_row(vector), REGISTRY, batch, OwnershipPolicy(trust_owner_mode=trust))
        assert result.status == RowStatus.UNCHECKED and "active or owner permission" in result.reason


@pytest.mark.parametrize("vector", VECTORS, ids=lambda v: v["address"])
def test_published_vector_mutations_fail(vector):
    row = _row(vector)
    mutations = {
        "signature1 (checksum)": dataclasses.replace(row, signature1=_change_char(row.signature1, 20)),
        "message": dataclasses.replace(row, message=row.message + "!"),
        "script (checksum)": dataclasses.replace(row, script=_change_char(row.script, 10)),
        "script (other key)": dataclasses.replace(
            row, script=keys.encode_public_key(PrivateKey().public_key.format())),
        "address (invalid name)": dataclasses.replace(row, address=row.address + "9"),
    }
    for what, mutated in mutations.items():
        proof = FAMILY.verify_ownership(mutated, NETWORK)
        assert proof.status == RowStatus.FAILED, f"{what}: {proof}"
        assert proof.reason.startswith("field '"), proof.reason


@pytest.mark.parametrize("legacy", [True, False])
def test_generated_keys_verify_in_both_key_forms(legacy):
    key = PrivateKey()
    row = AddressRow(1, "EOS", "Vaulta", "okx.reserve1", message="I am an OKX address",
                     signature1=_sign(key, "I am an OKX address"),
                     script=keys.encode_public_key(key.public_key.format(), legacy=legacy))
    proof = FAMILY.verify_ownership(row, NETWORK)
    assert proof.status == RowStatus.UNCHECKED and proof.reason.startswith("signature valid for EOS key")
    other = dataclasses.replace(row, signature1=_sign(PrivateKey(), "I am an OKX address"))
    assert "not the published key" in FAMILY.verify_ownership(other, NETWORK).reason


def test_key_forms_round_trip_and_checksums_differ():
    key = PrivateKey().public_key.format()
    legacy, k1 = keys.encode_public_key(key), keys.encode_public_key(key, legacy=False)
    assert legacy.startswith("EOS") and k1.startswith("PUB_K1_")
    assert keys.parse_public_key(legacy) == keys.parse_public_key(k1) == key
    # the K1 checksum covers the curve name: a legacy body under the PUB_K1_ prefix is refused
    with pytest.raises(ValueError, match="checksum"):
        keys.parse_public_key("PUB_K1_" + legacy[3:])


@pytest.mark.parametrize(("name", "valid"), [
    ("okbwallet1tr", True), ("eosio", True), ("a", True), ("eosio.token", True), ("abcdefghijklj", True),
    ("abcdefghijklk", False),  # 13th character beyond j
    ("abcdefghijklmn", False), ("OKBWALLET", False), ("wallet6", False), ("wallet.", False), ("", False),
    ("with space", False),
])
def test_account_names(name, valid):
    if valid:
        assert accounts.validate(name) == name
    else:
        with pytest.raises(ValueError):
            accounts.validate(name)


@pytest.mark.parametrize(("field", "value", "reason"), [
    ("address", "Bad.Name", "field 'address'"),
    ("signature1", "", "field 'signature1': empty"),
    ("signature1", "SIG_R1_abc", "field 'signature1': not an EOS K1 signature"),
    ("script", "", "field 'script': empty"),
    ("script", "0x02" + "11" * 32, "field 'script': not an EOS public key"),
])
def test_malformed_fields_are_named(field, value, reason):
    key = PrivateKey()
    row = AddressRow(1, "EOS", "Vaulta", "okx.reserve1", message="m", signature1=_sign(key, "m"),
                     script=keys.encode_public_key(key.public_key.format()))
    proof = FAMILY.verify_ownership(dataclasses.replace(row, **{field: value}), NETWORK)
    assert proof.status == RowStatus.FAILED and reason in proof.reason


def test_eos_signature_under_another_chain_fails():
    """The same SIG_K1 row presented as a TRON or Ethereum row fails there (other digest, other encoding)."""
    key = PrivateKey()
    row = AddressRow(1, "EOS", "Vaulta", "okx.reserve1", message="m", signature1=_sign(key, "m"),
                     script=keys.encode_public_key(key.public_key.format()))
    for network in ("TRON", "ETH", "STARKNET"):
        [proof] = check_signatures([dataclasses.replace(row, coin="", network=network)], REGISTRY)
        assert proof is not None and proof.status == RowStatus.FAILED, network


def _no_decode(*args: object, **kwargs: object) -> bytes:
    raise AssertionError("base58 decoding ran on input the length bound should have refused")


def test_over_long_key_is_refused_before_decoding(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(base58, "b58decode", _no_decode)
    for text in ("EOS" + "z" * 131072, "PUB_K1_" + "z" * 131072):
        with pytest.raises(ValueError, match="longer than any base58 spelling"):
            keys.parse_public_key(text)


def test_needs_chain_reasons_group_as_one_kind_in_the_report():
    kinds = set()
    for name in ("okx.reserve1", "okx.reserve2"):
        key = PrivateKey()
        row = AddressRow(1, "EOS", "Vaulta", name, message="m", signature1=_sign(key, "m"),
                         script=keys.encode_public_key(key.public_key.format()))
        proof = FAMILY.verify_ownership(row, NETWORK)
        assert name in proof.reason  # each row still names its own account
        kinds.add(proof.why.group)
    assert len(kinds) == 1 and "needs the chain" in kinds.pop()
