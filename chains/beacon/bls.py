"""IETF BLS signature verification, ciphersuite BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_ (minimal-pubkey-size:
keys in G1, signatures in G2; the consensus layer's ciphersuite), on py-arkworks-bls12381 (Rust arkworks).

py_ecc's G2ProofOfPossession.Verify is the reference but pure Python (~550 ms a check here: a few thousand
validators would take most of an hour); arkworks does one in ~5 ms. arkworks exposes the curve operations,
not the signature API, so this module writes out the draft's CoreVerify in its terms:

  KeyValidate(PK): PK decodes to a G1 point in the prime-order subgroup, and is not the identity;
  the signature decodes to a G2 point in the subgroup;
  e(PK, hash_to_G2(message, DST)) == e(g1, signature), checked as one multi-pairing against e(-g1, .).

The tests hold this to py_ecc's answers on the published vector, on generated keys and on invalid points.
"""

from __future__ import annotations

from py_arkworks_bls12381 import GT, G1Point, G2Point

DST = b"BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_"
_NEG_G1 = -G1Point()  # G1Point() is the standard generator


def public_key_point(pubkey: bytes) -> G1Point:
    """KeyValidate: the decoded key, or ValueError."""
    try:
        point = G1Point.from_compressed_bytes(pubkey)
    except ValueError:
        raise ValueError("validator key is not a point of the BLS12-381 G1 group") from None
    if point == G1Point.identity():
        raise ValueError("validator key is the identity point, which no secret key has")
    if not point.is_in_subgroup():
        raise ValueError("validator key is not in the prime-order subgroup")
    return point


def signature_point(signature: bytes) -> G2Point:
    try:
        point = G2Point.from_compressed_bytes(signature)
    except ValueError:
        raise ValueError("signature is not a point of the BLS12-381 G2 group") from None
    if not point.is_in_subgroup():
        raise ValueError("signature is not in the prime-order subgroup")
    return point


def verify(pubkey: G1Point, message: bytes, signature: G2Point) -> bool:
    return GT.pairing_check([pubkey, _NEG_G1], [G2Point.hash_to_curve(message, DST), signature])
