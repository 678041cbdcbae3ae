"""EVM family: Ethereum and the chains that share its accounts and JSON-RPC (Arbitrum, Optimism, Polygon,
BNB Chain, Avalanche C-Chain, Base, Linea, Ethereum Classic, OKTC, X Layer...)."""

from __future__ import annotations

from chains.base import AddressRow, BalanceAdapter, ChainFamily, Endpoint, Network, OwnershipProof
from chains.evm.addresses import canonical
from chains.evm.ownership import EVM_SCHEMES, OKX_ECDSA_SCHEMES, verify_evm_row


class EvmFamily(ChainFamily):
    name = "evm"

    def normalize_address(self, address: str, network: Network) -> str:
        return canonical(address)

    def verify_ownership(self, row: AddressRow, network: Network) -> OwnershipProof:
        schemes = OKX_ECDSA_SCHEMES if network.params.get("ownership_scheme") == "okx-ecdsa" else EVM_SCHEMES
        return verify_evm_row(row, schemes)

    def open_adapter(self, network: Network, endpoint: Endpoint) -> BalanceAdapter:
        if endpoint.backend not in ("jsonrpc", ""):
            raise ValueError(f"EVM networks read balances over JSON-RPC, not {endpoint.backend!r}")
        from chains.evm.adapter import EvmBalanceAdapter

        return EvmBalanceAdapter(network, endpoint)
