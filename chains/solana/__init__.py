"""Solana family: SOL and SPL tokens. The address is the signer's Ed25519 key itself (base58).

Ownership: OKX's Ed25519 signature (chains.signing.ed25519); the verified key must be the address.
Balances: JSON-RPC (backend "solana-rpc"), read at a pinned slot and rolled back to the snapshot slot with each
account's transactions after it (chains.solana.adapter).
"""

from __future__ import annotations

from chains.base import AddressRow, BalanceAdapter, ChainFamily, Endpoint, Network, OwnershipProof
from chains.signing import ed25519
from chains.solana import addresses

SCHEME = "okx-ed25519-solana"
BACKENDS = ("solana-rpc", "jsonrpc", "")


class SolanaFamily(ChainFamily):
    name = "solana"

    def normalize_address(self, address: str, network: Network) -> str:
        return addresses.encode(addresses.decode(address))

    def verify_ownership(self, row: AddressRow, network: Network) -> OwnershipProof:
        try:
            claimed = addresses.decode(row.address)
        except ValueError as exc:
            return OwnershipProof.failed(str(exc), SCHEME, field="address")
        return ed25519.verify_address_is_key(row, claimed, SCHEME, addresses.encode)

    def open_adapter(self, network: Network, endpoint: Endpoint) -> BalanceAdapter:
        if endpoint.backend not in BACKENDS:
            raise ValueError(f"Solana reads balances over its JSON-RPC API (backend \"solana-rpc\"), not "
                             f"{endpoint.backend!r}")
        from chains.solana.adapter import SolanaBalanceAdapter

        return SolanaBalanceAdapter(network, endpoint)
