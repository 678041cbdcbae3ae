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
from chains.evm.addresses import ALT_FORMS, canonical
from chains.evm.ownership import SCHEME_SETS, verify_evm_row
from chains.evm.query import EvmQueryDetail


def alt_address_form(network: Network) -> str | None:
    """The network's extra address spelling (registry param `alt_address_form`: "ex1" on OKC, "f410" on FEVM),
    or None. ValueError naming the entry for an unknown value."""
    form = network.params.get("alt_address_form")
    if form is not None and form not in ALT_FORMS:
        raise ValueError(f"registry network {network.code}: alt_address_form must be one of {', '.join(ALT_FORMS)}, "
                         f"got {form!r}")
    return form


def _owner(text: str) -> str | None:
    """An owner-mode signer's canonical address, in whichever form it is written: verify_ownership has already
    held it to the network's forms (a row it failed is never promoted by the owner check). None if unreadable."""
    for form in (None, *ALT_FORMS):
        try:
            return canonical(text, form)
        except ValueError:
            continue
    return None


class EvmFamily(ChainFamily):
    name = "evm"
    backends = ("jsonrpc",)  # the names open_adapter accepts, the default first (`auditor init` lists them)

    def normalize_address(self, address: str, network: Network) -> str:
        return canonical(address, alt_address_form(network))

    def verify_ownership(self, row: AddressRow, network: Network) -> OwnershipProof:
        name = str(network.params.get("ownership_scheme", "okx"))
        if name not in SCHEME_SETS:
            return OwnershipProof.unchecked(f"unknown EVM ownership_scheme {name!r} in the registry")
        try:
            form = alt_address_form(network)
        except ValueError as exc:
            return OwnershipProof.unchecked(str(exc))
        return verify_evm_row(row, SCHEME_SETS[name], form)

    def balance_query(self, row: AddressRow, token: Token, address: str) -> BalanceQuery:
        """Owner-mode rows carry their proven signers, so the adapter can check on chain that they own the
        contract (Safe-style getOwners/getThreshold at the snapshot block)."""
        signers = [row.eoa1] + ([row.eoa2] if row.eoa2 and row.signature2 else []) if row.eoa1 else []
        owners = tuple(owner for owner in map(_owner, signers) if owner is not None)
        if not owners:
            return BalanceQuery(address=address, contract=token.contract)
        return BalanceQuery(address=address, contract=token.contract, detail=EvmQueryDetail(owners))

    def open_adapter(self, network: Network, endpoint: Endpoint) -> BalanceAdapter:
        if endpoint.backend not in ("jsonrpc", ""):
            raise ValueError(f"EVM networks read balances over JSON-RPC, not {endpoint.backend!r}")
        from chains.evm.adapter import EvmBalanceAdapter

        return EvmBalanceAdapter(network, endpoint)
