"""TON addresses: raw `workchain:hex` or user-friendly base64 of tag || workchain || account id || CRC16.

User-friendly forms are 36 bytes, base64url (or standard base64), 48 characters: tag 0x11 bounceable (`EQ...`)
or 0x51 non-bounceable (`UQ...`), +0x80 for testnet-only; workchain as a signed byte; the 32-byte account id;
CRC16-XMODEM (big-endian) of the first 34 bytes. Only workchain 0 (basechain) mainnet addresses are accepted.
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass

from chains.encoding.crc16 import crc16_xmodem

BOUNCEABLE = 0x11
NON_BOUNCEABLE = 0x51
TESTNET_FLAG = 0x80
BASECHAIN = 0
_RAW = re.compile(r"(0|-1):([0-9a-fA-F]{64})")  # basechain or masterchain; ASCII digits only, no "-0" or "000"
_FRIENDLY = re.compile(r"[A-Za-z0-9_\-+/]{48}")


@dataclass(frozen=True, slots=True)
class TonAddress:
    workchain: int
    account: bytes  # 32-byte account id
    form: str  # "bounceable", "non-bounceable" or "raw"

    @property
    def raw(self) -> str:
        return f"{self.workchain}:{self.account.hex()}"


def decode(address: str) -> TonAddress:
    text = address.strip()
    if not text:
        raise ValueError("empty")
    raw = _RAW.fullmatch(text)
    if raw:
        parsed = TonAddress(int(raw.group(1)), bytes.fromhex(raw.group(2)), "raw")
    elif _FRIENDLY.fullmatch(text):
        parsed = _decode_friendly(text)
    else:
        raise ValueError(f"{text!r} is neither a raw (0:<64 hex>) nor a 48-character user-friendly TON address")
    if parsed.workchain != BASECHAIN:
        raise ValueError(f"{text!r} is in workchain {parsed.workchain}; only basechain (0) wallets are supported")
    return parsed


def _decode_friendly(text: str) -> TonAddress:
    data = base64.urlsafe_b64decode(text.replace("+", "-").replace("/", "_"))
    if crc16_xmodem(data[:34]) != int.from_bytes(data[34:], "big"):
        raise ValueError(f"{text!r} has a bad checksum")
    tag = data[0]
    if tag & TESTNET_FLAG:
        raise ValueError(f"{text!r} is a testnet-only address")
    forms = {BOUNCEABLE: "bounceable", NON_BOUNCEABLE: "non-bounceable"}
    if tag not in forms:
        raise ValueError(f"{text!r} has an unknown tag byte 0x{tag:02x}")
    return TonAddress(int.from_bytes(data[1:2], "big", signed=True), data[2:34], forms[tag])


def encode(account: bytes, bounceable: bool = True, workchain: int = BASECHAIN) -> str:
    """The user-friendly base64url form."""
    body = bytes([BOUNCEABLE if bounceable else NON_BOUNCEABLE]) + workchain.to_bytes(1, "big", signed=True)
    body += account
    return base64.urlsafe_b64encode(body + crc16_xmodem(body).to_bytes(2, "big")).decode()
