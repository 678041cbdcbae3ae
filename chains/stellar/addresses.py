"""Stellar account ids (strkey `G...`): RFC 4648 base32, no padding, of version byte 0x30 (6 << 3, "account
id") || Ed25519 public key || CRC16-XMODEM of those 33 bytes, little-endian. Pi Network uses the same form."""

from __future__ import annotations

import base64
import binascii

from chains.encoding.crc16 import crc16_xmodem

ACCOUNT_VERSION = 0x30
STRKEY_LENGTH = 56


def _crc(data: bytes) -> bytes:
    return crc16_xmodem(data).to_bytes(2, "little")


def decode(address: str) -> bytes:
    """The account's 32-byte public key. ValueError when it is not a `G...` account strkey."""
    text = address.strip()
    if not text:
        raise ValueError("empty")
    if len(text) != STRKEY_LENGTH or not text.startswith("G"):
        hint = " (a muxed M... account is not an account id)" if text.startswith("M") else ""
        raise ValueError(f"{text!r} is not a 56-character G... Stellar account id{hint}")
    try:
        raw = base64.b32decode(text)  # 56 characters = 35 bytes exactly: no padding
    except binascii.Error:
        raise ValueError(f"{text!r} is not uppercase base32") from None
    if raw[0] != ACCOUNT_VERSION:
        raise ValueError(f"{text!r} has version byte 0x{raw[0]:02x}, not an account id's 0x30")
    if _crc(raw[:33]) != raw[33:]:
        raise ValueError(f"{text!r} has a bad checksum")
    return raw[1:33]


def encode(public_key: bytes) -> str:
    body = bytes([ACCOUNT_VERSION]) + public_key
    return base64.b32encode(body + _crc(body)).decode().rstrip("=")
