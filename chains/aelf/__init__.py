"""aelf family: ELF on the aelf main chain (AELF).

Ownership: OKX's "ECDSA family" signature; the recovered key's address must be the row's, bare or in the
ELF_<address>_AELF full form (chains.aelf.addresses). Balances: backend `aelf-web` (chains.aelf.adapter),
MultiToken GetBalance at the node's head rolled back to the snapshot with the token contract's events.
"""

from __future__ import annotations

from functools import partial

from chains.aelf import addresses
from chains.base import AddressRow, BalanceAdapter, ChainFamily, Endpoint, Network, OwnershipProof
from chains.signing.okx_ecdsa import verify_derived_address

BACKENDS = ("aelf-web",)


def _chain(network: Network) -> str:
    return str(network.params.get("chain", addresses.MAIN_CHAIN))


class AelfFamily(ChainFamily):
    name = "aelf"
    backends = BACKENDS  # the default first (`auditor init` lists them)

    def normalize_address(self, address: str, network: Network) -> str:
        return addresses.canonical(address, _chain(network))

    def verify_ownership(self, row: AddressRow, network: Network) -> OwnershipProof:
        decode = partial(addresses.decode, chain=_chain(network))
        return verify_derived_address(row, decode, addresses.account_of, addresses.encode)

    def open_adapter(self, network: Network, endpoint: Endpoint) -> BalanceAdapter:
        if endpoint.backend not in BACKENDS:
            raise ValueError(f"unknown backend {endpoint.backend!r} for {network.name}; use: {', '.join(BACKENDS)} "
                             "(the aelf node web API)")
        from chains.aelf.adapter import AelfBalanceAdapter

        return AelfBalanceAdapter(network, endpoint)
