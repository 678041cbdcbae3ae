"""Conflux family: CFX on Conflux Core Space mainnet (network id 1029). Conflux eSpace is an EVM chain.

Ownership: OKX's "ECDSA family" signature; the recovered key's CIP-37 user address must be the row's
(chains.conflux.addresses). No balance backend exists yet.
"""

from __future__ import annotations

from functools import partial

from chains.base import AddressRow, Network, OfflineOnlyFamily, OwnershipProof
from chains.conflux import addresses
from chains.signing.okx_ecdsa import verify_derived_address

MAX_NETWORK_ID = 2**32 - 1  # CIP-37 network ids are 32-bit


def _network_id(network: Network) -> int:
    """The registry's chain_id (mainnet 1029 when absent). ValueError naming the entry when it is not a network
    id: a string, bool or float would otherwise be coerced into some other network's prefix or raise later."""
    value = network.chain_id
    if value is None:
        return addresses.MAINNET_ID
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_NETWORK_ID:
        raise ValueError(f"registry network {network.code}: chain_id must be a Conflux network id (an integer "
                         f"1..{MAX_NETWORK_ID}, mainnet {addresses.MAINNET_ID}), got {value!r}")
    return value


class ConfluxFamily(OfflineOnlyFamily):
    name = "conflux"

    def normalize_address(self, address: str, network: Network) -> str:
        return addresses.canonical(address, _network_id(network))

    def verify_ownership(self, row: AddressRow, network: Network) -> OwnershipProof:
        try:
            network_id = _network_id(network)
        except ValueError as exc:
            return OwnershipProof.unchecked(str(exc))
        return verify_derived_address(row, partial(addresses.decode, network_id=network_id), addresses.account_of,
                                      partial(addresses.encode, network_id=network_id))
