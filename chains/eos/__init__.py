"""EOS / Vaulta family: accounts named by 12-character names, keys proven by OKX's SHA-256 message signatures.

Ownership: chains.eos.ownership proves the key offline; whether the key controls the account is the chain's
permission table, read with the balance. Balances: nodeos's chain API at a pinned block, rolled back to the
snapshot with Hyperion's history of the account's actions (chains.eos.adapter). Each query carries the row's
proven key (`EosKeyDetail`), and the adapter tells the pipeline whether the account's owner/active permission
holds it (`Balance.owners_bound`).
"""

from __future__ import annotations

from chains.base import AddressRow, BalanceAdapter, BalanceQuery, ChainFamily, Endpoint, Network, OwnershipProof, Token
from chains.eos import accounts, keys
from chains.eos.ownership import verify_row

BACKENDS = ("nodeos", "")


class EosFamily(ChainFamily):
    name = "eos"

    def normalize_address(self, address: str, network: Network) -> str:
        return accounts.validate(address.strip())

    def verify_ownership(self, row: AddressRow, network: Network) -> OwnershipProof:
        return verify_row(row)

    def open_adapter(self, network: Network, endpoint: Endpoint) -> BalanceAdapter:
        if endpoint.backend not in BACKENDS:
            raise ValueError(f"EOS reads balances over nodeos's chain API with Hyperion's history (backend "
                             f"\"nodeos\"), not {endpoint.backend!r}")
        from chains.eos.adapter import EosBalanceAdapter

        return EosBalanceAdapter(network, endpoint)

    def balance_query(self, row: AddressRow, token: Token, address: str) -> BalanceQuery:
        """The query, with the row's published key (legacy `EOS...` form) for the permission check; a row whose
        key cannot be read carries none (its proof has failed already)."""
        from chains.eos.adapter import EosKeyDetail
        from chains.eos.options import token_spec

        if token.contract is not None:
            _, precision, _ = token_spec(token.contract)  # ValueError: the row is left unread, with it
            if precision != token.decimals:
                raise ValueError(f"registry token {token.code}: contract {token.contract} has precision {precision}"
                                 f", but decimals = {token.decimals}")
        try:
            key = keys.encode_public_key(keys.parse_public_key(row.script))
        except ValueError:
            return BalanceQuery(address=address, contract=token.contract)
        return BalanceQuery(address=address, contract=token.contract, detail=EosKeyDetail(key))
