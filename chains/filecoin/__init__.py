"""Filecoin family: FIL on Filecoin mainnet, secp256k1 (f1) accounts.

Ownership: OKX's "ECDSA family" signature; the recovered key's f1 address must be the row's
(chains.filecoin.addresses). FEVM rows (f410 / 0x addresses, coin FIL-EVM) are EVM-family rows: see
chains.evm.addresses. Balances: backend `lotus` (chains.filecoin.adapter), StateGetActor at the snapshot tipset.
"""

from __future__ import annotations

from chains.base import AddressRow, BalanceAdapter, ChainFamily, Endpoint, Network, OwnershipProof
from chains.filecoin import addresses
from chains.signing.okx_ecdsa import verify_derived_address

BACKENDS = ("lotus", "forest")


class FilecoinFamily(ChainFamily):
    name = "filecoin"
    backends = BACKENDS  # the default first (`auditor init` lists them)

    def normalize_address(self, address: str, network: Network) -> str:
        return addresses.canonical(address)

    def verify_ownership(self, row: AddressRow, network: Network) -> OwnershipProof:
        return verify_derived_address(row, addresses.decode, addresses.payload_of, addresses.encode)

    def open_adapter(self, network: Network, endpoint: Endpoint) -> BalanceAdapter:
        if endpoint.backend not in BACKENDS:
            raise ValueError(f"unknown backend {endpoint.backend!r} for {network.name}; use one of: "
                             f"{', '.join(BACKENDS)} (Lotus/Forest JSON-RPC v1)")
        from chains.filecoin.adapter import LotusBalanceAdapter

        return LotusBalanceAdapter(network, endpoint)
