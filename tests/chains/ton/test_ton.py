"""TON: standard wallets' StateInit hashes and address forms (chains/ton)."""

from __future__ import annotations

import base64
from dataclasses import replace

import pytest

from auditor.assets import AssetRegistry
from auditor.formats.reader import open_address_file
from auditor.ownership import prove_ownership
from chains.base import Network, RowStatus
from chains.ton import TonFamily, addresses
from chains.ton.wallets import WALLETS, account_id
from tests.chains.ed25519_signing import key, public, signed_row
from tests.conftest import SHARED, needs_shared

TON = Network("TON", "ton", "TON", "TON", 9)
FAMILY = TonFamily()
USDT_MASTER = "EQCxE6mUtQJKFnGfaROTKOt1lZbDiiX1kCixRv7Nw2Id_sDs"

# Computed with tonsdk 1.0.15 (Wallets.ALL[v3r2 / v4r2], workchain 0), which builds the StateInit from the
# wallets' code BOCs: an implementation independent of chains/ton. Key: PyNaCl SigningKey(bytes([1]) * 32).
TONSDK_SEED1 = {
    "v3r2": ("EQCNyniXLqtKjisdPyp-Q8HFY-aW9lu5xa4IRWhM7hODhE64", "UQCNyniXLqtKjisdPyp-Q8HFY-aW9lu5xa4IRWhM7hODhBN9"),
    "v4r2": ("EQDvr_S6wiD4iy6Y6x2c_8yjv-O2bs4xp9bFiQ0w39evpduQ", "UQDvr_S6wiD4iy6Y6x2c_8yjv-O2bs4xp9bFiQ0w39evpYZV"),
}


def _wallet(name: str):
    return next(w for w in WALLETS if w.name == name)


def test_wallet_addresses_match_an_independent_implementation() -> None:
    from nacl.signing import SigningKey

    seed_key = bytes(SigningKey(bytes([1]) * 32).verify_key)
    for name, (bounceable, non_bounceable) in TONSDK_SEED1.items():
        account = account_id(_wallet(name), seed_key)
        assert addresses.encode(account) == bounceable
        assert addresses.encode(account, bounceable=False) == non_bounceable


@pytest.mark.parametrize("wallet", [w.name for w in WALLETS])
def test_generated_keys_verify_in_every_form(wallet: str) -> None:
    for seed in (1, 2):
        account = account_id(_wallet(wallet), public(key(seed)))
        forms = [addresses.encode(account), addresses.encode(account, bounceable=False), f"0:{account.hex()}",
                 f"0:{account.hex().upper()}"]
        forms.append(forms[0].replace("-", "+").replace("_", "/"))  # standard base64 spelling
        for address in forms:
            proof = FAMILY.verify_ownership(signed_row(key(seed), "TON", address), TON)
            assert proof.status == RowStatus.VERIFIED and proof.scheme.endswith(wallet), (address, proof)
            assert FAMILY.normalize_address(address, TON) == f"0:{account.hex()}"  # EQ/UQ/raw: one account
        other = FAMILY.verify_ownership(signed_row(key(seed + 10), "TON", forms[0]), TON)
        assert other.status == RowStatus.FAILED and "none of the signer's wallets" in other.reason


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("", "empty"),
        ("EQCxE6mUtQJKFnGfaROTKOt1lZbDiiX1kCixRv7Nw2Id_sDt", "checksum"),
        ("-1:" + "ab" * 32, "workchain -1"),
        ("0:" + "ab" * 31, "neither"),
        ("EQCxE6mUtQJKFnGfaROTKOt1lZbDiiX1kCixRv7Nw2Id_sD", "neither"),
        # the workchain is 0 or -1 in ASCII digits: no signed zero, padding, Unicode digits or other numbers
        ("-0:" + "ab" * 32, "neither"),
        ("000:" + "ab" * 32, "neither"),
        ("\u0660:" + "ab" * 32, "neither"),
        ("\uff10:" + "ab" * 32, "neither"),
        ("1" * 5000 + ":" + "ab" * 32, "neither"),
    ],
)
def test_malformed_addresses(address: str, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        addresses.decode(address)
    proof = FAMILY.verify_ownership(signed_row(key(1), "TON", address), TON)
    assert proof.status == RowStatus.FAILED and proof.reason.startswith("field 'address'")


def _friendly(tag: int, account: bytes) -> str:
    body = bytes([tag, 0]) + account
    return base64.urlsafe_b64encode(body + addresses.crc16_xmodem(body).to_bytes(2, "big")).decode()


def test_testnet_and_unknown_tags_are_refused() -> None:
    account = bytes(range(32))
    assert addresses.decode(_friendly(addresses.NON_BOUNCEABLE, account)).form == "non-bounceable"
    with pytest.raises(ValueError, match="testnet"):
        addresses.decode(_friendly(addresses.BOUNCEABLE | addresses.TESTNET_FLAG, account))
    with pytest.raises(ValueError, match="tag"):
        addresses.decode(_friendly(0x22, account))


def test_usdt_jetton_master_is_a_valid_address() -> None:
    parsed = addresses.decode(USDT_MASTER)
    assert parsed.raw == "0:b113a994b5024a16719f69139328eb759596c38a25f59028b146fecdc3621dfe"
    token = AssetRegistry.load().resolve("USDT-TON", "TON")
    assert token is not None and token.contract == USDT_MASTER and token.decimals == 6


def test_okx_example_file_ton_row_verifies() -> None:
    path = needs_shared(SHARED / "okx" / "okx_por_example.csv")
    registry = AssetRegistry.load()
    rows = [r for r in open_address_file(path).rows() if r.network == "TON"]
    assert [r.coin for r in rows] == ["USDT-TON"]
    result = prove_ownership(rows[0], registry)
    assert result.status == RowStatus.VERIFIED and result.scheme == "okx-ed25519-ton-highload-v3", result.reason
    assert result.query is not None and result.query.contract == USDT_MASTER
    flipped = replace(rows[0], message=rows[0].message + ".")
    assert prove_ownership(flipped, registry).status == RowStatus.FAILED
