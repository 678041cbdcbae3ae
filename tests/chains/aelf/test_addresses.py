"""aelf addresses: bare base58check and the ELF_<address>_<chain> full form."""

from __future__ import annotations

import base58
import pytest
from coincurve import PrivateKey

from chains.aelf import addresses
from chains.base import AddressRow, Network, RowStatus
from chains.registry import get_family
from tests.chains.okx_ecdsa_signing import sign_okx_ecdsa

PUBLISHED = "2XNagboftecQgKRtgG8W5zpdRiZWinUfsfZm62a5NmmEVoZG7X"  # OKX crypto_test.go ELF row


def test_bare_and_full_forms() -> None:
    account = addresses.decode(PUBLISHED)
    assert len(account) == 32
    assert addresses.decode(f"ELF_{PUBLISHED}_AELF") == account
    assert addresses.canonical(f" ELF_{PUBLISHED}_AELF ") == PUBLISHED
    assert addresses.decode(f"ELF_{PUBLISHED}_tDVV", chain="tDVV") == account


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("", "empty"),
        (f"ELF_{PUBLISHED}_tDVV", "on chain tDVV, not on AELF"),
        (f"ELF_{PUBLISHED}", "full form"),
        ("ELF__AELF", "empty"),
        (PUBLISHED[:-1] + "Y", "not an aelf address"),
        (base58.b58encode_check(bytes(20)).decode(), "expected 32"),
        ("0x" + "11" * 32, "not an aelf address"),
    ],
)
def test_refused_addresses(address: str, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        addresses.decode(address)


def test_side_chain_network_takes_its_own_full_form() -> None:
    """A registry entry for a side chain (param chain = "tDVV") accepts that chain's full form only."""
    family = get_family("aelf")
    side = Network("ELF-TDVV", "aelf", "aelf dApp chain", "ELF", 8, params={"chain": "tDVV"})
    key = PrivateKey(b"\x21" * 32)
    bare = addresses.encode(addresses.account_of(key.public_key))
    for address, expected in ((f"ELF_{bare}_tDVV", RowStatus.VERIFIED), (f"ELF_{bare}_AELF", RowStatus.FAILED)):
        row = AddressRow(1, "ELF", "ELF-TDVV", address, message="m", signature1=sign_okx_ecdsa(key, "m"))
        assert family.verify_ownership(row, side).status == expected


def _no_decode(*args: object, **kwargs: object) -> bytes:
    raise AssertionError("base58 decoding ran on input the length bound should have refused")


def test_over_long_address_is_refused_before_decoding(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(base58, "b58decode", _no_decode)
    for text in ("z" * 131072, "ELF_" + "z" * 131072 + "_AELF"):
        with pytest.raises(ValueError, match="longer than any base58 spelling"):
            addresses.decode(text)
