"""Byte encodings shared by several chain families: bounded base58, bech32 data, CRC-16, strict hex, Move addresses."""
