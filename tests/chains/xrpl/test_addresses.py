"""XRP Ledger classic and X-addresses, against published examples of the XRPL address codec (XLS-5)."""

from __future__ import annotations

import base58
import pytest
from coincurve import PublicKey

from chains.xrpl import addresses

# The XRPL genesis account and its master public key (the documented "masterpassphrase" account).
GENESIS_KEY = "0330E7FC9D56BB25D6893BA3F317AE5BCF33B3291BD63DB32654A313222F7FD020"
GENESIS = "rHb9CJAWyB4rj91VRWn96DkukG4bwdtyTh"


def test_classic_address_of_a_key() -> None:
    assert addresses.encode(addresses.account_id(PublicKey(bytes.fromhex(GENESIS_KEY)))) == GENESIS


@pytest.mark.parametrize(
    ("classic", "tag", "x_address"),
    [
        ("rGWrZyQqhTp9Xu7G5Pkayo7bXjH4k4QYpf", 4294967295, "XVLhHMPHU98es4dbozjVtdWzVrDjtV18pX8yuPT7y4xaEHi"),
        ("r9cZA1mLK5R5Am25ArfXFmqgNwjZgnfk59", None, "X7AcgcsBL6XDcUb289X4mJ8djcdyKaB5hJDWMArnXr61cqZ"),
    ],
)
def test_published_x_addresses(classic: str, tag: int | None, x_address: str) -> None:
    account = addresses.decode(classic)
    assert addresses.encode_x_address(account, tag) == x_address
    assert addresses.decode_x_address(x_address) == (account, tag)
    assert addresses.canonical(x_address) == classic


def test_testnet_x_address_is_refused() -> None:
    testnet = "T7oKJ3q7s94kDH6tpkBowhetT1JKfcfdSCmAXbS75iATyLD"  # r3SVzk8ApofDJuVBPKdmbbLjWGCCXpBQ2g, tag 123
    assert addresses.encode_x_address(addresses.decode("r3SVzk8ApofDJuVBPKdmbbLjWGCCXpBQ2g"), 123, True) == testnet
    with pytest.raises(ValueError, match="testnet"):
        addresses.decode(testnet)


def _ripple_check(body: bytes) -> str:
    return base58.b58encode_check(body, alphabet=base58.XRP_ALPHABET).decode()


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("", "empty"),
        ("1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2", "not an XRP Ledger address"),  # Bitcoin alphabet
        (GENESIS[:-1] + "i", "not an XRP Ledger address"),  # checksum
        (_ripple_check(b"\x01" + bytes(20)), "version 0x00"),
        (_ripple_check(b"\x00" + bytes(19)), "version 0x00"),
        (_ripple_check(bytes([0x05, 0x44]) + bytes(20) + b"\x02" + bytes(8)), "only none or a 32-bit tag"),
        (_ripple_check(bytes([0x05, 0x44]) + bytes(20) + b"\x00" + b"\x01" + bytes(7)), "only none or a 32-bit"),
        (_ripple_check(bytes([0x05, 0x45]) + bytes(29)), "prefix 0545"),
    ],
)
def test_malformed_addresses(address: str, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        addresses.decode(address)


def test_x_address_tag_out_of_range() -> None:
    with pytest.raises(ValueError, match="32-bit"):
        addresses.encode_x_address(bytes(20), 2**32)


def _no_decode(*args: object, **kwargs: object) -> bytes:
    raise AssertionError("base58 decoding ran on input the length bound should have refused")


def test_over_long_address_is_refused_before_decoding(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(base58, "b58decode", _no_decode)
    for text in ("r" + "z" * 131071, "X" + "z" * 131071):
        with pytest.raises(ValueError, match="longer than any base58 spelling"):
            addresses.decode(text)
