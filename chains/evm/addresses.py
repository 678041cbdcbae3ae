"""EVM account addresses: 0x-hex with EIP-55 checksums (SCHEMES.md section 1), plus one network-specific
spelling of the same 20 bytes where the registry says so (`alt_address_form`): OKC's bech32 `ex1...`
(form "ex1") and FEVM's Filecoin delegated `f410f...` (form "f410"). Other networks refuse both: an `ex1` or
`f410f` string in an ETH row names no Ethereum account the exchange would write that way."""

from __future__ import annotations

import re
from functools import lru_cache

from chains.encoding import bech32_data
from chains.filecoin.addresses import decode_eam, eam_address
from chains.signing.secp256k1 import keccak256

_HEX_ADDRESS = re.compile(r"0x[0-9a-fA-F]{40}")
_HIGH_NIBBLES = frozenset("89abcdef")  # EIP-55: a letter is upper-case where the hash nibble is >= 8
# The same rule as bit masks, one bit per hex digit, so a checksum is checked by str.translate and int(..., 2)
# (C speed) instead of a Python loop over 40 characters.
_HIGH_BITS = str.maketrans("0123456789abcdef", "0000000011111111")
_LETTER_BITS = str.maketrans("0123456789abcdefABCDEF", "0000000000111111111111")
_UPPER_BITS = str.maketrans("0123456789abcdefABCDEF", "0000000000000000111111")
OKC_HRP = "ex"
ALT_FORMS = ("ex1", "f410")  # values of the registry param `alt_address_form`


def checksum_address(account: bytes) -> str:
    """EIP-55 mixed-case form of a 20-byte account."""
    hex_lower = account.hex()
    digest = keccak256(hex_lower.encode("ascii")).hex()
    return "0x" + "".join(c.upper() if d in _HIGH_NIBBLES else c for c, d in zip(hex_lower, digest[:40], strict=True))


def has_checksum(digits: str) -> bool:
    """Do the 40 hex digits (any case) carry the EIP-55 checksum of their account? The same answer as
    `checksum_address(bytes.fromhex(digits)) == "0x" + digits`."""
    lower = digits.lower()
    high = int(keccak256(lower.encode("ascii")).hex()[:40].translate(_HIGH_BITS), 2)
    return int(digits.translate(_UPPER_BITS), 2) == high & int(digits.translate(_LETTER_BITS), 2)


def fevm_address(account: bytes) -> str:
    """The f410f form of a 20-byte account (chains.filecoin.addresses holds the codec)."""
    return eam_address(account)


def okc_address(account: bytes) -> str:
    """The ex1 bech32 form of a 20-byte account."""
    return bech32_data.encode(OKC_HRP, account)


@lru_cache(maxsize=1024)  # a row's address is parsed by its signature check and again for its balance query
def parse_address(text: str, alt_form: str | None = None) -> bytes:
    """The 20 account bytes of `text`. Raises ValueError naming what is wrong.

    `alt_form` ("ex1", "f410" or None) is the network's extra spelling, from the registry. A mixed-case
    address must carry a valid EIP-55 checksum (a one-character typo would otherwise point at someone else's
    account); all-lower and all-upper forms carry no checksum and are accepted.
    """
    text = text.strip()
    if alt_form not in (None, *ALT_FORMS):
        raise ValueError(f"unknown alt_address_form {alt_form!r} in the registry (known: {', '.join(ALT_FORMS)})")
    if text[:3].lower() == "ex1":
        if alt_form != "ex1":
            raise ValueError("an OKC ex1... address is accepted on network OKC only")
        return _parse_okc_bech32(text)
    if text[:2].lower() in ("f4", "t4"):
        if alt_form != "f410":
            raise ValueError("a Filecoin f410f... address is accepted on network FEVM only")
        return decode_eam(text)
    if not _HEX_ADDRESS.fullmatch(text):
        if text.startswith("0x") and all(c in "0123456789abcdefABCDEF" for c in text[2:]):
            raise ValueError(f"not a 20-byte account: {len(text) - 2} hex digits")
        raise ValueError("not a 0x-prefixed 40-hex-digit address")
    digits = text[2:]
    account = bytes.fromhex(digits)
    if digits != digits.lower() and digits != digits.upper() and not has_checksum(digits):
        raise ValueError("bad EIP-55 checksum (mixed-case address does not match its checksum)")
    return account


def canonical(text: str, alt_form: str | None = None) -> str:
    """Lower-case 0x form, used for de-duplication and queries."""
    return "0x" + parse_address(text, alt_form).hex()


def _parse_okc_bech32(text: str) -> bytes:
    try:
        account = bech32_data.decode(text, OKC_HRP)
    except ValueError as exc:
        raise ValueError(f"not an OKC ex1... bech32 address ({exc})") from None
    if len(account) != 20:
        raise ValueError(f"OKC bech32 address is {len(account)} bytes, not 20")
    return account
