"""Conflux Core Space addresses (CIP-37), through the Conflux Foundation's `cfx-address` library.

A user account is the Ethereum-style 20 bytes of the key (last 20 bytes of keccak(X || Y)) with its first
nibble forced to 0x1 (the user-account type). CIP-37 writes it as "cfx:" + base32 (alphabet
abcdefghjkmnprstuvwxyz0123456789) of version 0 || those 20 bytes, with a 40-bit checksum that commits to
the network prefix (mainnet id 1029 is "cfx"). The verbose form "CFX:TYPE.USER:..." (all upper case) names
the type explicitly; the library checks it matches the bytes. Only user accounts can sign: contract (0x8...)
and builtin (0x0...) addresses are refused with that reason, as are other networks' addresses.
"""

from __future__ import annotations

from cfx_address import Base32Address
from coincurve import PublicKey

from chains.signing.secp256k1 import eth_address_bytes

MAINNET_ID = 1029


def decode(address: str, network_id: int = MAINNET_ID) -> bytes:
    """The 20 account bytes of a CIP-37 user address on `network_id`. ValueError with the reason."""
    text = address.strip()
    if not text:
        raise ValueError("empty Conflux address")
    if text[:2].lower() == "0x":
        raise ValueError(f"{text!r} is a hex address; Conflux Core Space addresses are CIP-37 base32 (cfx:...)")
    try:
        parts = Base32Address.decode(text)
    except ValueError as exc:  # cfx_address's errors subclass ValueError
        raise ValueError(f"not a Conflux address: {text!r} ({exc})") from None
    if parts["network_id"] != network_id:
        raise ValueError(f"{text!r} is an address of Conflux network {parts['network_id']}, not {network_id}")
    if parts["address_type"] != "user":
        raise ValueError(f"{text!r} is a {parts['address_type']} address; only user accounts are keys")
    return bytes.fromhex(parts["hex_address"][2:])


def encode(account: bytes, network_id: int = MAINNET_ID) -> str:
    return Base32Address.encode_base32("0x" + account.hex(), network_id)


def account_of(key: PublicKey) -> bytes:
    eth20 = eth_address_bytes(key)
    return bytes([0x10 | (eth20[0] & 0x0F)]) + eth20[1:]


def canonical(address: str, network_id: int = MAINNET_ID) -> str:
    """The short lower-case form ("cfx:aa...")."""
    return encode(decode(address, network_id), network_id)
