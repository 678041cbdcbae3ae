"""Sui family: SUI and its coins. The address is BLAKE2b-256(0x00 || Ed25519 key) (chains.sui.addresses).

Ownership: OKX's Ed25519 signature (chains.signing.ed25519); the verified key must derive the address. No balance
backend yet.
"""

from __future__ import annotations

from chains.base import AddressRow, Network, OfflineOnlyFamily, OwnershipProof
from chains.signing import ed25519
from chains.sui import addresses

SCHEME = "okx-ed25519-sui"


class SuiFamily(OfflineOnlyFamily):
    name = "sui"

    def normalize_address(self, address: str, network: Network) -> str:
        return addresses.encode(addresses.decode(address))

    def verify_ownership(self, row: AddressRow, network: Network) -> OwnershipProof:
        try:
            claimed = addresses.decode(row.address)
        except ValueError as exc:
            return OwnershipProof.failed(str(exc), SCHEME, field="address")
        try:
            key = ed25519.signer_key(row)
        except ValueError as exc:
            return OwnershipProof.failed(str(exc), SCHEME)
        derived = addresses.from_public_key(key)
        if derived != claimed:
            return OwnershipProof.failed(
                f"{addresses.encode(claimed)} is not the signer's address {addresses.encode(derived)}",
                SCHEME, field="address"
            )
        return OwnershipProof.verified(SCHEME)
