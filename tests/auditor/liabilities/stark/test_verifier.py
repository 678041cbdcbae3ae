"""verify_stark_proof on OKX's published proofs, and on copies with one value changed."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from auditor.liabilities.stark import failures as names
from auditor.liabilities.stark.verifier import ProofCheck, verify_stark_proof
from tests.conftest import SHARED, needs_shared

PROOFS = SHARED / "okx" / "zk_stark_v1" / "sum_proof_data"
NAMES = ["batches/a0", "batches/a1", "batches/a2", "batches/b0", "trunk"]


def load(name: str) -> tuple[dict[str, Any], dict[str, Any]]:
    folder = needs_shared(PROOFS / name)
    return (json.loads((folder / "sum_proof.json").read_text()), json.loads((folder / "sum_values.json").read_text()))


@pytest.fixture(scope="module")
def a0() -> tuple[dict[str, Any], dict[str, Any]]:
    return load("batches/a0")


def checks_of(result: ProofCheck) -> set[str]:
    return {failure.check for failure in result.failures}


def flip_hex(value: str, at: int = 40) -> str:
    return value[:at] + ("1" if value[at] == "0" else "0") + value[at + 1:]


def mutated(a0, change_proof=None, change_sums=None) -> ProofCheck:
    proof, sums = copy.deepcopy(a0[0]), dict(a0[1])
    if change_proof:
        change_proof(proof)
    if change_sums:
        change_sums(sums)
    return verify_stark_proof(proof, sums)


@pytest.mark.parametrize("name", NAMES)
def test_published_proof_verifies(name):
    proof, sums = load(name)
    result = verify_stark_proof(proof, sums)
    assert result.ok, [str(f) for f in result.failures]
    assert result.failures == ()
    assert result.work_bits >= 20
    assert result.main_coin_count == 21  # the opened rows are 1 + 151 + 1 + 4 + 2·21 words wide
    assert result.main_coins[0] == "BTC" and result.main_coins[-1] == "UNI"
    assert result.steps in (256, 512) and result.uts in (16, 32)
    assert len(result.spot_positions) == 16 and all(p % 16 for p in result.spot_positions)


def test_changed_last_fri_value_fails_the_last_layer(a0):
    def change(proof):
        last = proof["low_degree_proof"][-1]
        last[5] = flip_hex(last[5], 60)

    result = mutated(a0, change)
    assert not result.ok
    assert names.FRI_LAST_ROOT in checks_of(result) and names.FRI_LAST_DEGREE in checks_of(result)
    assert names.PROOF_OF_WORK not in checks_of(result)


def test_changed_fri_column_value_fails_its_opening(a0):
    def change(proof):
        branch = proof["low_degree_proof"][1][1][3]
        branch[0] = flip_hex(branch[0], 60)

    result = mutated(a0, change)
    assert checks_of(result) == {names.FRI_COLUMN_OPENING}
    assert any("layer 1, sample 3" in str(f) for f in result.failures)


def test_changed_fri_row_value_fails_its_opening(a0):
    def change(proof):
        branch = proof["low_degree_proof"][0][2][9]
        branch[0] = flip_hex(branch[0], 60)

    result = mutated(a0, change)
    assert checks_of(result) == {names.FRI_ROW_OPENING}
    assert any("layer 0, branch 9" in str(f) for f in result.failures)


def test_changed_merkle_branch_node_fails_the_trace_opening(a0):
    def change(proof):
        branch = proof["mtree_branches"][6]
        level = next(i for i in range(1, len(branch)) if branch[i])
        branch[level] = flip_hex(branch[level])

    result = mutated(a0, change)
    assert checks_of(result) == {names.TRACE_OPENING}
    assert any("branch 6 " in str(f) for f in result.failures)


def test_changed_combination_branch_node_fails_its_opening(a0):
    def change(proof):
        branch = proof["l_mtree_branches"][2]
        level = next(i for i in range(1, len(branch)) if branch[i])
        branch[level] = flip_hex(branch[level])

    result = mutated(a0, change)
    assert names.COMBINATION_OPENING in checks_of(result)
    assert any(f.check == names.COMBINATION_OPENING and "spot 2 " in f.detail for f in result.failures)


def test_changed_row_data_fails_the_entry_hash(a0):
    def change(proof):
        entries = proof["mtree_entries_data"]
        entries[4] = flip_hex(entries[4], 100)  # spot 1: a coin balance at x

    result = mutated(a0, change)
    assert names.TRACE_ENTRY in checks_of(result)
    assert any("mtree_entries_data[4]" in str(f) for f in result.failures)


def test_changed_nonce_fails_the_proof_of_work(a0):
    result = mutated(a0, lambda proof: proof.__setitem__("pow_nonce", flip_hex(proof["pow_nonce"], 63)))
    assert names.PROOF_OF_WORK in checks_of(result)
    assert names.LINEAR_COMBINATION in checks_of(result)  # the nonce also seeds the combination weights


def test_changed_main_coin_sum_fails_its_boundary_constraint(a0):
    def change(sums):
        sums["ETH"] += 1
        sums["USDT"] -= 1  # total unchanged: only the per-coin constraints can notice

    result = mutated(a0, change_sums=change)
    assert checks_of(result) == {names.COIN_BOUNDARY}
    assert {f.detail.split("), coin ")[1].split(":")[0] for f in result.failures} == {"1 (ETH)", "2 (USDT)"}


def test_changed_total_fails_the_total_boundary_constraint(a0):
    def change(sums):
        sums["ZRX"] += 5  # a total-only coin, so its column is not constrained: only the total is
        sums["total_value"] += 5

    result = mutated(a0, change_sums=change)
    assert checks_of(result) == {names.TOTAL_BOUNDARY}


def test_sums_not_adding_to_total_fail_the_sum_values_check(a0):
    result = mutated(a0, change_sums=lambda sums: sums.__setitem__("ZRX", sums["ZRX"] + 1))
    assert names.SUM_VALUES in checks_of(result)
    assert any(f.file == "sum_values.json" for f in result.failures)


def test_total_only_coins_are_not_individually_bound(a0):
    """What the proof does not prove: shifting an amount between two coins outside the main coins."""
    def change(sums):
        sums["ZRX"] += 1000
        sums["AAVE"] -= 1000

    assert mutated(a0, change_sums=change).ok


def test_oversized_user_trace_is_refused(a0):
    """uts large enough that a 'non-negative' total could wrap around p makes the range check meaningless."""
    result = mutated(a0, lambda proof: proof.__setitem__("uts", 128))
    assert names.FORMAT in checks_of(result)
    assert any("wrap around" in f.detail for f in result.failures)


def test_missing_field_is_a_format_failure_naming_it(a0):
    result = mutated(a0, lambda proof: proof.pop("l_mtree_branches"))
    assert not result.ok and checks_of(result) == {names.FORMAT}
    assert "l_mtree_branches" in str(result.failures[0])


def test_truncated_row_is_a_format_failure(a0):
    result = mutated(a0, lambda proof: proof["mtree_entries_data"].__setitem__(8, proof["mtree_entries_data"][8][:-2]))
    assert checks_of(result) == {names.FORMAT}
    assert "mtree_entries_data[8]" in str(result.failures[0])


def test_expected_main_coin_count_is_enforced(a0):
    result = verify_stark_proof(a0[0], a0[1], expected_main_coins=22)
    assert not result.ok and checks_of(result) == {names.FORMAT}
    assert "21 main coins, 22 expected" in result.failures[0].detail


def test_label_prefixes_the_file_in_failures(a0):
    sums = dict(a0[1], total_value=a0[1]["total_value"] + 1)
    result = verify_stark_proof(a0[0], sums, label="batches/a0")
    assert {f.file for f in result.failures} == {"batches/a0/sum_values.json", "batches/a0/sum_proof.json"}
    assert str(result.failures[0]).startswith("batches/a0/sum_values.json: sum values: ")
