"""Signing helpers for the Ed25519 families' tests: fresh PyNaCl keys sign OKX's preimage, rows get built."""

from __future__ import annotations

from nacl.signing import SigningKey

from chains.base import AddressRow
from chains.signing.okx_message import okx_preimage

MESSAGE = "I am an OKX address"


def key(seed: int) -> SigningKey:
    return SigningKey(seed.to_bytes(32, "big"))


def public(signing_key: SigningKey) -> bytes:
    return bytes(signing_key.verify_key)


def sign(signing_key: SigningKey, message: str = MESSAGE) -> str:
    return "0x" + signing_key.sign(okx_preimage(message.encode("utf-8"))).signature.hex()


def signed_row(signing_key: SigningKey, network: str, address: str, coin: str = "", message: str = MESSAGE,
               **extra: str) -> AddressRow:
    """A row whose signature1 and script are those of `signing_key` over `message`."""
    return AddressRow(line=1, coin=coin or network, network=network, address=address, message=message,
                      signature1=sign(signing_key, message), script=public(signing_key).hex(), **extra)
