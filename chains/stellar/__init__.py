"""Stellar family: Pi Network (PI) and Stellar (XLM) accounts, `G...` strkeys of the account's Ed25519 key.

Ownership: OKX's Ed25519 signature (chains.ed25519); the account id must be the verified key. A Stellar account
can add signers or drop its master key's weight on chain; that is not checked offline. No balance backend yet.
"""

from __future__ import annotations

from chains import ed25519
from chains.base import AddressRow, Network, OfflineOnlyFamily, OwnershipProof
from chains.stellar import addresses

SCHEME = "okx-ed25519-stellar"


class StellarFamily(OfflineOnlyFamily):
    name = "stellar"

    def normalize_address(self, address: str, network: Network) -> str:
        return addresses.encode(addresses.decode(address))

    def verify_ownership(self, row: AddressRow, network: Network) -> OwnershipProof:
        try:
            claimed = addresses.decode(row.address)
        except ValueError as exc:
            return OwnershipProof.failed(f"field 'address': {exc}", SCHEME)
        try:
            key = ed25519.signer_key(row, None if row.script.strip() else claimed)  # the address is the key
        except ValueError as exc:
            return OwnershipProof.failed(str(exc), SCHEME)
        if key != claimed:
            return OwnershipProof.failed(
                f"field 'address': {row.address.strip()} is not the signer's account {addresses.encode(key)}", SCHEME
            )
        return OwnershipProof.verified(SCHEME)
