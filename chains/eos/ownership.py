"""EOS/Vaulta ownership signatures (SCHEMES.md section 7).

OKX signs SHA-256(varstr("OKX Signed Message:\\n") || varstr(message)) with the account's key; the row's
public-key column names that key. Recovery gives the signing key, which must equal the published one. The
account name in `address` is not part of the signature: that the key controls the account is a fact of the
chain's permission table (the key must sit in the account's `active` or `owner` permission at the snapshot),
so offline the row is unchecked with the key it proved ([audit] trust_owner_mode does not change that). With a
`nodeos` endpoint the balance adapter reads the permissions and the row becomes verified or failed
(chains.eos.adapter, Balance.owners_bound).
"""

from __future__ import annotations

import hashlib

from chains.base import AddressRow, OwnershipProof
from chains.eos import accounts, keys
from chains.signing.okx_message import okx_preimage
from chains.signing.secp256k1 import recover

SCHEME = "okx-eos"
# The report counts these rows together: the key and account differ per row, the reason does not.
NEEDS_CHAIN = ("signature valid for an EOS key; whether it is in the account's active or owner permission needs "
               "the chain")


def digest(message: bytes) -> bytes:
    return hashlib.sha256(okx_preimage(message)).digest()


def verify_row(row: AddressRow) -> OwnershipProof:
    """Check signature1 against the row's public key. Never raises for bad row data."""
    try:
        accounts.validate(row.address.strip())
    except ValueError as exc:
        return OwnershipProof.failed(str(exc), SCHEME, field="address")
    if not row.signature1.strip():
        return OwnershipProof.failed("empty", SCHEME, field="signature1")
    if not row.script.strip():
        return OwnershipProof.failed("empty (an EOS row names its public key there)", SCHEME, field="script")
    try:
        published = keys.parse_public_key(row.script)
    except ValueError as exc:
        return OwnershipProof.failed(str(exc), SCHEME, field="script")
    try:
        r_s, recovery_id = keys.parse_signature(row.signature1)
    except ValueError as exc:
        return OwnershipProof.failed(str(exc), SCHEME, field="signature1")
    try:
        message = row.message_utf8()
    except ValueError as exc:
        return OwnershipProof.failed(str(exc), SCHEME)
    try:
        recovered = recover(digest(message), r_s, recovery_id).format(compressed=True)
    except ValueError as exc:
        return OwnershipProof.failed(str(exc), SCHEME, field="signature1")
    if recovered != published:
        return OwnershipProof.failed(
            f"field 'signature1': signs for {keys.encode_public_key(recovered)}, not the published key "
            f"{keys.encode_public_key(published)} (field 'script')", SCHEME)
    key = keys.encode_public_key(published)
    reason = (f"signature valid for EOS key {key!r}; whether it is in account {row.address.strip()!r}'s active or "
              "owner permission at the snapshot needs the chain")
    return OwnershipProof.unchecked(reason, SCHEME, summary=NEEDS_CHAIN)
