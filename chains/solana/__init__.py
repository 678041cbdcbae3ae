"""Solana family: SOL and SPL tokens. The address is the signer's Ed25519 key itself (base58).

Ownership: OKX's Ed25519 signature (chains.signing.ed25519); the verified key must be the address.
No balance backend yet.
"""

from __future__ import annotations

from chains.base import AddressRow, Network, OfflineOnlyFamily, OwnershipProof
from chains.signing import ed25519
from chains.solana import addresses

SCHEME = "okx-ed25519-solana"


class SolanaFamily(OfflineOnlyFamily):
    name = "solana"

    def normalize_address(self, address: str, network: Network) -> str:
        return addresses.encode(addresses.decode(address))

    def verify_ownership(self, row: AddressRow, network: Network) -> OwnershipProof:
        try:
            claimed = addresses.decode(row.address)
        except ValueError as exc:
            return OwnershipProof.failed(str(exc), SCHEME, field="address")
        return ed25519.verify_address_is_key(row, claimed, SCHEME, addresses.encode)
