"""EVM address spellings: 0x hex everywhere; FEVM's Filecoin delegated f410f... and OKC's bech32 ex1... only on
their own networks (registry param alt_address_form)."""

from __future__ import annotations

import dataclasses

import pytest

from auditor.assets import AssetRegistry
from auditor.demo.signing import demo_key, sign_okx_evm
from auditor.ownership import prove_ownership
from chains.base import AddressRow, RowStatus
from chains.evm import EvmFamily
from chains.evm.addresses import canonical, fevm_address, okc_address, parse_address
from chains.evm.query import owners_of
from chains.signing.secp256k1 import eth_address_bytes
from tests.conftest import load_vectors

REGISTRY = AssetRegistry.load()
FEVM_VECTORS = [v for v in load_vectors() if v["network"] == "FEVM"]


def test_registry_has_fevm() -> None:
    network = REGISTRY.network("FEVM")
    assert network is not None and network.family == "evm" and network.chain_id == 314
    assert network.native_asset == "FIL" and network.native_decimals == 18


def test_published_fevm_addresses_parse() -> None:
    if not FEVM_VECTORS:
        pytest.skip("../shared vectors not available")
    for vector in FEVM_VECTORS:
        account = parse_address(vector["address"], "f410")
        assert fevm_address(account) == vector["address"]


def test_generated_keys_sign_for_f410_and_0x_forms() -> None:
    network = REGISTRY.network("FEVM")
    for label in ("fevm-1", "fevm-2", "fevm-3"):
        key = demo_key(label)
        account = eth_address_bytes(key.public_key)
        for address in (fevm_address(account), fevm_address(account).upper(), "0x" + account.hex()):
            row = AddressRow(1, "FIL-EVM", "FEVM", address, message="m", signature1=sign_okx_evm(key, "m"))
            proof = EvmFamily().verify_ownership(row, network)
            assert proof.status == RowStatus.VERIFIED, (address, proof)
            assert canonical(address, "f410") == "0x" + account.hex()
        other = fevm_address(eth_address_bytes(demo_key("someone else").public_key))
        row = AddressRow(1, "FIL-EVM", "FEVM", other, message="m", signature1=sign_okx_evm(key, "m"))
        assert EvmFamily().verify_ownership(row, network).status == RowStatus.FAILED


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("f410fa7sh5u6fvd7vt625dx2akhbu3jt7yvkhgdp55kj", "not canonical base32"),  # stray bits in the last char
        ("f410fb7sh5u6fvd7vt625dx2akhbu3jt7yvkhgdp55ki", "bad checksum"),
        ("t410fa7sh5u6fvd7vt625dx2akhbu3jt7yvkhgdp55ki", "testnet"),
        ("f432fa7sh5u6fvd7vt625dx2akhbu3jt7yvkhgdp55ki", "outside the EVM namespace"),
        ("f410fa7sh5u6fvd7vt625dx2akhbu3jt7yvkhgdp5", "expected 39"),
        ("f410fa7sh5u6fvd7vt625dx2akhbu3jt7yvkhgdp55k!", "not base32"),
    ],
)
def test_refused_fevm_addresses(address: str, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        parse_address(address, "f410")


def test_foreign_forms_only_on_their_own_network() -> None:
    """An f410f or ex1 string names an account only on FEVM / OKC: on ETH or BSC it is refused, and FEVM does
    not take ex1 (nor OKC f410f)."""
    key = demo_key("fevm-1")
    account = eth_address_bytes(key.public_key)
    forms = {"FEVM": fevm_address(account), "OKC": okc_address(account)}
    family = EvmFamily()
    for code in ("ETH", "BSC", "FEVM", "OKC"):
        network = REGISTRY.network(code)
        assert family.normalize_address("0x" + account.hex(), network) == "0x" + account.hex()
        for home, address in forms.items():
            row = AddressRow(1, "X", code, address, message="m", signature1=sign_okx_evm(key, "m"))
            if home == code:
                assert family.normalize_address(address, network) == "0x" + account.hex()
                continue
            with pytest.raises(ValueError, match=f"accepted on network {home} only"):
                family.normalize_address(address, network)
            proof = family.verify_ownership(row, network)
            assert proof.status == RowStatus.FAILED and f"accepted on network {home} only" in proof.reason
            owner_mode = AddressRow(1, "X", code, "0x" + "11" * 20, message="m", signature1=sign_okx_evm(key, "m"),
                                    eoa1=address)
            assert family.verify_ownership(owner_mode, network).status == RowStatus.FAILED


def test_okc_bech32_round_trip_and_refusals() -> None:
    account = bytes(range(20))
    address = okc_address(account)
    assert address.startswith("ex1") and parse_address(address, "ex1") == account
    assert parse_address(address.upper(), "ex1") == account
    broken = address[:-1] + ("q" if address[-1] != "q" else "p")
    for text in (broken, address[:10] + address[10:].upper()):
        with pytest.raises(ValueError, match="not an OKC ex1"):
            parse_address(text, "ex1")
    with pytest.raises(ValueError, match="unknown alt_address_form"):
        parse_address(address, "bech32")


def test_bad_alt_address_form_in_the_registry_is_reported() -> None:
    network = dataclasses.replace(REGISTRY.network("ETH"), params={"alt_address_form": "ex2"})
    key = demo_key("fevm-1")
    row = AddressRow(1, "ETH", "ETH", "0x" + eth_address_bytes(key.public_key).hex(), message="m",
                     signature1=sign_okx_evm(key, "m"))
    proof = EvmFamily().verify_ownership(row, network)
    assert proof.status == RowStatus.UNCHECKED and "alt_address_form" in proof.reason
    with pytest.raises(ValueError, match="registry network ETH: alt_address_form"):
        EvmFamily().normalize_address(row.address, network)


def test_unreadable_owner_does_not_break_the_balance_query() -> None:
    row = AddressRow(1, "USDT", "ETH", "0x" + "11" * 20, message="m", signature1="0x" + "00" * 65, eoa1="garbage")
    result = prove_ownership(row, REGISTRY)
    assert result.status == RowStatus.FAILED and "field 'eoa1'" in result.reason
    assert result.query is not None and owners_of(result.query) == ()


def test_checksum_masks_agree_with_the_eip55_spelling() -> None:
    """has_checksum (bit masks) decides as comparing with checksum_address's spelling does: every EIP-55 form
    passes, and flipping the case of any one letter fails."""
    import hashlib

    from chains.evm.addresses import checksum_address, has_checksum

    flips = 0
    for index in range(300):
        spelled = checksum_address(hashlib.sha256(index.to_bytes(2, "big")).digest()[:20])[2:]
        assert has_checksum(spelled)
        for position, char in enumerate(spelled):
            if char.isalpha():
                flips += 1
                assert not has_checksum(spelled[:position] + char.swapcase() + spelled[position + 1:])
    assert flips > 3000
    # the EIP-55 specification's own examples
    for text in ("5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", "fB6916095ca1df60bB79Ce92cE3Ea74c37c5d359"):
        first = next(i for i, c in enumerate(text) if c.isalpha())
        assert has_checksum(text) and not has_checksum(text[:first] + text[first].swapcase() + text[first + 1:])
