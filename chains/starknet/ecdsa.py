"""STARK-curve ECDSA verification through crypto-cpp (StarkWare's C++ implementation, crypto-cpp-py).

The library takes w = s^-1 mod n instead of s; the ranges below are the ones cairo-lang's reference verifier
enforces (r, w and the hash below 2**251, s invertible), checked here so a bad value is a clear reason.
"""

from __future__ import annotations

from crypto_cpp_py.cpp_bindings import cpp_get_public_key, cpp_sign, cpp_verify

from chains.encoding.hex_text import strict_fromhex

EC_ORDER = 0x800000000000010FFFFFFFFFFFFFFFFB781126DCAE7B2321E66A241ADC64D2F
BOUND = 2**251


def parse_signature(text: str) -> tuple[int, int]:
    """(r, s) of 128 hex digits r || s (`0x` tolerated). ValueError when malformed."""
    body = text.strip()
    if body[:2].lower() == "0x":
        body = body[2:]
    if len(body) != 128:
        raise ValueError(f"signature must be 128 hex digits (r || s), got {len(body)}")
    try:
        raw = strict_fromhex(body)  # int() alone would take "_", signs and spaces at the r/s boundary
    except ValueError:
        raise ValueError("signature is not hex") from None
    return int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big")


def verify(message_hash: int, r: int, s: int, public_key: int) -> bool:
    """Whether (r, s) signs `message_hash` under the STARK key (x coordinate). ValueError for out-of-range
    values, which no honest signer produces."""
    if not 0 <= message_hash < BOUND:
        raise ValueError("message hash is not below 2**251")
    if not 1 <= r < BOUND:
        raise ValueError("signature r is not in [1, 2**251)")
    if not 1 <= s < EC_ORDER:
        raise ValueError("signature s is not in [1, n)")
    w = pow(s, -1, EC_ORDER)
    if not 1 <= w < BOUND:
        raise ValueError("signature s has an inverse outside [1, 2**251)")
    return bool(cpp_verify(message_hash, r, w, public_key))


def public_key(private_key: int) -> int:
    """The STARK public key (x coordinate) of a private key: for tests and benchmarks."""
    return cpp_get_public_key(private_key)


def sign(message_hash: int, private_key: int) -> tuple[int, int]:
    """(r, s) over `message_hash` (RFC 6979 nonce): for tests and benchmarks."""
    return cpp_sign(message_hash, private_key)
