"""EOS / Vaulta family: accounts named by 12-character names, keys proven by OKX's SHA-256 message signatures.

Ownership: chains.eos.ownership (the key is proven offline; the account name needs the chain's permission
table). No balance backend exists yet: open_adapter says so, and the pipeline reports balances as not read.
"""

from __future__ import annotations

from chains.base import AddressRow, Network, OfflineOnlyFamily, OwnershipProof
from chains.eos import accounts
from chains.eos.ownership import verify_row


class EosFamily(OfflineOnlyFamily):
    name = "eos"

    def normalize_address(self, address: str, network: Network) -> str:
        return accounts.validate(address.strip())

    def verify_ownership(self, row: AddressRow, network: Network) -> OwnershipProof:
        return verify_row(row)
