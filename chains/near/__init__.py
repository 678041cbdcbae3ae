"""NEAR family: NEAR and its tokens.

Ownership: OKX's Ed25519 signature (chains.signing.ed25519). An implicit account (64 hex digits) is the verified key
itself and is bound; a named account (`x.near`) is controlled by whatever access keys it has on chain, so the
row is unchecked (the key is proven, the account binding needs the chain; trust_owner_mode does not change that).
OKX does not check NEAR addresses at all.
No balance backend yet.
"""

from __future__ import annotations

from chains.base import AddressRow, Network, OfflineOnlyFamily, OwnershipProof
from chains.near import accounts
from chains.signing import ed25519

SCHEME = "okx-ed25519-near"
ROTATION_NOTE = "the account's access keys can be added or deleted on chain; not checked offline"


class NearFamily(OfflineOnlyFamily):
    name = "near"

    def normalize_address(self, address: str, network: Network) -> str:
        return accounts.check_account_id(address)

    def verify_ownership(self, row: AddressRow, network: Network) -> OwnershipProof:
        try:
            account = accounts.check_account_id(row.address)
        except ValueError as exc:
            return OwnershipProof.failed(str(exc), SCHEME, field="address")
        implicit = accounts.implicit_key(account)
        try:
            published = accounts.parse_public_key(row.script) if row.script.strip() else None
        except ValueError as exc:
            return OwnershipProof.failed(str(exc), SCHEME, field="script")
        if implicit is not None:  # the id spells the key
            return ed25519.verify_address_is_key(row, implicit, f"{SCHEME}-implicit", bytes.hex, published,
                                                 note=ROTATION_NOTE)
        try:
            key = ed25519.signer_key(row, published)
        except ValueError as exc:
            return OwnershipProof.failed(str(exc), SCHEME)
        return OwnershipProof.unchecked(
            f"signature valid for NEAR key {key.hex()}; whether it is a full-access key of named account {account} "
            "at the snapshot needs the chain",
            f"{SCHEME}-named",
            summary="signature valid for a NEAR key; whether it is a full-access key of the named account needs "
            "the chain",
        )
