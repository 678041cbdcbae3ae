"""Conflux CIP-37 addresses: short and verbose forms, and refusals (network, type, case, hex)."""

from __future__ import annotations

import pytest
from cfx_address import Base32Address

from chains.conflux import addresses

PUBLISHED = "cfx:aameksd3gwvmtduc861ym2uzkfaawu9566k0jnte55"  # OKX crypto_test.go CFX rows
ACCOUNT = bytes.fromhex("1444b87934a2a78e02f72f45621549400943fbe7")


def test_short_and_verbose_forms() -> None:
    assert addresses.decode(PUBLISHED) == ACCOUNT
    verbose = "CFX:TYPE.USER:AAMEKSD3GWVMTDUC861YM2UZKFAAWU9566K0JNTE55"
    assert addresses.decode(verbose) == ACCOUNT
    assert addresses.canonical(verbose) == PUBLISHED
    assert addresses.decode("cfx:type.user:aameksd3gwvmtduc861ym2uzkfaawu9566k0jnte55") == ACCOUNT
    assert addresses.encode(ACCOUNT) == PUBLISHED


def test_user_type_nibble_is_forced() -> None:
    from coincurve import PrivateKey

    from chains.signing.secp256k1 import eth_address_bytes

    key = PrivateKey(b"\x44" * 32).public_key
    account = addresses.account_of(key)
    assert account[0] >> 4 == 1 and account[0] & 0x0F == eth_address_bytes(key)[0] & 0x0F
    assert account[1:] == eth_address_bytes(key)[1:]


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("", "empty"),
        ("0x1444b87934a2a78e02f72f45621549400943fbe7", "hex address"),
        ("cfx:type.contract:aameksd3gwvmtduc861ym2uzkfaawu9566k0jnte55", "not a Conflux address"),
        (Base32Address.encode_base32("0x8444b87934a2a78e02f72f45621549400943fbe7", 1029), "contract address"),
        (Base32Address.encode_base32("0x1444b87934a2a78e02f72f45621549400943fbe7", 1), "network 1, not 1029"),
        ("CFX:aameksd3gwvmtduc861ym2uzkfaawu9566k0jnte55", "not a Conflux address"),  # mixed case
        (PUBLISHED[:-1] + "6", "not a Conflux address"),  # checksum
    ],
)
def test_refused_addresses(address: str, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        addresses.decode(address)
