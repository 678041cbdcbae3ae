"""OKX's Ed25519 scheme (chains/signing/ed25519.py) and the published vectors of the eight families that use it."""

from __future__ import annotations

from dataclasses import replace

import pytest

from auditor.assets import AssetRegistry
from auditor.ownership import check_signatures, prove_ownership
from chains.base import AddressRow, Endpoint, OfflineOnlyFamily, RowStatus
from chains.registry import get_family
from chains.signing import ed25519
from tests.chains.ed25519_signing import key, public, sign
from tests.conftest import VECTORS, load_vectors, needs_shared

NETWORKS = ("SOL", "APTOS", "SUI", "TON", "DOT", "PI", "ADA", "NEAR")
REGISTRY = AssetRegistry.load()


def _vectors() -> list[dict[str, str]]:
    needs_shared(VECTORS)
    rows = [v for v in load_vectors() if v["source"].startswith("okx:") and v["network"] in NETWORKS]
    assert {v["network"] for v in rows} == set(NETWORKS)
    return rows


def _row(vector: dict[str, str]) -> AddressRow:
    return AddressRow(line=1, coin=vector["coin"], network=vector["network"], address=vector["address"],
                      message=vector["message"], signature1=vector["signature1"], signature2=vector["signature2"],
                      script=vector["script_or_pubkey"], eoa1=vector["eoa1"], eoa2=vector["eoa2"])


def _verify(row: AddressRow):
    network = REGISTRY.network(row.network)
    assert network is not None
    family = get_family(network.family)
    assert family is not None
    return family.verify_ownership(row, network)


def _flip(text: str, position: int) -> str:
    return text[:position] + ("1" if text[position] != "1" else "2") + text[position + 1 :]


def test_parse_hex_reasons() -> None:
    assert ed25519.parse_hex(" 0x" + "ab" * 32, 32, "key") == b"\xab" * 32
    assert ed25519.parse_hex("AB" * 32, 32, "key") == b"\xab" * 32
    for text, reason in (("", "no key"), ("0x", "no key"), ("ab" * 31, "62 hex digits"), ("zz" * 32, "not hex"),
                         ("ab" * 31 + " a" + "\t", "not hex"), ("ab" * 29 + " cd\tef", "not hex")):
        with pytest.raises(ValueError, match=reason):
            ed25519.parse_hex(text, 32, "key")


def test_signer_key_names_the_field_at_fault() -> None:
    signing_key = key(1)
    row = AddressRow(1, "SOL", "SOL", "x", message="m", signature1=sign(signing_key, "m"),
                     script=public(signing_key).hex())
    assert ed25519.signer_key(row) == public(signing_key)
    cases = {
        "field 'script'": replace(row, script="0x1234"),
        "field 'signature1': no Ed25519 signature": replace(row, signature1=""),
        "field 'signature1': does not verify": replace(row, message="m "),
    }
    for reason, bad in cases.items():
        with pytest.raises(ValueError, match=reason):
            ed25519.signer_key(bad)
    other = public(key(2))
    with pytest.raises(ValueError, match=other.hex()):
        ed25519.signer_key(row, other)  # the override key, not the script column's, is what must verify


def test_signature_valid_refuses_small_order_keys() -> None:
    identity = bytes([1]) + bytes(31)  # the neutral point's encoding
    # R = identity, s = 0 satisfies [s]B = R + [h]A for A = identity and any message: a verifier that accepts
    # small-order keys would take this as a signature of everything.
    assert not ed25519.signature_valid(b"m", identity + bytes(32), identity)


def test_published_vectors_through_each_family() -> None:
    vectors = _vectors()
    assert len(vectors) >= 19
    for vector in vectors:
        proof = _verify(_row(vector))
        expected = RowStatus.VERIFIED if vector["expect"] == "valid" else RowStatus.FAILED
        assert proof.status == expected, (vector, proof)


def test_published_vectors_through_the_pipeline() -> None:
    vectors = _vectors()
    rows = [_row(v) for v in vectors]
    proofs = check_signatures(rows, REGISTRY)
    for vector, row, proof in zip(vectors, rows, proofs, strict=True):
        assert proof is not None, vector
        result = prove_ownership(row, REGISTRY, proof)
        assert result.token is not None, vector  # every published coin code is in the registry
        if vector["eoa1"]:  # APTOS owner mode: the key is proven, the placeholder address is not bound
            assert proof.status == RowStatus.VERIFIED and not proof.binds_address
            assert result.status == RowStatus.UNCHECKED and "authentication key" in result.reason
        else:
            assert result.status == RowStatus.VERIFIED, (vector, result.reason)
            assert result.query is not None


def test_mutations_of_published_vectors_fail() -> None:
    for vector in _vectors():
        row = _row(vector)
        start = 2 if row.signature1.startswith("0x") else 0
        for position in (start + 5, start + 100):  # a byte of R, a byte of s
            assert _verify(replace(row, signature1=_flip(row.signature1, position))).status == RowStatus.FAILED
        assert _verify(replace(row, message=row.message + "!")).status == RowStatus.FAILED
        key_start = 2 if row.script.startswith("0x") else 0
        assert _verify(replace(row, script=_flip(row.script, key_start + 7))).status == RowStatus.FAILED
        bound = "eoa1" if row.eoa1 else "address"
        value = getattr(row, bound)
        mutated = replace(row, **{bound: _flip(value, len(value) - 9)})  # breaks the checksum or the key/hash
        assert _verify(mutated).status == RowStatus.FAILED, (vector["network"], bound)


def test_a_valid_row_of_one_chain_fails_as_another_chains_row() -> None:
    vectors = [v for v in _vectors() if not v["eoa1"]]
    for vector in vectors:
        for network in NETWORKS:
            if network == vector["network"]:
                continue
            row = replace(_row(vector), network=network)
            proof = _verify(row)
            if proof.status == RowStatus.UNCHECKED:  # e.g. an addr1... string is also a valid named NEAR account
                assert network == "NEAR" and "needs the chain" in proof.reason, (vector["network"], "as", network)
                assert prove_ownership(row, REGISTRY, proof).status == RowStatus.UNCHECKED
            else:
                assert proof.status == RowStatus.FAILED, (vector["network"], "as", network, proof)


def test_every_family_has_its_registry_network() -> None:
    for code in NETWORKS:
        network = REGISTRY.network(code)
        assert network is not None and get_family(network.family) is not None
    decimals = {"SOL": 9, "APT": 8, "SUI": 9, "TON": 9, "DOT": 10, "PI": 7, "ADA": 6, "NEAR": 24, "KSM": 12, "XLM": 7}
    for asset, places in decimals.items():
        assert any(t.asset == asset and t.decimals == places and t.contract is None for t in REGISTRY.tokens.values())
    assert REGISTRY.network("APT") is REGISTRY.network("APTOS")


def test_registry_contracts_are_valid_addresses_of_their_network() -> None:
    contracts = [t for t in REGISTRY.tokens.values() if t.contract and REGISTRY.networks[t.network].family
                 in {REGISTRY.network(code).family for code in NETWORKS}]
    assert {t.code for t in contracts} >= {"USDT-TON", "USDT-SOL", "USDC-SOL"}
    for token in contracts:
        network = REGISTRY.networks[token.network]
        if network.family == "substrate":  # Assets-pallet tokens: the contract is the asset id
            assert token.contract.isdigit(), token
            continue
        family = get_family(network.family)
        assert family is not None
        assert family.normalize_address(token.contract, network), token


def test_an_empty_key_column_falls_back_to_the_key_the_address_spells() -> None:
    by_network = {v["network"]: _row(v) for v in _vectors() if not v["eoa1"]}
    for network in ("SOL", "DOT", "PI", "NEAR"):  # addresses that are the key itself
        row = replace(by_network[network], script="")
        assert _verify(row).status == RowStatus.VERIFIED, network
        assert _verify(replace(row, message=row.message + "!")).status == RowStatus.FAILED
    for network in ("APTOS", "SUI", "TON", "ADA"):  # hashes of the key: the key must be published
        proof = _verify(replace(by_network[network], script=""))
        assert proof.status == RowStatus.FAILED and "field 'script': no Ed25519 public key" in proof.reason
    named = replace(by_network["NEAR"], address="okx.near", script="")
    assert "field 'script'" in _verify(named).reason


@pytest.mark.parametrize("code", NETWORKS)
def test_no_balance_backend_is_a_clear_error(code: str) -> None:
    network = REGISTRY.network(code)
    assert network is not None
    family = get_family(network.family)
    assert family is not None
    if not isinstance(family, OfflineOnlyFamily):
        pytest.skip(f"{code} has a balance backend (tested in its own folder)")
    with pytest.raises(ValueError, match="no balance backend"):
        family.open_adapter(network, Endpoint(url="http://127.0.0.1:1", backend="", display="http://127.0.0.1:1"))
