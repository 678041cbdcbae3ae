"""Beacon-chain validator ownership (BETH rows, SCHEMES.md section 9).

The validator's BLS12-381 key is the row's `address`; it signs the 32-byte okx-evm digest
keccak("\\x19Ethereum Signed Message:\\n32" || keccak(message)) under the IETF proof-of-possession ciphersuite
(chains.beacon.bls). The key is the address, so a valid signature binds it.
"""

from __future__ import annotations

from chains.base import AddressRow, OwnershipProof
from chains.beacon import bls
from chains.beacon.keys import parse_pubkey, parse_signature
from chains.evm.ownership import personal_sign_of_hash

SCHEME = "okx-bls-pop"


def bls_message(message: bytes) -> bytes:
    return personal_sign_of_hash(message)


def verify_row(row: AddressRow) -> OwnershipProof:
    """Check signature1 under the validator key in `address`. Never raises for bad row data."""
    try:
        pubkey = bls.public_key_point(parse_pubkey(row.address))
    except ValueError as exc:
        return OwnershipProof.failed(str(exc), SCHEME, field="address")
    if not row.signature1.strip():
        return OwnershipProof.failed("empty", SCHEME, field="signature1")
    try:
        signature = bls.signature_point(parse_signature(row.signature1))
    except ValueError as exc:
        return OwnershipProof.failed(str(exc), SCHEME, field="signature1")
    try:
        message = row.message_utf8()
    except ValueError as exc:
        return OwnershipProof.failed(str(exc), SCHEME)
    if not bls.verify(pubkey, bls_message(message), signature):
        return OwnershipProof.failed(
            "not a BLS signature of this message by the validator key in field 'address'",
            SCHEME, field="signature1")
    return OwnershipProof.verified(SCHEME)
