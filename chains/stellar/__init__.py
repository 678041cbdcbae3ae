"""Stellar family: Pi Network (PI) and Stellar (XLM) accounts, `G...` strkeys of the account's Ed25519 key.

Ownership: OKX's Ed25519 signature (chains.signing.ed25519); the account id must be the verified key. A Stellar account
can add signers or drop its master key's weight on chain; that is not checked offline. No balance backend yet.
"""

from __future__ import annotations

from chains.base import AddressRow, Network, OfflineOnlyFamily, OwnershipProof
from chains.signing import ed25519
from chains.stellar import addresses

SCHEME = "okx-ed25519-stellar"
ROTATION_NOTE = ("the account's master key can be re-weighted, or other signers added, on chain; not checked "
                 "offline")


class StellarFamily(OfflineOnlyFamily):
    name = "stellar"

    def normalize_address(self, address: str, network: Network) -> str:
        return addresses.encode(addresses.decode(address))

    def verify_ownership(self, row: AddressRow, network: Network) -> OwnershipProof:
        try:
            claimed = addresses.decode(row.address)
        except ValueError as exc:
            return OwnershipProof.failed(str(exc), SCHEME, field="address")
        return ed25519.verify_address_is_key(row, claimed, SCHEME, addresses.encode, note=ROTATION_NOTE)
