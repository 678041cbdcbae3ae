"""Cardano family: ADA and native tokens on mainnet.

Ownership: OKX's Ed25519 signature (chains.signing.ed25519). The verified key's hash (BLAKE2b-224) must be the payment
credential of the row's Shelley address: an enterprise address (0x61) is then fully bound; for a base address
(0x01, or 0x21 with a script stake part) the payment part is bound and the stake part, which no signature here
covers, is reported in the note. Script payment credentials, pointer and Byron addresses cannot be tied to a
bare key: unchecked. No balance backend yet.
"""

from __future__ import annotations

from chains.base import AddressRow, Network, OfflineOnlyFamily, OwnershipProof
from chains.cardano import addresses
from chains.signing import ed25519

SCHEME = "okx-ed25519-cardano"


class CardanoFamily(OfflineOnlyFamily):
    name = "cardano"

    def normalize_address(self, address: str, network: Network) -> str:
        return addresses.encode(addresses.decode(address))

    def verify_ownership(self, row: AddressRow, network: Network) -> OwnershipProof:
        try:
            claimed = addresses.decode(row.address)
        except ValueError as exc:
            return OwnershipProof.failed(str(exc), SCHEME, field="address")
        payment = claimed.payment_key_hash
        if payment is None:
            return OwnershipProof.unchecked(
                f"a {claimed.kind_name} address cannot be bound to a single key's signature", field="address"
            )
        try:
            key = ed25519.signer_key(row)
        except ValueError as exc:
            return OwnershipProof.failed(str(exc), SCHEME)
        signer_hash = addresses.key_hash(key)
        if signer_hash != payment:
            return OwnershipProof.failed(
                f"payment key hash {payment.hex()} is not the signer's {signer_hash.hex()} "
                f"(enterprise address {addresses.enterprise_address(key)})",
                SCHEME, field="address",
            )
        if not claimed.stake_part:
            return OwnershipProof.verified(f"{SCHEME}-enterprise")
        stake_kind = "script" if claimed.kind == 2 else "key"
        return OwnershipProof.verified(
            f"{SCHEME}-base",
            f"payment part bound to the signer; stake {stake_kind} hash {claimed.stake_part.hex()} is not covered "
            "by the signature",
        )
