"""BIP-322 simple signatures: the BIP's published vectors, and multisig/taproot witnesses built here."""

from __future__ import annotations

import base64
import dataclasses
import hashlib

import base58
import bech32m
import pytest
from coincurve import PrivateKey

from auditor.assets import AssetRegistry
from chains.base import AddressRow, RowStatus
from chains.registry import get_family
from chains.utxo import bip322
from chains.utxo.addresses import decode_address

FAMILY = get_family("utxo")
BTC = AssetRegistry.load().network("BTC")
SEGWIT = "bc1q9vza2e8x573nczrlzms0wvx3gsqjx7vavgkx0l"  # BIP-322 test key L3VFeE...
TAPROOT = "bc1ppv609nr0vr25u07u95waq5lucwfm6tde4nydujnu8npg4q75mr5sxq8lt3"  # same key, BIP-86 tweaked
NESTED = "3HSVzEhCFuH9Z3wvoWTexy7BMVVp3PjS6f"

# (address, message, signature) published in BIP-322 and in the test suites it cites.
PUBLISHED = [
    (
        SEGWIT,
        "",
        "AkcwRAIgM2gBAQqvZX15ZiysmKmQpDrG83avLIT492QBzLnQIxYCIBaTpOaD20qRlEylyxFS"
        "eEA2ba9YOixpX8z46TSDtS40ASECx/EgAxlkQpQ9hYjgGu6EBCPMVPwVIVJqO4XCsMvViHI=",
    ),
    (
        SEGWIT,
        "",
        "AkgwRQIhAPkJ1Q4oYS0htvyuSFHLxRQpFAY56b70UvE7Dxazen0ZAiAtZfFz1S6T6I23MWI2"
        "lK/pcNTWncuyL8UL+oMdydVgzAEhAsfxIAMZZEKUPYWI4BruhAQjzFT8FSFSajuFwrDL1Yhy",
    ),
    (
        SEGWIT,
        "Hello World",
        "AkcwRAIgZRfIY3p7/DoVTty6YZbWS71bc5Vct9p9Fia83eRmw2QCICK/ENGfwLtptFluMGs2"
        "KsqoNSk89pO7F29zJLUx9a/sASECx/EgAxlkQpQ9hYjgGu6EBCPMVPwVIVJqO4XCsMvViHI=",
    ),
    (
        SEGWIT,
        "Hello World",
        "AkgwRQIhAOzyynlqt93lOKJr+wmmxIens//zPzl9tqIOua93wO6MAiBi5n5EyAcPScOjf1lA"
        "qIUIQtr3zKNeavYabHyR8eGhowEhAsfxIAMZZEKUPYWI4BruhAQjzFT8FSFSajuFwrDL1Yhy",
    ),
    (
        TAPROOT,
        "Hello World",
        "AUHd69PrJQEv+oKTfZ8l+WROBHuy9HKrbFCJu7U1iK2iiEy1vMU5EfMtjc+VSHM7aU0SDbak5IUZRVno2P5mjSafAQ==",
    ),
    (
        NESTED,
        "Hello World",
        "AkgwRQIhAMd2wZSY3x0V9Kr/NClochoTXcgDaGl3OObOR17yx3QQAiBVWxqNSS+CKen7bmJT"
        "G6YfJjsggQ4Fa2RHKgBKrdQQ+gEhAxa5UDdQCHSQHfKQv14ybcYm1C9y6b12xAuukWzSnS+w",
    ),
]


def verify(address: str, message: str, signature: str, script: str = ""):
    row = AddressRow(1, "BTC", "BTC", address, message=message, signature1=signature, script=script)
    return FAMILY.verify_ownership(row, BTC)


def test_message_hashes_and_to_spend_txids_match_the_bip() -> None:
    tag = "BIP0322-signed-message"
    assert bip322.tagged_hash(tag, b"").hex() == "c90c269c4f8fcbe6880f72a721ddfbf1914268a794cbb21cfafee13770ae19f1"
    assert (
        bip322.tagged_hash(tag, b"Hello World").hex()
        == "f0eb03b1a75ac6d9847f55c624a99169b5dccba2a31f5b23bea77ba270de0a7a"
    )
    script = decode_address(SEGWIT, FAMILY.params(BTC)).output_script
    assert bip322.to_spend_txid(script, "")[::-1].hex() == (
        "c5680aa69bb8d860bf82d4e9cd3504b55dde018de765a91bb566283c545a99a7"
    )
    assert bip322.to_spend_txid(script, "Hello World")[::-1].hex() == (
        "b79d196740ad5217771c1098fc4a4b51e0535c32236c71f1ea4d61a2d603352b"
    )


@pytest.mark.parametrize(("address", "message", "signature"), PUBLISHED)
def test_published_signatures_verify_and_their_mutations_fail(address: str, message: str, signature: str) -> None:
    proof = verify(address, message, signature)
    assert (proof.status, proof.scheme) == (RowStatus.VERIFIED, "bip322-simple"), proof
    assert verify(address, message + "!", signature).status is RowStatus.FAILED
    raw = bytearray(base64.b64decode(signature))
    raw[10] ^= 0x01
    assert verify(address, message, base64.b64encode(bytes(raw)).decode()).status is RowStatus.FAILED
    other = SEGWIT if address != SEGWIT else "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4"
    assert verify(other, message, signature).status is RowStatus.FAILED


# --- witnesses built here -------------------------------------------------------------------------------------


def witness(*items: bytes) -> str:
    return base64.b64encode(bytes([len(items)]) + b"".join(bytes([len(i)]) + i for i in items)).decode()


def multisig(m: int, keys: list[PrivateKey]) -> bytes:
    pushes = b"".join(b"\x21" + k.public_key.format() for k in keys)
    return bytes([0x50 + m]) + pushes + bytes([0x50 + len(keys)]) + b"\xae"


def multisig_witness(address: str, message: str, script: bytes, signers: list[PrivateKey]) -> str:
    """A wallet's P2WSH witness; the digest comes from bip322.segwit_v0_sighash, whose correctness the
    published P2WPKH vectors above establish (the multisig path differs only in the script code)."""
    output = decode_address(address, FAMILY.params(BTC)).output_script
    digest = bip322.segwit_v0_sighash(bip322.to_spend_txid(output, message), bytes([len(script)]) + script)
    signatures = [k.sign(digest, hasher=None) + b"\x01" for k in signers]
    return witness(b"", *signatures, script)


@pytest.mark.parametrize("form", ["P2WSH", "P2SH-P2WSH"])
def test_multisig_witnesses(form: str) -> None:
    keys = [PrivateKey() for _ in range(3)]
    script = multisig(2, keys)
    program = hashlib.sha256(script).digest()
    if form == "P2WSH":
        address = bech32m.encode("bc", 0, program)
    else:
        inner = hashlib.new("ripemd160", hashlib.sha256(b"\x00\x20" + program).digest()).digest()
        address = base58.b58encode_check(b"\x05" + inner).decode()
    message = "proof of reserves"
    good = multisig_witness(address, message, script, [keys[0], keys[2]])
    assert verify(address, message, good).status is RowStatus.VERIFIED
    assert verify(address, message, good, script=script.hex()).status is RowStatus.VERIFIED
    assert verify(address, message + ".", good).status is RowStatus.FAILED
    out_of_order = multisig_witness(address, message, script, [keys[2], keys[0]])
    assert verify(address, message, out_of_order).status is RowStatus.FAILED
    twice = multisig_witness(address, message, script, [keys[0], keys[0]])
    assert verify(address, message, twice).status is RowStatus.FAILED
    too_few = multisig_witness(address, message, script, [keys[1]])
    assert "carries 1 signatures" in verify(address, message, too_few).reason
    other_script = multisig(2, [PrivateKey() for _ in range(3)]).hex()
    assert "differs" in verify(address, message, good, script=other_script).reason


def test_taproot_witnesses_built_here() -> None:
    key = PrivateKey()
    address = bech32m.encode("bc", 1, key.public_key.format()[1:])
    output = decode_address(address, FAMILY.params(BTC)).output_script
    txid = bip322.to_spend_txid(output, "hello")
    default = key.sign_schnorr(bip322.taproot_sighash(txid, output, 0x00))
    explicit_all = key.sign_schnorr(bip322.taproot_sighash(txid, output, 0x01)) + b"\x01"
    assert verify(address, "hello", witness(default)).status is RowStatus.VERIFIED
    assert verify(address, "hello", witness(explicit_all)).status is RowStatus.VERIFIED
    assert verify(address, "hello", witness(default + b"\x01")).status is RowStatus.FAILED  # wrong hash type
    assert verify(address, "hello", witness(default + b"\x83")).status is RowStatus.FAILED  # refused type
    assert verify(address, "hello!", witness(default)).status is RowStatus.FAILED


def test_malformed_or_unprovable_witnesses_fail_with_a_reason() -> None:
    published = PUBLISHED[3][2]
    raw = base64.b64decode(published)
    assert "BIP-322 witness" in verify(SEGWIT, "Hello World", base64.b64encode(raw + b"\x00").decode()).reason
    p2pkh = base58.b58encode_check(b"\x00" + bytes(20)).decode()
    assert "cannot prove" in verify(p2pkh, "Hello World", published).reason
    row = AddressRow(1, "BTC", "BTC", SEGWIT, message="Hello World", signature1=published, signature2=published)
    assert FAMILY.verify_ownership(row, BTC).status is RowStatus.FAILED
    assert FAMILY.verify_ownership(dataclasses.replace(row, signature2=""), BTC).status is RowStatus.VERIFIED
