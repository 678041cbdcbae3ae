"""Filecoin family: FIL on Filecoin mainnet, secp256k1 (f1) accounts.

Ownership: OKX's "ECDSA family" signature; the recovered key's f1 address must be the row's
(chains.filecoin.addresses). FEVM rows (f410 / 0x addresses, coin FIL-EVM) are EVM-family rows: see
chains.evm.addresses. No balance backend exists yet.
"""

from __future__ import annotations

from chains.base import AddressRow, Network, OfflineOnlyFamily, OwnershipProof
from chains.filecoin import addresses
from chains.signing.okx_ecdsa import verify_derived_address


class FilecoinFamily(OfflineOnlyFamily):
    name = "filecoin"

    def normalize_address(self, address: str, network: Network) -> str:
        return addresses.canonical(address)

    def verify_ownership(self, row: AddressRow, network: Network) -> OwnershipProof:
        return verify_derived_address(row, addresses.decode, addresses.payload_of, addresses.encode)
