"""XRP Ledger family: XRP on the XRP Ledger mainnet.

Ownership: OKX's "ECDSA family" signature (keccak over the OKX varstr framing, 65-byte R || S || V); the
recovered key's classic address must be the row's (chains.xrpl.addresses; X-addresses are read as their
account). The proof shows the key is the account's master key; an account that has since disabled its master
key in favour of a regular key or signer list is not detectable offline. Ed25519 XRPL accounts cannot sign
this scheme. No balance backend exists yet.
"""

from __future__ import annotations

from chains.base import AddressRow, Network, OfflineOnlyFamily, OwnershipProof
from chains.signing.okx_ecdsa import verify_derived_address
from chains.xrpl import addresses

ROTATION_NOTE = ("the account's master key can be disabled, or a regular key or signer list set, on chain; not "
                 "checked offline")

class XrplFamily(OfflineOnlyFamily):
    name = "xrpl"

    def normalize_address(self, address: str, network: Network) -> str:
        return addresses.canonical(address)

    def verify_ownership(self, row: AddressRow, network: Network) -> OwnershipProof:
        return verify_derived_address(row, addresses.decode, addresses.account_id, addresses.encode, ROTATION_NOTE)
