"""Beacon-chain family: Ethereum validators (OKX's BETH rows), named by their 48-byte BLS12-381 keys.

Ownership: chains.beacon.ownership (BLS proof-of-possession signatures; the key is the address). No balance
backend exists yet (a beacon node's /eth/v1/beacon/states/{state}/validators would be one): open_adapter says so.
"""

from __future__ import annotations

from chains.base import AddressRow, Network, OfflineOnlyFamily, OwnershipProof
from chains.beacon.keys import canonical
from chains.beacon.ownership import verify_row


class BeaconFamily(OfflineOnlyFamily):
    name = "beacon"

    def normalize_address(self, address: str, network: Network) -> str:
        return canonical(address)

    def verify_ownership(self, row: AddressRow, network: Network) -> OwnershipProof:
        return verify_row(row)
