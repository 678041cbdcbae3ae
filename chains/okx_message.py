"""OKX's signed-message framing, shared by its non-EVM schemes (SCHEMES.md sections 4-7).

The preimage is varstr("OKX Signed Message:\\n") || varstr(message), varstr being Bitcoin's CompactSize length
prefix. secp256k1 chains sign keccak of it, EOS signs SHA-256 of it, Ed25519 chains sign the bytes themselves.
"""

from __future__ import annotations

from chains.secp256k1 import keccak256

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
