"""Cosmos-SDK family: LUNC on Terra Classic, and any Cosmos-SDK chain whose registry entry names its bech32
`hrp` (ATOM `cosmos`, OSMO `osmo`...).

Ownership: OKX's "ECDSA family" signature; the recovered key's address, bech32(hrp, HASH160(compressed key)),
must be the row's (chains.cosmos.addresses). No balance backend exists yet.
"""

from __future__ import annotations

from functools import partial

from chains.base import AddressRow, Network, OfflineOnlyFamily, OwnershipProof
from chains.cosmos import addresses
from chains.signing.okx_ecdsa import verify_derived_address


def _hrp(network: Network) -> str | None:
    hrp = network.params.get("hrp")
    return str(hrp) if hrp else None


class CosmosFamily(OfflineOnlyFamily):
    name = "cosmos"

    def normalize_address(self, address: str, network: Network) -> str:
        hrp = _hrp(network)
        if hrp is None:
            raise ValueError(f"registry network {network.code} has no bech32 'hrp' param")
        return addresses.canonical(address, hrp)

    def verify_ownership(self, row: AddressRow, network: Network) -> OwnershipProof:
        hrp = _hrp(network)
        if hrp is None:
            return OwnershipProof.unchecked(f"registry network {network.code} has no bech32 'hrp' param")
        return verify_derived_address(row, partial(addresses.decode, hrp=hrp), addresses.key_hash,
                                      partial(addresses.encode, hrp=hrp))
