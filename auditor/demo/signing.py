"""Signs ownership messages the way OKX does, with keys the demo and the tests generate."""

from __future__ import annotations

import hashlib

from coincurve import PrivateKey

from chains.evm.addresses import checksum_address
from chains.evm.ownership import eip191, personal_sign_of_hash
from chains.signing.secp256k1 import eth_address_bytes


def demo_key(label: str) -> PrivateKey:
    """A deterministic key per label, so the demo file is the same on every machine."""
    return PrivateKey(hashlib.sha256(f"auditor demo key {label}".encode()).digest())


def evm_address(key: PrivateKey) -> str:
    return checksum_address(eth_address_bytes(key.public_key))


def sign_okx_evm(key: PrivateKey, message: str, plain_eip191: bool = False) -> str:
    """65-byte R||S||V hex with v = 27/28, over personal_sign(keccak(message)) as OKX signs (or EIP-191)."""
    digest = eip191(message.encode()) if plain_eip191 else personal_sign_of_hash(message.encode())
    signature = key.sign_recoverable(digest, hasher=None)
    return "0x" + signature[:64].hex() + bytes([27 + signature[64]]).hex()
