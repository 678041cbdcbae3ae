"""CRC-16/XMODEM (polynomial 0x1021, initial value 0, no reflection): the checksum of TON user-friendly addresses
and Stellar strkeys. binascii.crc_hqx is CRC-CCITT with a caller-chosen initial value; with 0 it is XMODEM."""

from __future__ import annotations

import binascii


def crc16_xmodem(data: bytes) -> int:
    return binascii.crc_hqx(data, 0)
