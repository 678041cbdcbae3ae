"""Row checks for OKX's secp256k1 "ECDSA family" chains (SCHEMES.md sections 4 and 5): XRP, FIL, ELF, CFX,
LUNC and other Cosmos-SDK chains, AVAX-X.

Every such chain signs the same digest (chains.signing.okx_message.recover_okx_ecdsa_key); they differ only in how
an address is derived from the recovered key. A family hands in two functions: `decode` (the row's address
text -> the raw bytes the address commits to, ValueError when it is not an address of that network) and
`derive` (key -> those same raw bytes), plus `show` to print derived bytes as an address in failure reasons.
Comparing raw bytes keeps the hot path free of encoding work.
"""

from __future__ import annotations

from collections.abc import Callable

from coincurve import PublicKey

from chains.base import AddressRow, OwnershipProof
from chains.signing.okx_message import recover_okx_ecdsa_key
from chains.signing.secp256k1 import parse_public_key

SCHEME = "okx-ecdsa"
PUBKEY_SCHEME = "okx-ecdsa-pubkey"


def _recover(row: AddressRow, scheme: str) -> PublicKey | OwnershipProof:
    """The key signature1 recovers over the row's message, or the failed proof that says which field is wrong."""
    try:
        message = row.message_utf8()
    except ValueError as exc:
        return OwnershipProof.failed(str(exc), scheme)
    try:
        return recover_okx_ecdsa_key(message, row.signature1)
    except ValueError as exc:
        return OwnershipProof.failed(str(exc), scheme, field="signature1")


def verify_derived_address(
    row: AddressRow,
    decode: Callable[[str], bytes],
    derive: Callable[[PublicKey], bytes],
    show: Callable[[bytes], str],
    note: str = "",
) -> OwnershipProof:
    """Verified when the key recovered from signature1 derives the row's address (with `note`, what the proof
    does not cover). Never raises for bad data."""
    try:
        claimed = decode(row.address)
    except ValueError as exc:
        return OwnershipProof.failed(str(exc), SCHEME, field="address")
    key = _recover(row, SCHEME)
    if isinstance(key, OwnershipProof):
        return key
    derived = derive(key)
    if derived != claimed:
        return OwnershipProof.failed(
            f"recovers key {key.format().hex()}, whose address is {show(derived)}, "
            f"not the row's {row.address.strip()}",
            SCHEME, field="signature1",
        )
    return OwnershipProof.verified(SCHEME, note)


def verify_pubkey_and_address(
    row: AddressRow,
    decode: Callable[[str], bytes],
    derive: Callable[[PublicKey], bytes],
    show: Callable[[bytes], str],
) -> OwnershipProof:
    """The pubkey variant: signature1 must recover the key in the `script` column (what OKX checks) AND that
    key must derive the row's address (what binds the proof to the balance we read)."""
    try:
        claimed = decode(row.address)
    except ValueError as exc:
        return OwnershipProof.failed(str(exc), PUBKEY_SCHEME, field="address")
    if not row.script.strip():
        return OwnershipProof.failed("empty (the public-key column must hold the signer's key)",
                                     PUBKEY_SCHEME, field="script")
    try:
        expected = parse_public_key(row.script)
    except ValueError as exc:
        return OwnershipProof.failed(str(exc), PUBKEY_SCHEME, field="script")
    key = _recover(row, PUBKEY_SCHEME)
    if isinstance(key, OwnershipProof):
        return key
    if key.format() != expected.format():
        return OwnershipProof.failed(
            f"recovers key {key.format().hex()}, not the public-key column's "
            f"{expected.format().hex()}",
            PUBKEY_SCHEME, field="signature1",
        )
    derived = derive(key)
    if derived != claimed:
        return OwnershipProof.failed(
            f"the proven key {key.format().hex()} has address {show(derived)}, "
            f"not {row.address.strip()}",
            PUBKEY_SCHEME, field="address",
        )
    return OwnershipProof.verified(PUBKEY_SCHEME)
