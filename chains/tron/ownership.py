"""TRON message signatures: does a row's 65-byte signature recover the key of its address?

Two exchanges, two sets of digests (../shared/data/vectors/SCHEMES.md, sections 2 and 12):

* OKX ("okx", the default) accepts either
  - v1: keccak("\\x19TRON Signed Message:\\n32" || keccak(message)), the TronWeb `signMessage` of a hash, or
  - v2: keccak("\\x19TRON Signed Message:\\n" || decimal byte length || message), TIP-191 / `signMessageV2`,
  with v = 27..34 (a compact-signature header: recovery id = (v - 27) mod 4). OKX rejects v = 0/1, and so
  do we on OKX rows: a signature OKX itself would refuse is not a proof OKX published.
* HTX ("htx-tron") accepts either
  - raw: keccak("\\x19TRON Signed Message:\\n32" || message), the literal "32" whatever the length, or
  - hashed: the OKX v1 digest,
  with v = 0/1 or 27/28.

Network.params["ownership_scheme"] picks the set (registry or user config); a file whose rows come from HTX
selects "htx-tron". The recovered key's address (0x41 || eth20(key), base58check) must equal the row's.
Neither exchange checks low-s on TRON, so neither do we.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache

from chains.base import AddressRow, OwnershipProof
from chains.encoding.hex_text import strict_fromhex
from chains.signing.secp256k1 import eth_address_bytes, keccak256, recover
from chains.tron import addresses

HEADER = b"\x19TRON Signed Message:\n"
HEADER_32 = HEADER + b"32"


@lru_cache(maxsize=256)  # every row of a file signs the same statement: hash it once
def digest_v1(message: bytes) -> bytes:
    return keccak256(HEADER_32 + keccak256(message))


@lru_cache(maxsize=256)  # every row of a file signs the same statement: hash it once
def digest_v2(message: bytes) -> bytes:
    return keccak256(HEADER + str(len(message)).encode() + message)


@lru_cache(maxsize=256)  # every row of a file signs the same statement: hash it once
def digest_htx_raw(message: bytes) -> bytes:
    return keccak256(HEADER_32 + message)


def _okx_recovery_id(v: int) -> int | None:
    return (v - 27) % 4 if 27 <= v <= 34 else None


def _htx_recovery_id(v: int) -> int | None:
    if v in (0, 1):
        return v
    return v - 27 if v in (27, 28) else None


@dataclass(frozen=True, slots=True)
class SchemeSet:
    name: str
    digests: Sequence[tuple[str, Callable[[bytes], bytes]]]  # (scheme label, digest of the message bytes)
    recovery_id: Callable[[int], int | None]
    v_rule: str  # for the failure reason


OKX = SchemeSet("okx", (("tron-v1", digest_v1), ("tron-v2-tip191", digest_v2)), _okx_recovery_id, "27..34")
HTX = SchemeSet(
    "htx-tron", (("htx-tron-raw", digest_htx_raw), ("htx-tron-hashed", digest_v1)), _htx_recovery_id, "0/1/27/28"
)
SCHEME_SETS = {"okx": OKX, "htx-tron": HTX}


def scheme_set(name: str | None) -> SchemeSet:
    if not name:
        return OKX
    try:
        return SCHEME_SETS[name]
    except KeyError:
        raise ValueError(f"unknown TRON ownership scheme {name!r} (known: {', '.join(SCHEME_SETS)})") from None


def parse_signature(text: str) -> tuple[bytes, int]:
    """(r||s, v) of a 65-byte hex signature, `0x` optional. ValueError when malformed."""
    body = text.strip()
    if body[:2].lower() == "0x":
        body = body[2:]
    if len(body) != 130:
        raise ValueError(f"signature must be 65 bytes of hex, got {len(body)} hex digits")
    try:
        raw = strict_fromhex(body)
    except ValueError:
        raise ValueError("signature is not hex") from None
    return raw[:64], raw[64]


def recovered_accounts(message: bytes, signature: str, schemes: SchemeSet) -> Iterator[tuple[str, bytes]]:
    """(scheme label, 21-byte address) for each digest that yields a key, lazily (a match on the first digest
    spares the second recovery). ValueError for a bad signature, raised before anything is yielded."""
    r_s, v = parse_signature(signature)
    recovery_id = schemes.recovery_id(v)
    if recovery_id is None:
        raise ValueError(f"signature v byte is {v}; {schemes.name} requires {schemes.v_rule}")
    return _recover_each(message, r_s, recovery_id, schemes)


def _recover_each(message: bytes, r_s: bytes, recovery_id: int, schemes: SchemeSet) -> Iterator[tuple[str, bytes]]:
    for label, digest in schemes.digests:
        try:
            key = recover(digest(message), r_s, recovery_id)
        except ValueError:
            continue  # this digest recovers no key; the other may
        yield label, bytes([addresses.PREFIX]) + eth_address_bytes(key)


def verify_row(row: AddressRow, schemes: SchemeSet = OKX) -> OwnershipProof:
    """Check signature1 against the row's address. Never raises for bad row data."""
    try:
        claimed = addresses.decode(row.address)
    except ValueError as exc:
        return OwnershipProof.failed(str(exc), summary="not a TRON address")
    if not row.signature1.strip():
        return OwnershipProof.failed("no signature", summary="no signature")
    try:
        candidates = recovered_accounts(row.message_utf8(), row.signature1, schemes)
    except ValueError as exc:
        return OwnershipProof.failed(str(exc), summary="unreadable signature or message")
    found: list[tuple[str, bytes]] = []
    for label, account in candidates:
        if account == claimed:  # raw bytes: base58-encoding every recovered key would cost more than recovery
            return OwnershipProof.verified(label)
        found.append((label, account))
    tried = ", ".join(f"{label} -> {addresses.encode(account)}" for label, account in found) or "no key recovers"
    return OwnershipProof.failed(f"signature does not recover {addresses.encode(claimed)} ({tried})",
                                 summary="signature does not recover the address")
