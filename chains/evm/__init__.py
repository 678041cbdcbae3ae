"""EVM family: Ethereum and the chains that share its accounts and JSON-RPC (Arbitrum, Optimism, Polygon,
BNB Chain, Avalanche C-Chain, Base, Linea, Ethereum Classic, OKTC, X Layer...)."""

from __future__ import annotations

from chains.base import (
    AddressRow,
    BalanceAdapter,
    BalanceQuery,
    ChainFamily,
    Endpoint,
    Network,
    OwnershipProof,
    Token,
)
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

    def balance_query(self, row: AddressRow, token: Token, address: str) -> BalanceQuery:
        """Owner-mode rows carry their proven signers, so the adapter can check on chain that they own the
        contract (Safe-style getOwners/getThreshold at the snapshot block)."""
        owners: tuple[str, ...] = ()
        if row.eoa1:
            owners = (canonical(row.eoa1),) + ((canonical(row.eoa2),) if row.eoa2 and row.signature2 else ())
        return BalanceQuery(address=address, contract=token.contract, owners=owners)

    def open_adapter(self, network: Network, endpoint: Endpoint) -> BalanceAdapter:
        if endpoint.backend not in ("jsonrpc", ""):
            raise ValueError(f"EVM networks read balances over JSON-RPC, not {endpoint.backend!r}")
        from chains.evm.adapter import EvmBalanceAdapter

        return EvmBalanceAdapter(network, endpoint)
