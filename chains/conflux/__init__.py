"""Conflux family: CFX on Conflux Core Space mainnet (network id 1029). Conflux eSpace is an EVM chain.

Ownership: OKX's "ECDSA family" signature; the recovered key's CIP-37 user address must be the row's
(chains.conflux.addresses). No balance backend exists yet.
"""

from __future__ import annotations

from functools import partial

from chains.base import AddressRow, BalanceAdapter, ChainFamily, Endpoint, Network, OwnershipProof
from chains.conflux import addresses
from chains.okx_ecdsa import verify_derived_address


def _network_id(network: Network) -> int:
    return int(network.chain_id or addresses.MAINNET_ID)


class ConfluxFamily(ChainFamily):
    name = "conflux"

    def normalize_address(self, address: str, network: Network) -> str:
        return addresses.canonical(address, _network_id(network))

    def verify_ownership(self, row: AddressRow, network: Network) -> OwnershipProof:
        network_id = _network_id(network)
        return verify_derived_address(row, partial(addresses.decode, network_id=network_id), addresses.account_of,
                                      partial(addresses.encode, network_id=network_id))

    def open_adapter(self, network: Network, endpoint: Endpoint) -> BalanceAdapter:
        raise ValueError(f"no balance backend exists yet for {network.name} ({network.code}): "
                         "its balances are not read")
