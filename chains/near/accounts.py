"""NEAR account ids and keys.

An implicit account's id is the lowercase hex of its Ed25519 public key (64 characters); any other valid id
(`alice.near`, a sub-account...) is a named account, whose access keys live on chain. Valid ids: 2..64
characters of lowercase letters, digits and the separators `-`, `_`, `.` (never leading, trailing or doubled).
Keys are published as hex or in NEAR's own `ed25519:<base58>` form.
"""

from __future__ import annotations

import re

from chains.encoding.base58_bounded import b58decode, shown
from chains.signing.ed25519 import KEY_BYTES, parse_hex

_ACCOUNT_ID = re.compile(r"(([a-z\d]+[-_])*[a-z\d]+\.)*([a-z\d]+[-_])*[a-z\d]+")
_IMPLICIT = re.compile(r"[0-9a-f]{64}")
KEY_PREFIX = "ed25519:"


def check_account_id(account: str) -> str:
    """The id as given, stripped. ValueError when NEAR would refuse it."""
    text = account.strip()
    if not text:
        raise ValueError("empty")
    if not 2 <= len(text) <= 64 or not _ACCOUNT_ID.fullmatch(text):
        raise ValueError(f"{text!r} is not a valid NEAR account id")
    return text


def implicit_key(account: str) -> bytes | None:
    """The public key an implicit account id spells, or None for a named account."""
    return bytes.fromhex(account) if _IMPLICIT.fullmatch(account) else None


def parse_public_key(text: str) -> bytes:
    body = text.strip()
    if body.startswith(KEY_PREFIX):
        try:
            key = b58decode(body[len(KEY_PREFIX) :], KEY_BYTES)
        except ValueError as exc:
            raise ValueError(f"{shown(body)} is not base58 after {KEY_PREFIX} ({exc})") from None
        if len(key) != KEY_BYTES:
            raise ValueError(f"{shown(body)} is {len(key)} bytes, an Ed25519 key has {KEY_BYTES}")
        return key
    return parse_hex(body, KEY_BYTES, "Ed25519 public key")
