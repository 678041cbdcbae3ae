"""EVM ownership signatures (SCHEMES.md sections 1, 4 and 11).

OKX signs `personal_sign` over keccak256(message), i.e. keccak("\\x19Ethereum Signed Message:\\n32" ||
keccak(message)); plain EIP-191 over the text fails on every real OKX row, but wallets produce it, so it is
accepted too. OKC rows use OKX's "ECDSA family" digest keccak(varstr("OKX Signed Message:\\n") ||
varstr(message)). HTX signs EIP-191 or keccak(message) with no prefix; the bare hash is accepted only for HTX
files, since a prefix-less signature could have been made for another purpose. The report names the scheme.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import lru_cache

from chains.base import AddressRow, OwnershipProof
from chains.encoding.hex_text import strict_fromhex
from chains.evm.addresses import parse_address
from chains.signing.okx_message import okx_keccak_digest
from chains.signing.secp256k1 import HALF_N, eth_address_bytes, keccak256, recover


@lru_cache(maxsize=256)  # every row of a file signs the same statement: hash it once
def personal_sign_of_hash(message: bytes) -> bytes:
    return keccak256(b"\x19Ethereum Signed Message:\n32" + keccak256(message))


@lru_cache(maxsize=256)  # every row of a file signs the same statement: hash it once
def eip191(message: bytes) -> bytes:
    return keccak256(b"\x19Ethereum Signed Message:\n" + str(len(message)).encode() + message)


@lru_cache(maxsize=256)  # every row of a file signs the same statement: hash it once
def okx_ecdsa(message: bytes) -> bytes:
    return okx_keccak_digest(message)


@lru_cache(maxsize=256)  # every row of a file signs the same statement: hash it once
def raw_keccak(message: bytes) -> bytes:
    return keccak256(message)


Digest = Callable[[bytes], bytes]
EVM_SCHEMES: tuple[tuple[str, Digest], ...] = (
    ("personal_sign(keccak(message))", personal_sign_of_hash),
    ("eip191(message)", eip191),
)
SCHEME_SETS: dict[str, tuple[tuple[str, Digest], ...]] = {
    "okx": EVM_SCHEMES,
    "okx-ecdsa": (("okx-ecdsa", okx_ecdsa), *EVM_SCHEMES),  # OKC rows
    "htx-evm": (("eip191(message)", eip191), ("keccak(message)", raw_keccak)),
}


def parse_signature(text: str) -> tuple[bytes, int]:
    """(r||s, recovery id) of a 65-byte R||S||V hex signature. v may be 27..34 (compact header) or 0/1."""
    hex_text = text.strip()
    if hex_text[:2].lower() == "0x":
        hex_text = hex_text[2:]
    try:
        raw = strict_fromhex(hex_text)
    except ValueError:
        raise ValueError("signature is not hex") from None
    if len(raw) != 65:
        raise ValueError(f"signature is {len(raw)} bytes, expected 65")
    v = raw[64]
    if 27 <= v <= 34:
        recovery_id = (v - 27) % 4
    elif v in (0, 1):
        recovery_id = v
    else:
        raise ValueError(f"signature v={v} is not 0/1 or 27..34")
    if recovery_id > 1:
        raise ValueError(f"signature v={v} names recovery id {recovery_id}, which no real key produces here")
    if int.from_bytes(raw[32:64], "big") > HALF_N:
        raise ValueError("signature has high s (malleated)")
    return raw[:64], recovery_id


def signer_matches(
    signature: str, message: bytes, expected: bytes, schemes: Sequence[tuple[str, Digest]]
) -> tuple[str | None, str]:
    """(name of the scheme under which `signature` recovers `expected`, or None; reason when None)."""
    try:
        r_s, recovery_id = parse_signature(signature)
    except ValueError as exc:
        return None, str(exc)
    for name, digest in schemes:
        try:
            key = recover(digest(message), r_s, recovery_id)
        except ValueError:
            continue
        if eth_address_bytes(key) == expected:
            return name, ""
    return None, "signature does not recover the address under any supported digest"


def verify_evm_row(
    row: AddressRow, schemes: Sequence[tuple[str, Digest]], alt_form: str | None = None
) -> OwnershipProof:
    """A plain row: signature1 recovers `address`. Owner mode (eoa1 set): signature1 recovers eoa1 and,
    when both are given, signature2 recovers eoa2; the contract address itself cannot be bound offline.
    `alt_form` is the network's extra address spelling (chains.evm.addresses.parse_address)."""
    try:
        message = row.message_utf8()
    except ValueError as exc:
        return OwnershipProof.failed(str(exc))
    if not row.signature1:
        return OwnershipProof.failed("empty", field="signature1")
    if row.eoa1:
        signers = [("eoa1", row.eoa1, "signature1", row.signature1)]
        if row.eoa2 and row.signature2:
            signers.append(("eoa2", row.eoa2, "signature2", row.signature2))
        elif row.eoa2 and not row.signature2:
            return OwnershipProof.failed("empty while eoa2 is set", field="signature2")
    else:
        signers = [("address", row.address, "signature1", row.signature1)]
    used: list[str] = []
    for who, account_text, field, signature in signers:
        try:
            account = parse_address(account_text, alt_form)
        except ValueError as exc:
            return OwnershipProof.failed(str(exc), field=who)
        scheme, reason = signer_matches(signature, message, account, schemes)
        if scheme is None:
            return OwnershipProof.failed(reason, field=field)
        used.append(scheme)
    scheme = used[0] if len(set(used)) == 1 else "+".join(used)
    if row.eoa1:
        return OwnershipProof.verified(scheme, "owner mode: eoa1/eoa2 proven", binds_address=False)
    return OwnershipProof.verified(scheme)
