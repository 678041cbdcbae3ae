"""OKX's signed-message framing, shared by its non-EVM schemes (SCHEMES.md sections 4-7).

The preimage is varstr("OKX Signed Message:\\n") || varstr(message), varstr being Bitcoin's CompactSize length
prefix. secp256k1 chains sign keccak of it, EOS signs SHA-256 of it, Ed25519 chains sign the bytes themselves.
"""

from __future__ import annotations

from coincurve import PublicKey

from chains.encoding.hex_text import strict_fromhex
from chains.signing.secp256k1 import keccak256, recover

OKX_HEADER = b"OKX Signed Message:\n"


def varstr(data: bytes) -> bytes:
    """Bitcoin CompactSize length prefix followed by the bytes."""
    size = len(data)
    if size < 0xFD:
        prefix = bytes([size])
    elif size <= 0xFFFF:
        prefix = b"\xfd" + size.to_bytes(2, "little")
    elif size <= 0xFFFFFFFF:
        prefix = b"\xfe" + size.to_bytes(4, "little")
    else:
        prefix = b"\xff" + size.to_bytes(8, "little")
    return prefix + data


def okx_preimage(message: bytes) -> bytes:
    """The bytes OKX's Ed25519 chains sign, and the input of the hashed variants."""
    return varstr(OKX_HEADER) + varstr(message)


def okx_keccak_digest(message: bytes) -> bytes:
    """The 32-byte digest OKX's secp256k1 "ECDSA family" (OKC, FIL, CFX, ELF, LUNC, AVAX-X) signs."""
    return keccak256(okx_preimage(message))


def parse_okx_rsv(signature: str) -> tuple[bytes, int]:
    """(r || s, recovery id) of OKX's 65-byte R || S || V hex signature (`0x` optional).

    OKX writes v as a compact-signature header, 27..34 (recovery id = (v - 27) mod 4); its verifier refuses
    v = 0/1, so we do too. Raises ValueError naming what is wrong.
    """
    body = signature.strip()
    if not body:
        raise ValueError("empty")
    if body[:2].lower() == "0x":
        body = body[2:]
    try:
        raw = strict_fromhex(body)
    except ValueError:
        raise ValueError("signature is not hex") from None
    if len(raw) != 65:
        raise ValueError(f"signature is {len(raw)} bytes, expected 65 (R || S || V)")
    v = raw[64]
    if not 27 <= v <= 34:
        raise ValueError(f"signature v byte is {v}; OKX signatures carry 27..34")
    return raw[:64], (v - 27) % 4


def recover_okx_ecdsa_key(message: bytes, signature: str) -> PublicKey:
    """The key that made `signature` over OKX's "ECDSA family" digest of `message` (SCHEMES.md section 4).

    High-s signatures are accepted, as OKX's verifier accepts them: a malleated signature still proves that
    the key signed this message. Raises ValueError when the signature is malformed or recovers no key.
    """
    r_s, recovery_id = parse_okx_rsv(signature)
    return recover(okx_keccak_digest(message), r_s, recovery_id)

