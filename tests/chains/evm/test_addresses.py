"""EVM address spellings added for FEVM: Filecoin delegated f410f... addresses carry the 20-byte account."""

from __future__ import annotations

import pytest

from auditor.assets import AssetRegistry
from auditor.demo.signing import demo_key, sign_okx_evm
from chains.base import AddressRow, RowStatus
from chains.evm import EvmFamily
from chains.evm.addresses import canonical, fevm_address, parse_address
from chains.secp256k1 import eth_address_bytes
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
        account = parse_address(vector["address"])
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
            assert canonical(address) == "0x" + account.hex()
        other = fevm_address(eth_address_bytes(demo_key("someone else").public_key))
        row = AddressRow(1, "FIL-EVM", "FEVM", other, message="m", signature1=sign_okx_evm(key, "m"))
        assert EvmFamily().verify_ownership(row, network).status == RowStatus.FAILED


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("f410fa7sh5u6fvd7vt625dx2akhbu3jt7yvkhgdp55kj", "bad checksum"),
        ("f410fb7sh5u6fvd7vt625dx2akhbu3jt7yvkhgdp55ki", "bad checksum"),
        ("t410fa7sh5u6fvd7vt625dx2akhbu3jt7yvkhgdp55ki", "testnet"),
        ("f432fa7sh5u6fvd7vt625dx2akhbu3jt7yvkhgdp55ki", "outside the EVM namespace"),
        ("f410fa7sh5u6fvd7vt625dx2akhbu3jt7yvkhgdp5", "expected 24"),
        ("f410fa7sh5u6fvd7vt625dx2akhbu3jt7yvkhgdp55k!", "not base32"),
    ],
)
def test_refused_fevm_addresses(address: str, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        parse_address(address)
