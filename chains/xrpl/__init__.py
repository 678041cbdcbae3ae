"""XRP Ledger family: XRP and issued (trust-line) tokens on the XRP Ledger mainnet.

Ownership: OKX's "ECDSA family" signature (keccak over the OKX varstr framing, 65-byte R || S || V); the
recovered key's classic address must be the row's (chains.xrpl.addresses; X-addresses are read as their
account). The proof shows the key is the account's master key; whether the master key was disabled is read on
chain with the balance (chains.xrpl.adapter). Ed25519 XRPL accounts cannot sign this scheme.
Balances: rippled/Clio JSON-RPC at the snapshot ledger (backend "rippled" or "clio").
"""

from __future__ import annotations

from chains.base import AddressRow, BalanceAdapter, BalanceQuery, ChainFamily, Endpoint, Network, OwnershipProof, Token
from chains.signing.okx_ecdsa import verify_derived_address
from chains.xrpl import addresses
from chains.xrpl.api import IssuedCurrency

ROTATION_NOTE = ("the account's master key can be disabled, or a regular key or signer list set, on chain; not "
                 "checked offline")
BACKENDS = ("rippled", "clio", "")


class XrplFamily(ChainFamily):
    name = "xrpl"
    backends = tuple(b for b in BACKENDS if b)  # the default first (`auditor init` lists them)

    def normalize_address(self, address: str, network: Network) -> str:
        return addresses.canonical(address)

    def verify_ownership(self, row: AddressRow, network: Network) -> OwnershipProof:
        return verify_derived_address(row, addresses.decode, addresses.account_id, addresses.encode, ROTATION_NOTE)

    def open_adapter(self, network: Network, endpoint: Endpoint) -> BalanceAdapter:
        if endpoint.backend not in BACKENDS:
            raise ValueError(f"the XRP Ledger is read over rippled's or Clio's JSON-RPC API (backend \"rippled\" or "
                             f"\"clio\"), not {endpoint.backend!r}")
        from chains.xrpl.adapter import XrplBalanceAdapter

        return XrplBalanceAdapter(network, endpoint)

    def balance_query(self, row: AddressRow, token: Token, address: str) -> BalanceQuery:
        if token.contract is None:
            return BalanceQuery(address=address)
        try:
            detail = IssuedCurrency.parse(token.contract, token.decimals)
        except ValueError:
            detail = None  # the adapter reports the row unread, naming the contract
        return BalanceQuery(address=address, contract=token.contract, detail=detail)
