"""Legacy Bitcoin message signatures ("signmessage"; BIP-137 headers; Electrum's variant).

A signature is base64 of 65 bytes: header, r, s. The digest is
sha256d(varstr(magic) || varstr(message)), where magic is the coin's "... Signed Message:\\n" string.
The header carries the recovery id and which key serialization / address type the signer meant:

    27-30  P2PKH, uncompressed key        35-38  P2SH-P2WPKH (BIP-137)
    31-34  P2PKH, compressed key          39-42  P2WPKH (BIP-137)

Electrum signs segwit addresses with headers 31-34 too, so the header's address type is a hint only;
the address check decides (see ownership.py).
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from functools import lru_cache

from coincurve import PublicKey

from chains.signing.okx_message import varstr
from chains.signing.secp256k1 import recover, sha256d

SIGNATURE_SIZE = 65




@lru_cache(maxsize=256)  # every row of a file signs the same statement: hash it once
def message_digest(message: str, magic: str) -> bytes:
    return sha256d(varstr(magic.encode()) + varstr(message.encode()))


@dataclass(frozen=True, slots=True)
class MessageSignature:
    header: int
    r_s: bytes

    @property
    def recovery_id(self) -> int:
        return (self.header - 27) & 3

    @property
    def uncompressed(self) -> bool:
        """Headers 27-30 say the signer's address uses the 65-byte key."""
        return self.header < 31

    def recover(self, digest: bytes) -> PublicKey:
        """The signer's key; ValueError when none recovers."""
        return recover(digest, self.r_s, self.recovery_id)


def decode_base64(text: str) -> bytes:
    """Strict base64 (standard alphabet, padded); ValueError otherwise."""
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("signature is not valid base64") from None


def parse_message_signature(raw: bytes) -> MessageSignature:
    """The 65 decoded bytes of a legacy signature; ValueError(reason) when they are not one."""
    if len(raw) != SIGNATURE_SIZE:
        raise ValueError(f"legacy message signature must be {SIGNATURE_SIZE} bytes, got {len(raw)}")
    if not 27 <= raw[0] <= 42:
        raise ValueError(f"signature header {raw[0]} is outside 27..42")
    return MessageSignature(raw[0], raw[1:])
