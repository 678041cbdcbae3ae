"""Aptos family: APT and fungible-asset tokens (USDT, USDC) on the Aptos mainnet.

Ownership: OKX's Ed25519 signature (chains.signing.ed25519). The verified key's authentication key must equal the
address, or, in owner mode (`eoa1` set), `eoa1`: then the address is not bound offline, since which key
controls an Aptos account (its current authentication key, rotatable) is on-chain state: the balance adapter reads
the account's `authentication_key` at the snapshot and binds such a row when it is eoa1.
Balances: the fullnode REST API at the snapshot block's last ledger version (backend "aptos-rest").
"""

from __future__ import annotations

import contextlib

from chains.aptos import addresses
from chains.aptos.query import AptosQueryDetail
from chains.base import (
    AddressRow,
    BalanceAdapter,
    BalanceQuery,
    ChainFamily,
    Endpoint,
    Network,
    OwnershipProof,
    RowStatus,
    Token,
)
from chains.signing import ed25519

SCHEME = "okx-ed25519-aptos"
OWNER_SCHEME = "okx-ed25519-aptos-owner"
ROTATION_NOTE = "the account's authentication key can be rotated on chain; not checked offline"
BACKENDS = ("aptos-rest", "rest", "")


class AptosFamily(ChainFamily):
    name = "aptos"
    backends = tuple(b for b in BACKENDS if b)  # the default first (`auditor init` lists them)

    def normalize_address(self, address: str, network: Network) -> str:
        return addresses.encode(addresses.decode(address))

    def open_adapter(self, network: Network, endpoint: Endpoint) -> BalanceAdapter:
        if endpoint.backend not in BACKENDS:
            raise ValueError(f"Aptos is read over a fullnode's REST API (backend \"aptos-rest\"), not "
                             f"{endpoint.backend!r}")
        from chains.aptos.adapter import AptosBalanceAdapter

        return AptosBalanceAdapter(network, endpoint)

    def balance_query(self, row: AddressRow, token: Token, address: str) -> BalanceQuery:
        """An owner-mode row carries its proven signer's authentication key (eoa1), so the adapter can check on
        chain that it was the account's authentication key at the snapshot."""
        owners: tuple[str, ...] = ()
        if row.eoa1.strip():
            with contextlib.suppress(ValueError):  # else the proof has failed already, naming field 'eoa1'
                owners = (addresses.encode(addresses.decode(row.eoa1)),)
        if not owners:
            return BalanceQuery(address=address, contract=token.contract)
        return BalanceQuery(address=address, contract=token.contract, detail=AptosQueryDetail(owners))

    def verify_ownership(self, row: AddressRow, network: Network) -> OwnershipProof:
        owner_mode = bool(row.eoa1.strip())
        scheme = OWNER_SCHEME if owner_mode else SCHEME
        try:
            claimed = addresses.decode(row.address)
        except ValueError as exc:
            return OwnershipProof.failed(str(exc), scheme, field="address")
        if not owner_mode:
            return _bind(row, claimed, "address", scheme, ROTATION_NOTE)
        if row.eoa2.strip():
            return OwnershipProof.unchecked(
                "a second APTOS owner cannot be proven (the row has one public-key column)", field="eoa2"
            )
        try:
            owner = addresses.decode(row.eoa1)
        except ValueError as exc:
            return OwnershipProof.failed(str(exc), scheme, field="eoa1")
        proof = _bind(row, owner, "eoa1", scheme)
        if proof.status != RowStatus.VERIFIED:
            return proof
        return OwnershipProof.verified(
            scheme,
            f"owner mode: the signer's authentication key is eoa1 {addresses.encode(owner)}; whether it is the "
            f"current authentication key of account {addresses.encode(claimed)} needs the chain",
            binds_address=False,
        )


def _bind(row: AddressRow, expected: bytes, field: str, scheme: str, note: str = "") -> OwnershipProof:
    try:
        key = ed25519.signer_key(row)
    except ValueError as exc:
        return OwnershipProof.failed(str(exc), scheme)
    derived = addresses.authentication_key(key)
    if derived != expected:
        return OwnershipProof.failed(
            f"field '{field}': {addresses.encode(expected)} is not the signer's authentication key "
            f"{addresses.encode(derived)}",
            scheme,
        )
    return OwnershipProof.verified(scheme, note)
