"""BitMEX's Maxwell tree: a tree built here with real HMAC leaves verifies, the account's split leaves are found
and summed, and a changed leaf (value, hash) or a wrong nonce fails."""

from __future__ import annotations

import json
import random
import re
import secrets
from pathlib import Path

import pytest

from auditor.liabilities.bitmex import verify_bitmex_tree
from auditor.liabilities.errors import ProofRejected
from auditor.liabilities.inclusion import verify_inclusion
from tests.auditor.liabilities.builders import bitmex_leaf, bitmex_sub_nonce, bitmex_tree_text

HEIGHT = 812_345
ACCOUNT = 1234


@pytest.fixture()
def tree(tmp_path):
    """16 leaves: account 1234's 0.1 BTC split over 4 leaves (by its account nonce), the rest other accounts'."""
    rng = random.Random(7)
    account_nonce = secrets.token_bytes(32)
    mine = bitmex_sub_nonce(account_nonce, HEIGHT, ACCOUNT)
    splits = [2_500_000, 4_000_000, 3_000_000, 500_000]
    leaves = [(mine, sats) for sats in splits]
    for other in range(12):
        leaves.append((bitmex_sub_nonce(secrets.token_bytes(32), HEIGHT, 5000 + other), rng.randint(1, 10**9)))
    rng.shuffle(leaves)
    path = tmp_path / "liabilities.txt"
    path.write_text(bitmex_tree_text(leaves, HEIGHT))
    return {"path": path, "account_nonce": account_nonce, "nonce": mine, "total": sum(s for _k, s in leaves),
            "leaves": leaves}


def _proof(tmp_path: Path, **fields) -> Path:
    path = tmp_path / "me.json"
    path.write_text(json.dumps({"account": ACCOUNT} | fields))
    return path


def test_tree_verifies_with_exact_total(tree):
    verified = verify_bitmex_tree(tree["path"])
    assert verified.total_sats == tree["total"]
    assert verified.leaves == 16 and verified.block_height == HEIGHT


def test_account_leaves_found_by_nonce_and_by_account_nonce(tree, tmp_path):
    for fields in ({"nonce": tree["nonce"].hex()}, {"account_nonce": tree["account_nonce"].hex()}):
        result = verify_inclusion(_proof(tmp_path, balance=10_000_000, **fields), tree["path"])
        assert result.included, result.reason
        assert result.details["user satoshis"] == "10000000"
        assert "4 leaves" in result.reason


def test_wrong_nonce_or_balance_is_no(tree, tmp_path):
    result = verify_inclusion(_proof(tmp_path, nonce=secrets.token_hex(32)), tree["path"])
    assert not result.included and "no leaf" in result.reason
    result = verify_inclusion(_proof(tmp_path, nonce=tree["nonce"].hex(), balance=10_000_001), tree["path"])
    assert not result.included and "not the 10000001 expected" in result.reason


@pytest.mark.parametrize("line", [2, 3, 9, 17, 32])  # root, inner nodes, first and last leaf
def test_changed_value_or_hash_anywhere_fails(tree, tmp_path, line):
    lines = tree["path"].read_text().splitlines()
    digest, sats = lines[line - 1].split(",")
    flipped = digest[:10] + ("0" if digest[10] != "0" else "1") + digest[11:]
    for changed in (f"{digest},{int(sats) + 1}", f"{flipped},{sats}"):
        edited = tmp_path / "edited.txt"
        edited.write_text("\n".join([*lines[:line - 1], changed, *lines[line:]]) + "\n")
        with pytest.raises(ProofRejected) as caught:
            verify_bitmex_tree(edited)
        assert re.search(rf"\b{line}\b", str(caught.value)), caught.value  # the line or its parent's names it
        result = verify_inclusion(_proof(tmp_path, nonce=tree["nonce"].hex()), edited)
        assert not result.included


def test_changed_leaf_of_the_account_fails_even_in_a_consistent_tree(tree, tmp_path):
    """One of the account's leaves gets 1 satoshi more and every node above is re-hashed: the tree itself now
    verifies, but the leaf's HMAC no longer matches, so the account's balance is not proven."""
    digests = [(bitmex_leaf(key, sats, i), sats) for i, (key, sats) in enumerate(tree["leaves"])]
    index = next(i for i, (key, _s) in enumerate(tree["leaves"]) if key == tree["nonce"])
    digests[index] = (digests[index][0], digests[index][1] + 1)
    edited = tmp_path / "edited.txt"
    edited.write_text(bitmex_tree_text(digests, HEIGHT, hashed=True))
    assert verify_bitmex_tree(edited).total_sats == tree["total"] + 1
    result = verify_inclusion(_proof(tmp_path, nonce=tree["nonce"].hex(), balance=10_000_000), edited)
    assert not result.included
    assert "3 leaves sum to" in result.reason
