"""TRON family: TRX and TRC-20 tokens (USDT, USDC...) on the TRON mainnet.

Ownership: TRON message signatures (chains.tron.ownership). Balances: the java-tron HTTP API of a FullNode
or TronGrid (chains.tron.adapter), TRX at the snapshot block from the node's balance history, TRC-20 read
at the tip and rolled back to the snapshot with the token's Transfer events.
"""

from __future__ import annotations

from chains.base import AddressRow, BalanceAdapter, ChainFamily, Endpoint, Network, OwnershipProof
from chains.tron import addresses
from chains.tron.ownership import scheme_set, verify_row

BACKENDS = ("tron-http", "trongrid", "")


class TronFamily(ChainFamily):
    name = "tron"
    backends = tuple(b for b in BACKENDS if b)  # the default first (`auditor init` lists them)

    def normalize_address(self, address: str, network: Network) -> str:
        return addresses.canonical(address)

    def verify_ownership(self, row: AddressRow, network: Network) -> OwnershipProof:
        try:
            schemes = scheme_set(network.params.get("ownership_scheme"))
        except ValueError as exc:
            return OwnershipProof.unchecked(str(exc))
        return verify_row(row, schemes)

    def open_adapter(self, network: Network, endpoint: Endpoint) -> BalanceAdapter:
        if endpoint.backend not in BACKENDS:
            raise ValueError(f"TRON reads balances over the java-tron HTTP API (backend \"tron-http\"), "
                             f"not {endpoint.backend!r}")
        from chains.tron.adapter import TronBalanceAdapter

        return TronBalanceAdapter(network, endpoint)
