"""Starknet ownership signatures (SCHEMES.md section 8).

The row's public-key column holds the STARK key; the signature is STARK-curve ECDSA over the SNIP-12 hash of
the message for the row's account address (chains.starknet.typed_data). Because the address is inside the
hash, a signature never verifies for another account; but a Starknet account is a contract, and whether this
key controls it (is the account's signer) is on-chain state. So the proof does not bind the address offline.
"""

from __future__ import annotations

from chains.base import AddressRow, OwnershipProof
from chains.starknet import ecdsa
from chains.starknet.felts import canonical_address, parse_felt
from chains.starknet.typed_data import message_hash

SCHEME = "okx-stark-snip12-rev0"
NEEDS_CHAIN = ("signature valid for a STARK key; whether that key is the account contract's signer is on-chain state, "
               "not checked offline")


def verify_row(row: AddressRow, chain_id: str = "SN_MAIN") -> OwnershipProof:
    """Check signature1 under the row's STARK key for its address. Never raises for bad row data."""
    try:
        account = int(canonical_address(row.address), 16)
    except ValueError as exc:
        return OwnershipProof.failed(str(exc), SCHEME, field="address")
    if not row.signature1.strip():
        return OwnershipProof.failed("empty", SCHEME, field="signature1")
    if not row.script.strip():
        return OwnershipProof.failed("empty (a Starknet row names its STARK public key there)", SCHEME, field="script")
    try:
        key = parse_felt(row.script, "STARK public key")
    except ValueError as exc:
        return OwnershipProof.failed(str(exc), SCHEME, field="script")
    try:
        r, s = ecdsa.parse_signature(row.signature1)
    except ValueError as exc:
        return OwnershipProof.failed(str(exc), SCHEME, field="signature1")
    try:
        digest = message_hash(row.message, account, chain_id)
        valid = ecdsa.verify(digest, r, s, key)
    except ValueError as exc:
        text = str(exc)
        return OwnershipProof.failed(text if text.startswith("field '") else f"field 'signature1': {text}", SCHEME)
    if not valid:
        return OwnershipProof.failed(
            "field 'signature1': does not verify under the STARK key (field 'script') for this message and "
            "account address", SCHEME)
    reason = (f"signature valid for STARK key 0x{key:x} over this message for account {row.address.strip()}; "
              "whether that key is the account contract's signer at the snapshot is on-chain state, not checked "
              "offline")
    return OwnershipProof.unchecked(reason, SCHEME, summary=NEEDS_CHAIN)
