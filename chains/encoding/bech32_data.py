"""Plain bech32 (BIP-173) strings carrying raw bytes, as Cosmos-SDK and Avalanche write key hashes: hrp + "1" +
data in 5-bit groups + checksum, no witness version. Built on the `bech32m` package's codec."""

from __future__ import annotations

from bech32m import codecs


def decode(text: str, hrp: str) -> bytes:
    """The bytes of a bech32 string whose human-readable part must be `hrp`. ValueError with the reason."""
    try:
        found_hrp, data, spec = codecs.bech32_decode(text)
    except codecs.DecodeError:
        raise ValueError(f"not a bech32 string: {text!r} (bad characters, mixed case or checksum)") from None
    if spec is not codecs.Encoding.BECH32:
        raise ValueError(f"{text!r} has a bech32m checksum; these addresses use bech32")
    if found_hrp != hrp:
        raise ValueError(f"{text!r} has prefix {found_hrp!r}, expected {hrp!r}")
    try:
        return bytes(codecs.convertbits(data, 5, 8, False))
    except codecs.DecodeError:
        raise ValueError(f"not a bech32 byte string: {text!r} (bad padding)") from None


def encode(hrp: str, raw: bytes) -> str:
    encoded: str = codecs.bech32_encode(hrp, bytes(codecs.convertbits(raw, 8, 5)), codecs.Encoding.BECH32)
    return encoded
