"""OKX's signed-message framing and the "ECDSA family" recovery helpers (scheme level, no network)."""

from __future__ import annotations

import contextlib

import pytest
from coincurve import PrivateKey

from chains.signing.okx_message import (
    okx_keccak_digest,
    okx_preimage,
    parse_okx_rsv,
    recover_okx_ecdsa_key,
)
from chains.signing.secp256k1 import SECP256K1_N, parse_public_key
from tests.chains.okx_ecdsa_signing import flip_hex, sign_okx_ecdsa, vector_row
from tests.conftest import load_vectors

# The corpus's pure signature-to-key vector has no coin, network or address: no family can take it, so it is
# checked here, at the scheme level, with the two steps chains.signing.okx_ecdsa.verify_pubkey_and_address takes
# (recover the key, compare it with the parsed public-key column).
KEY_ONLY = [v for v in load_vectors() if not v["network"] and not v["coin"]]


def test_preimage_bytes() -> None:
    assert okx_preimage(b"hello world") == b"\x14OKX Signed Message:\n\x0bhello world"
    assert okx_preimage(b"x" * 300)[21:24] == b"\xfd\x2c\x01"  # CompactSize beyond 252 bytes


def _recovers(message: bytes, signature: str, public_key: str) -> bool:
    """Does `signature` over `message` recover `public_key`? The pubkey variant's check, minus the address."""
    return recover_okx_ecdsa_key(message, signature).format() == parse_public_key(public_key).format()


def test_key_only_vector_recovers_its_key() -> None:
    if not KEY_ONLY:
        pytest.skip("../shared vectors not available")
    assert len(KEY_ONLY) == 1 and KEY_ONLY[0]["expect"] == "valid"
    row = vector_row(KEY_ONLY[0])
    key = recover_okx_ecdsa_key(row.message.encode(), row.signature1)
    assert key.format().hex() == row.script.lower() and _recovers(row.message.encode(), row.signature1, row.script)


def test_key_only_vector_mutations_fail() -> None:
    if not KEY_ONLY:
        pytest.skip("../shared vectors not available")
    row = vector_row(KEY_ONLY[0])
    message = row.message.encode()
    for signature in (flip_hex(row.signature1, 100), flip_hex(row.signature1, 10)):
        with contextlib.suppress(ValueError):  # ValueError: recovers no key at all
            assert not _recovers(message, signature, row.script)
    assert not _recovers(message + b"!", row.signature1, row.script)
    try:  # a changed key: another point, or none at all
        assert not _recovers(message, row.signature1, flip_hex(row.script, 1))
    except ValueError as exc:
        assert "public key" in str(exc)


def test_generated_keys_all_key_encodings() -> None:
    for seed in range(1, 5):
        key = PrivateKey(bytes([seed]) * 32)
        message = f"reserves {seed} ✓"
        signature = sign_okx_ecdsa(key, message)
        uncompressed = key.public_key.format(compressed=False)
        for written in (key.public_key.format().hex(), "0x" + uncompressed.hex(), uncompressed[1:].hex()):
            assert _recovers(message.encode(), signature, written)
        other = PrivateKey(bytes([seed + 100]) * 32).public_key.format().hex()
        assert not _recovers(message.encode(), signature, other)


def test_recovery_ids_and_high_s() -> None:
    key = PrivateKey(b"\x33" * 32)
    signature = bytes.fromhex(sign_okx_ecdsa(key, "m")[2:])
    assert recover_okx_ecdsa_key(b"m", "0x" + signature.hex()).format() == key.public_key.format()
    # v + 4 (the "compressed" compact header) names the same recovery id
    assert recover_okx_ecdsa_key(b"m", (signature[:64] + bytes([signature[64] + 4])).hex()) == key.public_key
    # the malleated twin (n - s, other parity) still recovers the key: OKX accepts it, and it proves the key
    s = int.from_bytes(signature[32:64], "big")
    twin = signature[:32] + (SECP256K1_N - s).to_bytes(32, "big") + bytes([55 - signature[64]])
    assert recover_okx_ecdsa_key(b"m", twin.hex()).format() == key.public_key.format()


@pytest.mark.parametrize(
    ("signature", "reason"),
    [
        ("", "empty"),
        ("0x1234", "2 bytes, expected 65"),
        ("0x" + "zz" * 65, "not hex"),
        ("0x" + "11" * 64 + "00", "v byte is 0"),
        ("0x" + "11" * 64 + "01", "v byte is 1"),
        ("0x" + "11" * 64 + "23", "v byte is 35"),
    ],
)
def test_malformed_signatures(signature: str, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        parse_okx_rsv(signature)


def test_signature_recovering_no_key_is_an_error() -> None:
    with pytest.raises(ValueError):
        recover_okx_ecdsa_key(b"m", "0x" + "00" * 64 + "1b")  # r = s = 0
    with pytest.raises(ValueError):
        recover_okx_ecdsa_key(b"m", "0x" + "ff" * 64 + "1b")  # r, s >= n


def test_digest_is_keccak_of_preimage() -> None:
    from chains.signing.secp256k1 import keccak256

    assert okx_keccak_digest(b"abc") == keccak256(okx_preimage(b"abc"))
