"""Starknet family: account contracts proven by SNIP-12 (revision 0) STARK signatures.

Ownership: chains.starknet.ownership (the signature is bound to the account address through the signed hash;
that the key is the account's signer lives on chain). No balance backend exists yet: open_adapter says so.
"""

from __future__ import annotations

from chains.base import AddressRow, Network, OfflineOnlyFamily, OwnershipProof
from chains.starknet.felts import canonical_address
from chains.starknet.ownership import verify_row


class StarknetFamily(OfflineOnlyFamily):
    name = "starknet"

    def normalize_address(self, address: str, network: Network) -> str:
        return canonical_address(address)

    def verify_ownership(self, row: AddressRow, network: Network) -> OwnershipProof:
        return verify_row(row, str(network.params.get("snip12_chain_id", "SN_MAIN")))
