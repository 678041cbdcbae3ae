"""Beacon-chain validator ownership (BETH rows, SCHEMES.md section 9).

The validator's BLS12-381 key is the row's `address`; it signs the 32-byte okx-evm digest
keccak("\\x19Ethereum Signed Message:\\n32" || keccak(message)) under the IETF proof-of-possession ciphersuite
BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_ (the consensus layer's). The key is the address, so a valid
signature binds it.

Verification runs in milagro_bls_binding (Rust, ~5 ms per check) rather than py_ecc (pure Python, ~550 ms,
which would make a file of a few thousand validators take most of an hour); the tests hold both libraries to the
same answers on the published vector and on malformed keys and signatures.
"""

from __future__ import annotations

import milagro_bls_binding as bls

from chains.base import AddressRow, OwnershipProof
from chains.beacon.keys import parse_pubkey, parse_signature
from chains.evm.ownership import personal_sign_of_hash

SCHEME = "okx-bls-pop"


def bls_message(message: bytes) -> bytes:
    return personal_sign_of_hash(message)


def verify_row(row: AddressRow) -> OwnershipProof:
    """Check signature1 under the validator key in `address`. Never raises for bad row data."""
    try:
        pubkey = parse_pubkey(row.address)
    except ValueError as exc:
        return OwnershipProof.failed(f"field 'address': {exc}", SCHEME)
    if not row.signature1.strip():
        return OwnershipProof.failed("field 'signature1': empty", SCHEME)
    try:
        signature = parse_signature(row.signature1)
    except ValueError as exc:
        return OwnershipProof.failed(f"field 'signature1': {exc}", SCHEME)
    try:
        valid = bool(bls.Verify(pubkey, bls_message(row.message.encode("utf-8")), signature))
    except Exception:  # the binding raises on some undecodable points; that is an invalid proof, not a bug
        valid = False
    if not valid:
        return OwnershipProof.failed(
            "field 'signature1': not a valid BLS signature of this message by the validator key in field 'address'",
            SCHEME)
    return OwnershipProof.verified(SCHEME)
