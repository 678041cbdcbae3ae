"""EVM account addresses: 0x-hex with EIP-55 checksums, OKC's bech32 `ex1...` form and FEVM's Filecoin
delegated `f410f...` form (SCHEMES.md section 1)."""

from __future__ import annotations

import base64
import hashlib
import re

from chains.secp256k1 import keccak256

_HEX_ADDRESS = re.compile(r"^0x[0-9a-fA-F]{40}$")
_BECH32_CHARSET = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"
_HIGH_NIBBLES = frozenset("89abcdef")  # EIP-55: a letter is upper-case where the hash nibble is >= 8


def checksum_address(account: bytes) -> str:
    """EIP-55 mixed-case form of a 20-byte account."""
    hex_lower = account.hex()
    digest = keccak256(hex_lower.encode("ascii")).hex()
    return "0x" + "".join(c.upper() if d in _HIGH_NIBBLES else c for c, d in zip(hex_lower, digest[:40], strict=True))


def parse_address(text: str) -> bytes:
    """The 20 account bytes of `text`. Raises ValueError naming what is wrong.

    A mixed-case address must carry a valid EIP-55 checksum (a one-character typo would otherwise point at
    someone else's account); all-lower and all-upper forms carry no checksum and are accepted.
    """
    text = text.strip()
    if text[:3].lower() == "ex1":
        return _parse_okc_bech32(text)
    if text[:2].lower() in ("f4", "t4"):
        return _parse_fevm_delegated(text)
    if not _HEX_ADDRESS.match(text):
        if text.startswith("0x") and all(c in "0123456789abcdefABCDEF" for c in text[2:]):
            raise ValueError(f"not a 20-byte account: {len(text) - 2} hex digits")
        raise ValueError("not a 0x-prefixed 40-hex-digit address")
    digits = text[2:]
    account = bytes.fromhex(digits)
    if digits != digits.lower() and digits != digits.upper() and checksum_address(account) != text:
        raise ValueError("bad EIP-55 checksum (mixed-case address does not match its checksum)")
    return account


def canonical(text: str) -> str:
    """Lower-case 0x form, used for de-duplication and queries."""
    return "0x" + parse_address(text).hex()


def _bech32_polymod(values: list[int]) -> int:
    generator = (0x3B6A57B2, 0x26508E6D, 0x1EA119FA, 0x3D4233DD, 0x2A1462B3)
    check = 1
    for value in values:
        top = check >> 25
        check = (check & 0x1FFFFFF) << 5 ^ value
        for i in range(5):
            check ^= generator[i] if (top >> i) & 1 else 0
    return check


def _parse_okc_bech32(text: str) -> bytes:
    lowered = text.lower()
    if text != lowered and text != text.upper():
        raise ValueError("mixed-case bech32 address")
    hrp, _, data_part = lowered.rpartition("1")
    if hrp != "ex" or len(data_part) < 7 or any(c not in _BECH32_CHARSET for c in data_part):
        raise ValueError("not an OKC ex1... bech32 address")
    data = [_BECH32_CHARSET.index(c) for c in data_part]
    expanded = [ord(c) >> 5 for c in hrp] + [0] + [ord(c) & 31 for c in hrp]
    if _bech32_polymod(expanded + data) != 1:
        raise ValueError("bad bech32 checksum")
    accumulator, bits, out = 0, 0, bytearray()
    for value in data[:-6]:
        accumulator = (accumulator << 5) | value
        bits += 5
        while bits >= 8:
            bits -= 8
            out.append((accumulator >> bits) & 0xFF)
    if len(out) != 20:
        raise ValueError("OKC bech32 address is not 20 bytes")
    return bytes(out)


# FEVM: a Filecoin delegated address in the Ethereum address manager's namespace (actor ID 10) carries the
# 20-byte account: "f410f" + lowercase unpadded base32 of (account || BLAKE2b-32(0x04 || 0x0A || account)).
_FEVM_PREFIX = "f410f"
_DELEGATED_PROTOCOL = 4
_EAM_NAMESPACE = 10


def _fevm_checksum(account: bytes) -> bytes:
    return hashlib.blake2b(bytes([_DELEGATED_PROTOCOL, _EAM_NAMESPACE]) + account, digest_size=4).digest()


def fevm_address(account: bytes) -> str:
    """The f410f form of a 20-byte account."""
    if len(account) != 20:
        raise ValueError("an EVM account is 20 bytes")
    return _FEVM_PREFIX + base64.b32encode(account + _fevm_checksum(account)).decode().rstrip("=").lower()


def _parse_fevm_delegated(text: str) -> bytes:
    lowered = text.lower()
    if lowered.startswith("t4"):
        raise ValueError("a Filecoin testnet (t4...) address; only mainnet f410f addresses are accepted")
    if not lowered.startswith(_FEVM_PREFIX):
        raise ValueError("a Filecoin delegated address outside the EVM namespace (only f410f... carries an account)")
    body = lowered[len(_FEVM_PREFIX):]
    try:
        raw = base64.b32decode(body.upper() + "=" * (-len(body) % 8))
    except ValueError:
        raise ValueError("not an FEVM f410f address: not base32") from None
    if len(raw) != 24:
        raise ValueError(f"not an FEVM f410f address: holds {len(raw)} bytes, expected 24")
    account = raw[:20]
    if fevm_address(account) != lowered:
        raise ValueError("not an FEVM f410f address: bad checksum")
    return account
