"""User inclusion proofs: every shared OKX proof verifies, a changed balance or nonce does not; the CLI answers
yes/no with exit 0/1, and 2 naming file and field for bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from auditor.cli import main
from auditor.liabilities.errors import ProofInputError
from auditor.liabilities.inclusion import verify_inclusion
from tests.auditor.liabilities.builders import fake_leaf, okx_v1_leaf, okx_v1_proof, write_okx_tree
from tests.conftest import SHARED, needs_shared

OKX = SHARED / "okx"
STARK_PROOFS = sorted((OKX / "zk_stark_v1" / "inclusion_proof_data").glob("*/user_*_inclusion_proof.json"))


def _edited(tmp_path: Path, source: Path, edit) -> Path:
    data = json.loads(source.read_text())
    edit(data)
    path = tmp_path / source.name
    path.write_text(json.dumps(data))
    return path


# The roots OKX's example publishes beside these proofs (what a user compares with)
V1_ROOT = "ac6b39d2a0aa8112bd1aadff5e7d4b5c2b91cd54d595262ba4367f5d2db4160d"
STARK_TRUNK_ROOT = "6119b687c0c58ebffd019d416ae9eb0e47b40b8e32f26bfcd63f8a9fda0e3bba"


def test_okx_v1_verifies_and_reaches_the_published_root():
    proof = needs_shared(OKX / "merkle_proof_file.json")
    result = verify_inclusion(proof, root=V1_ROOT)
    assert result.included, result.reason
    assert result.format == "okx-v1"
    assert result.details["root"] == json.loads(proof.read_text())["path"][-1]["hash"]
    other_snapshot = verify_inclusion(proof, OKX / "full-liabilities-merkle-tree.txt")  # a different snapshot's tree
    assert not other_snapshot.included and "is not the root of" in other_snapshot.reason


def test_a_proof_is_yes_only_when_anchored_to_a_published_root():
    proof = needs_shared(OKX / "merkle_proof_file.json")
    unanchored = verify_inclusion(proof)
    assert not unanchored.included and unanchored.reason.startswith("not anchored") and V1_ROOT in unanchored.reason
    other = verify_inclusion(proof, root="0x" + "ab" * 32)
    assert not other.included and "not the published root" in other.reason
    if STARK_PROOFS:
        assert not verify_inclusion(STARK_PROOFS[0]).included
        assert not verify_inclusion(STARK_PROOFS[0], root="00" * 32).included


@pytest.mark.parametrize("edit", [
    lambda d: d["self"]["balances"].update(USDT="19398.33550813"),
    lambda d: d["self"].update(nonce="0" + d["self"]["nonce"][1:]),
    lambda d: d["path"][5]["balances"].update(BTC="0.00001875"),
    lambda d: d["path"][3].update(type=2),
    lambda d: d["path"][-1]["balances"].update(ETH="939953.49090362"),
    lambda d: d["path"].pop(7),
    lambda d: d["self"].update(type=7),  # not a side at all
])
def test_okx_v1_changed_balance_nonce_or_path_fails(tmp_path, edit):
    proof = _edited(tmp_path, needs_shared(OKX / "merkle_proof_file.json"), edit)
    result = verify_inclusion(proof)
    assert not result.included
    assert str(proof) in result.reason


def test_okx_v2_verifies_against_the_full_tree():
    result = verify_inclusion(needs_shared(OKX / "user_info_file.json"), OKX / "full-liabilities-merkle-tree.txt")
    assert result.included, result.reason
    assert result.details["user BTC"] == "0.00005"


@pytest.mark.parametrize("edit, why", [
    (lambda d: d["nodes"][0]["balances"].update(BTC="0.0000488"), "nodes[0]"),
    (lambda d: d.update(nonce="1" + d["nonce"][1:]), "field 'hash'"),
    (lambda d: d["totalBalances"].update(BTC="0.00006"), "field 'hash'"),
    (lambda d: d["nodes"].pop(), "totalBalances"),
])
def test_okx_v2_changed_balance_or_nonce_fails(tmp_path, edit, why):
    proof = _edited(tmp_path, needs_shared(OKX / "user_info_file.json"), edit)
    result = verify_inclusion(proof, OKX / "full-liabilities-merkle-tree.txt")
    assert not result.included
    assert why in result.reason


def test_okx_v2_leaf_missing_from_the_tree_fails(tmp_path):
    tree_lines = needs_shared(OKX / "full-liabilities-merkle-tree.txt").read_text().splitlines(keepends=True)
    # line 40 holds one of the user's leaves; give it another user's leaf hash (the tree then fails too)
    tree_lines[39] = tree_lines[39].replace("9efbc1a6", "9efbc1a7")
    tree = tmp_path / "tree.txt"
    tree.write_text("".join(tree_lines))
    result = verify_inclusion(OKX / "user_info_file.json", tree)
    assert not result.included
    assert "tree.txt:" in result.reason


def test_all_60_stark_inclusion_proofs_verify():
    if not STARK_PROOFS:
        needs_shared(OKX / "zk_stark_v1" / "inclusion_proof_data")
    assert len(STARK_PROOFS) == 60
    trunk_roots = set()
    for proof in STARK_PROOFS:
        result = verify_inclusion(proof, root=STARK_TRUNK_ROOT)
        assert result.included, (proof, result.reason)
        trunk_roots.add(result.details["trunk root"])
    assert len(trunk_roots) == 1  # every batch hangs under the same trunk


@pytest.mark.parametrize("edit, why", [
    (lambda d: d["batch_inclusion_proof"].update(BTC=d["batch_inclusion_proof"]["BTC"] + 1), "total_value"),
    (lambda d: d["batch_inclusion_proof"].update(BTC=d["batch_inclusion_proof"]["BTC"] + 1,
                                                 total_value=d["batch_inclusion_proof"]["total_value"] + 1),
     "merkle_path"),
    (lambda d: d["batch_inclusion_proof"].update(random_number="00" + d["batch_inclusion_proof"]["random_number"][2:]),
     "merkle_path"),
    (lambda d: d["batch_inclusion_proof"].update(user_index=d["batch_inclusion_proof"]["user_index"] ^ 1),
     "batch_mtree_root"),
    (lambda d: d["trunk_inclusion_proof"].update(random_number="11" + d["trunk_inclusion_proof"]["random_number"][2:]),
     "trunk_inclusion_proof"),
])
def test_stark_changed_balance_or_nonce_fails(tmp_path, edit, why):
    if not STARK_PROOFS:
        needs_shared(OKX / "zk_stark_v1" / "inclusion_proof_data")
    for source in (STARK_PROOFS[0], STARK_PROOFS[-1]):
        proof = _edited(tmp_path, source, edit)
        result = verify_inclusion(proof, root=STARK_TRUNK_ROOT)
        assert not result.included
        assert why in result.reason, result.reason


def test_cli_yes_no_and_bad_input(tmp_path, capsys):
    proof = needs_shared(OKX / "merkle_proof_file.json")
    assert main(["verify-inclusion", str(proof), "--root", V1_ROOT]) == 0
    assert capsys.readouterr().out.startswith("yes (okx-v1)")
    assert main(["verify-inclusion", str(proof)]) == 1
    assert capsys.readouterr().out.startswith("no (okx-v1): not anchored")
    bad = _edited(tmp_path, proof, lambda d: d["self"]["balances"].update(BTC="2"))
    assert main(["verify-inclusion", str(bad), "--root", V1_ROOT]) == 1
    assert capsys.readouterr().out.startswith("no (okx-v1)")
    broken = _edited(tmp_path, proof, lambda d: d["self"]["balances"].update(BTC="two"))
    assert main(["verify-inclusion", str(broken)]) == 2
    assert f"{broken}: self: field 'balances.BTC'" in capsys.readouterr().err
    assert main(["verify-inclusion", str(OKX / "user_info_file.json")]) == 2
    assert "--tree" in capsys.readouterr().err


def test_unknown_or_unreadable_proof_is_bad_input(tmp_path):
    unknown = tmp_path / "x.json"
    unknown.write_text('{"hello": 1}')
    with pytest.raises(ProofInputError, match="not a known inclusion proof"):
        verify_inclusion(unknown)
    unknown.write_text("{")
    with pytest.raises(ProofInputError, match="not valid JSON"):
        verify_inclusion(unknown)
    with pytest.raises(ProofInputError, match="cannot read"):
        verify_inclusion(tmp_path / "none.json")


@pytest.mark.parametrize("count, index", [(2, 0), (2, 1), (5, 4), (5, 1), (11, 10), (11, 7), (64, 33)])
def test_okx_v1_generated_proofs_verify_against_their_tree(tmp_path, count, index):
    """Proofs built from a generated tree: left and right siblings, padding (type 4) siblings, and the path's root
    checked against the full tree with --tree."""
    nonces = [f"{i:064x}" for i in range(count)]
    leaves = [(okx_v1_leaf(n, fake_leaf(i)[1]), fake_leaf(i)[1]) for i, n in enumerate(nonces)]
    tree = write_okx_tree(tmp_path / "tree.txt", leaves)
    proof = tmp_path / "proof.json"
    proof.write_text(json.dumps(okx_v1_proof(leaves, index, nonces[index])))
    result = verify_inclusion(proof, tree)
    assert result.included, result.reason
    last_hash, last_values = leaves[-1]
    other = write_okx_tree(tmp_path / "other.txt", [*leaves[:-1], (last_hash, (last_values[0] + 1, *last_values[1:]))])
    assert not verify_inclusion(proof, other).included
    data = okx_v1_proof(leaves, index, nonces[index])
    data["self"]["nonce"] = nonces[(index + 1) % count]
    proof.write_text(json.dumps(data))
    assert not verify_inclusion(proof).included
