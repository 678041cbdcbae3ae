"""OKX's Ed25519 ownership signature, shared by SOL, APTOS, SUI, TON, DOT, PI, ADA and NEAR (SCHEMES.md section 6).

The 64-byte signature (signature1, hex, `0x` optional) covers the unhashed bytes okx_preimage(message); the
32-byte public key is published in the `script` column (hex, `0x` optional). Nothing is recovered: each family
then ties the verified key to the row's address its own way. Where the address spells the key itself (SOL, SS58,
Stellar, NEAR implicit), a row with an empty `script` column is checked against that key. Verification is
libsodium's (PyNaCl), which also refuses non-canonical signatures and small-order keys.
"""

from __future__ import annotations

from collections.abc import Callable

from nacl.exceptions import BadSignatureError
from nacl.signing import VerifyKey

from chains.base import AddressRow, OwnershipProof
from chains.encoding.hex_text import strict_fromhex
from chains.signing.okx_message import okx_preimage

KEY_BYTES = 32
SIGNATURE_BYTES = 64


def parse_hex(text: str, size: int, what: str) -> bytes:
    """`size` bytes from hex (`0x` optional, surrounding spaces ignored). ValueError saying what is wrong."""
    body = text.strip()
    if body[:2].lower() == "0x":
        body = body[2:]
    if not body:
        raise ValueError(f"no {what}")
    if len(body) != 2 * size:
        raise ValueError(f"{what} must be {size} bytes of hex, got {len(body)} hex digits")
    try:
        return strict_fromhex(body)
    except ValueError:
        raise ValueError(f"{what} is not hex") from None


def signature_valid(message: bytes, signature: bytes, public_key: bytes) -> bool:
    """Does `signature` verify over okx_preimage(message) under `public_key`?"""
    try:
        VerifyKey(public_key).verify(okx_preimage(message), signature)
    except (BadSignatureError, ValueError):  # ValueError: libsodium refuses the key itself
        return False
    return True


def signer_key(row: AddressRow, public_key: bytes | None = None) -> bytes:
    """The row's public key, once signature1 verifies under it. `public_key` overrides the `script` column
    (a family whose key has another published form parses it first).

    Raises ValueError naming the field at fault.
    """
    if public_key is None:
        try:
            public_key = parse_hex(row.script, KEY_BYTES, "Ed25519 public key")
        except ValueError as exc:
            raise ValueError(f"field 'script': {exc}") from None
    try:
        signature = parse_hex(row.signature1, SIGNATURE_BYTES, "Ed25519 signature")
    except ValueError as exc:
        raise ValueError(f"field 'signature1': {exc}") from None
    if not signature_valid(row.message_utf8(), signature, public_key):
        raise ValueError(
            f"field 'signature1': does not verify over the OKX-framed message under the public key {public_key.hex()}"
        )
    return public_key


def verify_address_is_key(
    row: AddressRow, claimed: bytes, scheme: str, show: Callable[[bytes], str], published: bytes | None = None,
    note: str = "",
) -> OwnershipProof:
    """For address forms that spell the key itself (SOL, SS58, Stellar/Pi, NEAR implicit): signature1 must verify
    under the published key (`published` when the family parsed its own key form, else the script column) or,
    when that column is empty, under the key the address spells; and that key must be the address's."""
    if published is None and not row.script.strip():
        published = claimed
    try:
        key = signer_key(row, published)
    except ValueError as exc:
        return OwnershipProof.failed(str(exc), scheme)
    if key != claimed:
        return OwnershipProof.failed(f"{row.address.strip()} is not the signer's key {show(key)}",
                                     scheme, field="address")
    return OwnershipProof.verified(scheme, note)
