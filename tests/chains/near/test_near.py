"""NEAR: implicit accounts bound, named accounts left to the chain (chains/near)."""

from __future__ import annotations

from dataclasses import replace

import base58
import pytest

from auditor.assets import AssetRegistry
from auditor.ownership import OwnershipPolicy, prove_ownership
from chains.base import Network, RowStatus
from chains.near import NearFamily, accounts
from tests.chains.ed25519_signing import key, public, signed_row

NEAR = Network("NEAR", "near", "NEAR Protocol", "NEAR", 24)
FAMILY = NearFamily()


def test_implicit_accounts_verify_with_hex_or_near_keys() -> None:
    for seed in (1, 2):
        account = public(key(seed)).hex()
        row = signed_row(key(seed), "NEAR", account)
        proof = FAMILY.verify_ownership(row, NEAR)
        assert proof.status == RowStatus.VERIFIED and proof.binds_address and proof.scheme.endswith("implicit")
        near_form = replace(row, script="ed25519:" + base58.b58encode(public(key(seed))).decode())
        assert FAMILY.verify_ownership(near_form, NEAR).status == RowStatus.VERIFIED
        other = FAMILY.verify_ownership(replace(row, address=public(key(seed + 5)).hex()), NEAR)
        assert other.status == RowStatus.FAILED and "is not the signer's key" in other.reason


def test_named_accounts_are_not_bound_offline() -> None:
    row = signed_row(key(3), "NEAR", "okx-reserves.near")
    proof = FAMILY.verify_ownership(row, NEAR)
    assert proof.status == RowStatus.UNCHECKED and proof.scheme.endswith("named")
    assert f"signature valid for NEAR key {public(key(3)).hex()}" in proof.reason
    assert "full-access key of named account okx-reserves.near" in proof.reason and "needs the chain" in proof.reason
    for trust in (False, True):  # trust_owner_mode is for contract wallets proven by owners, not named accounts
        result = prove_ownership(row, AssetRegistry.load(), proof, OwnershipPolicy(trust_owner_mode=trust))
        assert result.status == RowStatus.UNCHECKED and "signature valid for NEAR key" in result.reason
    bad_signature = FAMILY.verify_ownership(replace(row, message="other"), NEAR)
    assert bad_signature.status == RowStatus.FAILED


@pytest.mark.parametrize("account", ["", "a", "Alice.near", "alice..near", ".near", "alice.near.", "a" * 65,
                                     "al ice.near", "-alice.near", public(key(1)).hex().upper()])
def test_invalid_account_ids(account: str) -> None:
    with pytest.raises(ValueError):
        accounts.check_account_id(account)
    proof = FAMILY.verify_ownership(signed_row(key(1), "NEAR", account), NEAR)
    assert proof.status == RowStatus.FAILED and proof.reason.startswith("field 'address'")


@pytest.mark.parametrize(("script", "reason"), [("ed25519:0OIl", "base58"), ("ed25519:abc", "bytes"),
                                                ("0x12", "hex digits")])
def test_malformed_keys(script: str, reason: str) -> None:
    row = replace(signed_row(key(1), "NEAR", public(key(1)).hex()), script=script)
    proof = FAMILY.verify_ownership(row, NEAR)
    assert proof.status == RowStatus.FAILED and "field 'script'" in proof.reason and reason in proof.reason


def _no_decode(*args: object, **kwargs: object) -> bytes:
    raise AssertionError("base58 decoding ran on input the length bound should have refused")


def test_over_long_base58_key_is_refused_before_decoding(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(base58, "b58decode", _no_decode)
    with pytest.raises(ValueError, match="longer than any base58 spelling"):
        accounts.parse_public_key("ed25519:" + "z" * 131072)


def test_implicit_account_proof_says_access_keys_can_change_on_chain() -> None:
    row = signed_row(key(6), "NEAR", public(key(6)).hex())
    for script in (row.script, ""):  # the key from the script column, or from the id when that is empty
        proof = FAMILY.verify_ownership(replace(row, script=script), NEAR)
        assert proof.status == RowStatus.VERIFIED
        assert "access keys can be added or deleted on chain; not checked offline" in proof.reason
