"""OKX "ECDSA family" rows across the families that use them (XRP, FIL, ELF, CFX, Cosmos-SDK, AVAX-X): the
published vectors through each family and through the pipeline's dispatch, one-character mutations, keys made
here for every address form, and signatures presented as another chain's row."""

from __future__ import annotations

import dataclasses

import pytest
from coincurve import PrivateKey

from auditor.assets import AssetRegistry
from auditor.ownership import check_signatures, prove_ownership
from chains.aelf import addresses as aelf
from chains.avalanche import addresses as avalanche
from chains.base import AddressRow, Endpoint, OfflineOnlyFamily, RowStatus
from chains.conflux import addresses as conflux
from chains.cosmos import addresses as cosmos
from chains.evm.addresses import checksum_address
from chains.filecoin import addresses as filecoin
from chains.registry import get_family
from chains.signing.secp256k1 import eth_address_bytes
from chains.xrpl import addresses as xrpl
from tests.chains.okx_ecdsa_signing import flip_char, flip_hex, sign_okx_ecdsa, vector_row, vectors_of

REGISTRY = AssetRegistry.load()
NETWORKS = ["XRP", "FIL", "ELF", "CFX", "LUNC", "ATOM", "OSMO", "AVAX-X"]
VECTOR_NETWORKS = ["FIL", "ELF", "CFX", "LUNC", "AVAX-X"]  # the corpus has no XRP, ATOM or OSMO vector
VECTORS = [v for network in VECTOR_NETWORKS for v in vectors_of(network)]
BASE58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
XRP_BASE58 = "rpshnaf39wBUDNEGHJKLM4PQRST7VWXYZ2bcdeCg65jkm8oFqi1tuvAxyz"
BECH32 = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"
BASE32 = "abcdefghijklmnopqrstuvwxyz234567"


def address_forms(network: str, key: PrivateKey) -> list[str]:
    """Every spelling of the key's account on `network` that the family accepts."""
    public = key.public_key
    if network == "XRP":
        account = xrpl.account_id(public)
        return [xrpl.encode(account), xrpl.encode_x_address(account), xrpl.encode_x_address(account, 123456)]
    if network == "FIL":
        return [filecoin.encode(filecoin.payload_of(public)), filecoin.encode(filecoin.payload_of(public)).upper()]
    if network == "ELF":
        bare = aelf.encode(aelf.account_of(public))
        return [bare, f"ELF_{bare}_AELF"]
    if network == "CFX":
        account = "0x" + conflux.account_of(public).hex()
        from cfx_address import Base32Address

        return [conflux.encode(conflux.account_of(public)), Base32Address.encode_base32(account, 1029, verbose=True)]
    if network in ("LUNC", "ATOM", "OSMO"):
        address = cosmos.encode(cosmos.key_hash(public), REGISTRY.network(network).params["hrp"])
        return [address, address.upper()]
    if network == "AVAX-X":
        return [avalanche.encode(avalanche.key_hash(public))]
    raise AssertionError(network)


def signed_row(network: str, key: PrivateKey, address: str, message: str = "I am an OKX address") -> AddressRow:
    script = key.public_key.format().hex() if network == "AVAX-X" else ""
    return AddressRow(line=1, coin=REGISTRY.network(network).native_asset, network=network, address=address,
                      message=message, signature1=sign_okx_ecdsa(key, message), script=script)


def verify(row: AddressRow):
    network = REGISTRY.network(row.network)
    family = get_family(network.family)
    assert family is not None, f"family {network.family} is not installed"
    return family.verify_ownership(row, network)


def test_vectors_are_present() -> None:
    if not VECTORS:
        pytest.skip("../shared vectors not available")
    assert {v["network"] for v in VECTORS} == set(VECTOR_NETWORKS)


@pytest.mark.parametrize("vector", VECTORS, ids=lambda v: f"{v['network']}:{v['message'][:12]}")
def test_published_vector_outcome(vector: dict[str, str]) -> None:
    row = vector_row(vector)
    expected = RowStatus.VERIFIED if vector["expect"] == "valid" else RowStatus.FAILED
    proof = verify(row)
    assert proof.status == expected, proof.reason
    assert proof.scheme == ("okx-ecdsa-pubkey" if row.network == "AVAX-X" else "okx-ecdsa")
    [dispatched] = check_signatures([row], REGISTRY)  # the pipeline's own dispatch, with the shipped registry
    assert dispatched == proof
    result = prove_ownership(row, REGISTRY, dispatched)  # coin resolves, address normalizes, a query is made
    assert result.status == expected, result.reason
    assert result.token is not None and result.query is not None


@pytest.mark.parametrize("vector", VECTORS, ids=lambda v: f"{v['network']}:{v['message'][:12]}")
def test_mutations_fail(vector: dict[str, str]) -> None:
    row = vector_row(vector)
    address = row.address
    alphabet = {"FIL": BASE32, "ELF": BASE58, "CFX": "abcdefghjkmnprstuvwxyz0123456789"}.get(row.network, BECH32)
    mutations = {
        "signature r": dataclasses.replace(row, signature1=flip_hex(row.signature1, 100)),
        "signature s": dataclasses.replace(row, signature1=flip_hex(row.signature1, 10)),
        "message": dataclasses.replace(row, message=row.message + "!"),
        "message case": dataclasses.replace(row, message=row.message.swapcase()),
        "address (middle)": dataclasses.replace(row, address=flip_char(address, len(address) // 2, alphabet)),
        "address (last)": dataclasses.replace(row, address=flip_char(address, len(address) - 1, alphabet)),
    }
    if row.script:
        mutations["public key"] = dataclasses.replace(row, script=flip_hex(row.script, 1))
        mutations["no public key"] = dataclasses.replace(row, script="")
    for what, mutated in mutations.items():
        proof = verify(mutated)
        assert proof.status == RowStatus.FAILED, f"{what} mutation passed: {proof}"
        assert "field '" in proof.reason, proof.reason


@pytest.mark.parametrize("network", NETWORKS)
def test_generated_keys_verify_for_every_address_form(network: str) -> None:
    for seed in range(1, 4):
        key = PrivateKey(bytes([seed]) * 32)
        for address in address_forms(network, key):
            row = signed_row(network, key, address, f"proof {seed} ✓")
            proof = verify(row)
            assert proof.status == RowStatus.VERIFIED, (address, proof)
            assert check_signatures([row], REGISTRY) == [proof]
            family = get_family(REGISTRY.network(network).family)
            canonical = family.normalize_address(address, REGISTRY.network(network))
            assert canonical == address_forms(network, key)[0]


@pytest.mark.parametrize("network", NETWORKS)
def test_another_keys_signature_fails(network: str) -> None:
    owner, other = PrivateKey(b"\x01" * 32), PrivateKey(b"\x02" * 32)
    row = signed_row(network, owner, address_forms(network, owner)[0])
    row = dataclasses.replace(row, signature1=sign_okx_ecdsa(other, row.message))
    proof = verify(row)
    assert proof.status == RowStatus.FAILED
    assert "field 'signature1'" in proof.reason and other.public_key.format().hex() in proof.reason


@pytest.mark.parametrize("network", NETWORKS)
def test_v_zero_or_one_is_refused(network: str) -> None:
    key = PrivateKey(b"\x05" * 32)
    row = signed_row(network, key, address_forms(network, key)[0])
    row = dataclasses.replace(row, signature1=sign_okx_ecdsa(key, row.message, v_offset=0))
    proof = verify(row)
    assert proof.status == RowStatus.FAILED and "v byte" in proof.reason


@pytest.mark.parametrize("network", NETWORKS)
@pytest.mark.parametrize("field", ["signature1", "address"])
def test_empty_fields_fail_naming_the_field(network: str, field: str) -> None:
    key = PrivateKey(b"\x06" * 32)
    row = dataclasses.replace(signed_row(network, key, address_forms(network, key)[0]), **{field: ""})
    proof = verify(row)
    assert proof.status == RowStatus.FAILED and f"field '{field}'" in proof.reason


def test_a_signature_valid_on_one_chain_fails_as_another_chains_row() -> None:
    key = PrivateKey(b"\x09" * 32)
    message = "I am an OKX address"
    rows = {network: signed_row(network, key, address_forms(network, key)[0], message) for network in NETWORKS}
    okc_address = checksum_address(eth_address_bytes(key.public_key))
    rows["OKC"] = AddressRow(1, "OKT", "OKC", okc_address, message=message, signature1=sign_okx_ecdsa(key, message))
    assert all(verify(row).status == RowStatus.VERIFIED for row in rows.values())
    for source, row in rows.items():
        for target in rows:
            if target == source:
                continue
            moved = dataclasses.replace(row, network=target, script=rows[target].script)
            proof = verify(moved)
            assert proof.status == RowStatus.FAILED, f"{source} row accepted as {target}: {proof}"


@pytest.mark.parametrize("network", [n for n in NETWORKS if n not in ("FIL", "ELF")])  # FIL, ELF: chains/*/adapter
def test_no_balance_backend_yet(network: str) -> None:
    entry = REGISTRY.network(network)
    family = get_family(entry.family)
    if not isinstance(family, OfflineOnlyFamily):
        pytest.skip(f"{network} has a balance backend (tested in its own folder)")
    with pytest.raises(ValueError, match="no balance backend"):
        family.open_adapter(entry, Endpoint(url="http://127.0.0.1:1", backend="", display="http://127.0.0.1:1"))


@pytest.mark.parametrize(
    ("coin", "network", "asset", "decimals"),
    [("XRP", "XRP", "XRP", 6), ("FIL", "FIL", "FIL", 18), ("ELF", "ELF", "ELF", 8), ("CFX", "CFX", "CFX", 18),
     ("LUNC", "LUNC", "LUNC", 6), ("AVAX-X", "AVAX-X", "AVAX", 9), ("AVAX", "AVAX-X", "AVAX", 9),
     ("ATOM", "COSMOS", "ATOM", 6), ("FIL-EVM", "FEVM", "FIL", 18), ("FIL", "FEVM", "FIL", 18)],
)
def test_registry_resolves_the_coins(coin: str, network: str, asset: str, decimals: int) -> None:
    token = REGISTRY.resolve(coin, network)
    assert token is not None and token.asset == asset and token.decimals == decimals and token.contract is None


def test_the_networkless_key_vector_is_unchecked_in_the_pipeline() -> None:
    """The corpus's pure signature-to-key vector names no coin, network or address: the pipeline cannot pick a
    family for it, so it stays unchecked with a reason (its signature is checked in test_okx_message.py)."""
    vectors = [v for v in vectors_of("") if not v["coin"]]
    if not vectors:
        pytest.skip("../shared vectors not available")
    row = vector_row(vectors[0])
    assert check_signatures([row], REGISTRY) == [None]
    result = prove_ownership(row, REGISTRY)
    assert result.status == RowStatus.UNCHECKED and "not in the registry" in result.reason


def test_an_ecdsa_family_signature_does_not_prove_an_fevm_row() -> None:
    """FEVM signs personal_sign like ETH: the same key's OKX "ECDSA family" signature is not accepted there."""
    from chains.evm.addresses import fevm_address

    key = PrivateKey(b"\x0a" * 32)
    address = fevm_address(eth_address_bytes(key.public_key))
    row = AddressRow(1, "FIL-EVM", "FEVM", address, message="m", signature1=sign_okx_ecdsa(key, "m"))
    proof = verify(row)
    assert proof.status == RowStatus.FAILED and "field 'signature1'" in proof.reason
