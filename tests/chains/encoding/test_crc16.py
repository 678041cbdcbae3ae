"""chains/encoding/crc16.py: CRC-16/XMODEM, the checksum TON addresses and Stellar strkeys share."""

from __future__ import annotations

from chains.encoding.crc16 import crc16_xmodem


def test_catalogue_check_value() -> None:
    assert crc16_xmodem(b"123456789") == 0x31C3  # CRC-16/XMODEM check value (reveng catalogue)
    assert crc16_xmodem(b"") == 0
    assert crc16_xmodem(b"\x00") == 0 and crc16_xmodem(b"\x01") == 0x1021  # initial 0, polynomial 0x1021
