"""Signature schemes shared by several chain families: secp256k1 recovery, Ed25519, OKX's message framing and its
ECDSA-family row checks."""
