"""EVM family: Ethereum and the chains that share its accounts and JSON-RPC (Arbitrum, Optimism, Polygon,
BNB Chain, Avalanche C-Chain, Base, Linea, Ethereum Classic, OKTC, X Layer...)."""

from __future__ import annotations

from chains.base import AddressRow, BalanceAdapter, ChainFamily, Endpoint, Network, OwnershipProof
from chains.evm.addresses import canonical
from chains.evm.ownership import SCHEME_SETS, verify_evm_row


class EvmFamily(ChainFamily):
    name = "evm"

    def normalize_address(self, address: str, network: Network) -> str:
        return canonical(address)

    def verify_ownership(self, row: AddressRow, network: Network) -> OwnershipProof:
        name = str(network.params.get("ownership_scheme", "okx"))
        if name not in SCHEME_SETS:
            return OwnershipProof.unchecked(f"unknown EVM ownership_scheme {name!r} in the registry")
        return verify_evm_row(row, SCHEME_SETS[name])

    def open_adapter(self, network: Network, endpoint: Endpoint) -> BalanceAdapter:
        if endpoint.backend not in ("jsonrpc", ""):
            raise ValueError(f"EVM networks read balances over JSON-RPC, not {endpoint.backend!r}")
        from chains.evm.adapter import EvmBalanceAdapter

        return EvmBalanceAdapter(network, endpoint)
