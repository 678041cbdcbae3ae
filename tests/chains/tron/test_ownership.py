"""TRON ownership signatures: the published OKX/HTX vectors, their mutations, and keys made here."""

from __future__ import annotations

import csv
from dataclasses import replace
from pathlib import Path

import pytest
from coincurve import PrivateKey

from chains.base import AddressRow, Network, RowStatus
from chains.registry import get_family
from chains.tron import addresses
from chains.tron.ownership import HTX, OKX, digest_htx_raw, digest_v1, digest_v2, verify_row

VECTORS = Path(__file__).resolve().parents[4] / "shared" / "data" / "vectors" / "ownership_vectors.csv"

OKX_NETWORK = Network("TRON", "tron", "TRON", "TRX", 6, params={"ownership_scheme": "okx"})
HTX_NETWORK = replace(OKX_NETWORK, params={"ownership_scheme": "htx-tron"})


def _vectors(exchange: str) -> list[dict[str, str]]:
    if not VECTORS.exists():
        pytest.skip(f"{VECTORS} is not here (shared data absent)")
    with VECTORS.open(newline="") as handle:
        return [r for r in csv.DictReader(handle) if r["network"] == "TRON" and r["source"].startswith(exchange)]


def _row(vector: dict[str, str]) -> AddressRow:
    return AddressRow(line=1, coin=vector["coin"], network="TRON", address=vector["address"],
                      message=vector["message"], signature1=vector["signature1"])


def _other_address() -> str:
    return addresses.from_public_key(PrivateKey(b"\x07" * 32).public_key)


@pytest.mark.parametrize(("exchange", "network"), [("okx:", OKX_NETWORK), ("htx:", HTX_NETWORK)])
def test_published_vectors_give_their_expected_outcome(exchange: str, network: Network) -> None:
    family = get_family("tron")
    assert family is not None
    vectors = _vectors(exchange)
    assert vectors
    for vector in vectors:
        proof = family.verify_ownership(_row(vector), network)
        expected = RowStatus.VERIFIED if vector["expect"] == "valid" else RowStatus.FAILED
        assert proof.status == expected, (vector, proof)


def test_okx_vectors_use_both_digests() -> None:
    schemes = {verify_row(_row(v), OKX).scheme for v in _vectors("okx:")}
    assert schemes == {"tron-v1", "tron-v2-tip191"}


@pytest.mark.parametrize(("exchange", "schemes"), [("okx:", OKX), ("htx:", HTX)])
def test_mutations_of_valid_vectors_fail(exchange: str, schemes) -> None:
    valid = [v for v in _vectors(exchange) if v["expect"] == "valid"]
    other = _other_address()
    for vector in valid:
        row = _row(vector)
        assert verify_row(row, schemes).status == RowStatus.VERIFIED
        signature = row.signature1
        body_start = 2 if signature.startswith("0x") else 0
        for position in (body_start + 10, body_start + 80):  # a byte of r, a byte of s
            flipped = signature[:position] + ("1" if signature[position] != "1" else "2") + signature[position + 1 :]
            assert verify_row(replace(row, signature1=flipped), schemes).status == RowStatus.FAILED
        assert verify_row(replace(row, message=row.message + "!"), schemes).status == RowStatus.FAILED
        assert verify_row(replace(row, address=other), schemes).status == RowStatus.FAILED


def _sign(key: PrivateKey, digest: bytes, v_offset: int = 27) -> str:
    signature = key.sign_recoverable(digest, hasher=None)  # r || s || recovery id
    return "0x" + (signature[:64] + bytes([signature[64] + v_offset])).hex()


@pytest.mark.parametrize("digest", [digest_v1, digest_v2])
def test_generated_keys_verify_under_okx(digest) -> None:
    for seed in range(1, 6):
        key = PrivateKey(bytes([seed]) * 32)
        address = addresses.from_public_key(key.public_key)
        message = f"proof of reserves {seed} ✓"
        row = AddressRow(line=seed, coin="TRX", network="TRON", address=address, message=message,
                         signature1=_sign(key, digest(message.encode())))
        proof = verify_row(row, OKX)
        assert proof.status == RowStatus.VERIFIED, proof
        assert proof.scheme == ("tron-v1" if digest is digest_v1 else "tron-v2-tip191")
        # The same signature with v = 0/1: HTX style, which OKX refuses.
        low_v = replace(row, signature1=_sign(key, digest(message.encode()), v_offset=0))
        refused = verify_row(low_v, OKX)
        assert refused.status == RowStatus.FAILED and "v byte" in refused.reason


@pytest.mark.parametrize("digest", [digest_htx_raw, digest_v1])
def test_generated_keys_verify_under_htx_with_low_v(digest) -> None:
    key = PrivateKey(b"\x42" * 32)
    address = addresses.from_public_key(key.public_key)
    row = AddressRow(line=1, coin="TRX", network="TRON", address=address, message="htx",
                     signature1=_sign(key, digest(b"htx"), v_offset=0)[2:])
    assert verify_row(row, HTX).status == RowStatus.VERIFIED
    assert verify_row(row, OKX).status == RowStatus.FAILED


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("", "empty"),
        ("0x0000000000000000000000000000000000000001", "not a TRON address"),
        ("1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2", "prefix 0x00"),
        ("TEjxQjU3CxkFrSDcPfHwZXSuPpCpdQ27Nk", "checksum"),
        ("TEjxQjU3CxkFrSDcPfHwZXSuPpCpdQ27N0", "not a TRON address"),
    ],
)
def test_malformed_addresses_fail_with_a_reason(address: str, reason: str) -> None:
    family = get_family("tron")
    assert family is not None
    with pytest.raises(ValueError, match=reason):
        family.normalize_address(address, OKX_NETWORK)
    row = AddressRow(line=1, coin="TRX", network="TRON", address=address, message="m", signature1="0x" + "11" * 65)
    proof = family.verify_ownership(row, OKX_NETWORK)
    assert proof.status == RowStatus.FAILED and proof.reason


@pytest.mark.parametrize("signature", ["", "0x1234", "zz" * 65, "0x" + "00" * 65])
def test_malformed_signatures_fail(signature: str) -> None:
    row = AddressRow(line=1, coin="TRX", network="TRON", address=_other_address(), message="m",
                     signature1=signature)
    proof = verify_row(row, OKX)
    assert proof.status == RowStatus.FAILED and proof.reason


def test_unknown_scheme_leaves_the_row_unchecked() -> None:
    family = get_family("tron")
    assert family is not None
    network = replace(OKX_NETWORK, params={"ownership_scheme": "binance"})
    row = AddressRow(line=1, coin="TRX", network="TRON", address=_other_address(), message="m", signature1="0x00")
    assert family.verify_ownership(row, network).status == RowStatus.UNCHECKED
