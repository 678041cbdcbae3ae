"""ConfluxFamily (chains/conflux/__init__.py): the registry's chain_id picks the CIP-37 network, and a bad one is
reported, never coerced into another network."""

from __future__ import annotations

import dataclasses

import pytest
from coincurve import PrivateKey

from auditor.assets import AssetRegistry
from chains.base import AddressRow, RowStatus
from chains.conflux import ConfluxFamily, addresses
from tests.chains.okx_ecdsa_signing import sign_okx_ecdsa

NETWORK = AssetRegistry.load().network("CFX")
FAMILY = ConfluxFamily()
KEY = PrivateKey(b"\x45" * 32)


def _row(network_id: int = addresses.MAINNET_ID) -> AddressRow:
    address = addresses.encode(addresses.account_of(KEY.public_key), network_id)
    return AddressRow(1, "CFX", "CFX", address, message="I am an OKX address",
                      signature1=sign_okx_ecdsa(KEY, "I am an OKX address"))


def test_registry_chain_id_selects_the_network() -> None:
    assert NETWORK is not None and NETWORK.chain_id == addresses.MAINNET_ID
    assert FAMILY.verify_ownership(_row(), NETWORK).status == RowStatus.VERIFIED
    testnet = dataclasses.replace(NETWORK, chain_id=1)
    assert FAMILY.verify_ownership(_row(1), testnet).status == RowStatus.VERIFIED
    assert FAMILY.verify_ownership(_row(), testnet).status == RowStatus.FAILED
    assert FAMILY.verify_ownership(_row(), dataclasses.replace(NETWORK, chain_id=None)).status == RowStatus.VERIFIED


@pytest.mark.parametrize("value", ["abc", "", "1029", True, 1.5, 0, -5, 2**70, ["x"], {"a": 1}])
def test_bad_chain_id_is_reported_not_coerced(value: object) -> None:
    network = dataclasses.replace(NETWORK, chain_id=value)
    proof = FAMILY.verify_ownership(_row(), network)
    assert proof.status == RowStatus.UNCHECKED
    assert proof.reason.startswith("registry network CFX: chain_id must be a Conflux network id")
    assert repr(value) in proof.reason
    with pytest.raises(ValueError, match="chain_id must be a Conflux network id"):
        FAMILY.normalize_address(_row().address, network)
