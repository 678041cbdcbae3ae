"""verify_sum_proofs over OKX's sum_proof_data folder, and copies of it with one file changed."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from auditor.liabilities.stark import failures as names
from auditor.liabilities.stark.sums import verify_sum_proofs
from tests.conftest import SHARED, needs_shared

PROOFS = SHARED / "okx" / "zk_stark_v1" / "sum_proof_data"
USERS = SHARED / "okx" / "zk_stark_v1" / "user_data"


@pytest.fixture(scope="module")
def published():
    return verify_sum_proofs(needs_shared(PROOFS))


@pytest.fixture
def copied(tmp_path: Path) -> Path:
    return Path(shutil.copytree(needs_shared(PROOFS), tmp_path / "sum_proof_data"))


def edit_values(folder: Path, change) -> None:
    path = folder / "sum_values.json"
    values = json.loads(path.read_text())
    change(values)
    path.write_text(json.dumps(values))


def test_published_folder_verifies(published):
    assert published.ok, published.failures
    assert published.failures == ()
    assert published.proofs_checked == ("batches/a0", "batches/a1", "batches/a2", "batches/b0", "trunk")
    assert len(published.main_coins) == 21 and len(published.total_only_coins) == 130
    assert published.main_coins + published.total_only_coins == tuple(published.sums)
    assert sum(published.sums.values()) == published.total_value
    assert all(check.ok for check in published.checks.values())


def test_published_sums_are_the_user_balances_column_sums(published):
    """Units: the trunk sums are the plain integer sums of the synthetic users' balances."""
    users = [row for n in range(4) for row in json.loads(needs_shared(USERS / f"batch{n}.json").read_text())]
    for coin in ("BTC", "UNI", "ZRX"):
        assert published.sums[coin] == sum(int(user.get(coin, 0)) for user in users)


def test_batch_sums_not_adding_to_trunk_fail(copied):
    def shift(values):  # two total-only coins: the a1 proof itself still verifies, the trunk comparison cannot
        values["ZRX"] += 7
        values["AAVE"] -= 7

    edit_values(copied / "batches" / "a1", shift)
    result = verify_sum_proofs(copied)
    assert not result.ok
    assert all(names.BATCH_TRUNK_SUMS in failure for failure in result.failures), result.failures
    assert {failure.split(": ")[2] for failure in result.failures} == {"ZRX", "AAVE"}
    assert result.checks["batches/a1"].ok


def test_changed_trunk_sum_names_file_and_check(copied):
    def change(values):
        values["BTC"] += 1
        values["total_value"] += 1

    edit_values(copied / "trunk", change)
    result = verify_sum_proofs(copied)
    assert not result.ok
    assert any(f.startswith("trunk/sum_proof.json: constraint: coin boundary") for f in result.failures)
    assert any(f.startswith("trunk/sum_values.json: batch sums vs trunk: BTC") for f in result.failures)
    assert result.sums["BTC"] == published_btc(copied) + 1


def published_btc(folder: Path) -> int:
    return sum(json.loads((folder / "batches" / b / "sum_values.json").read_text())["BTC"]
               for b in ("a0", "a1", "a2", "b0"))


def test_missing_batch_proof_is_reported(copied):
    (copied / "batches" / "a2" / "sum_proof.json").unlink()
    result = verify_sum_proofs(copied)
    assert not result.ok
    assert "batches/a2/sum_proof.json: missing file: not found" in result.failures
    assert "batches/a2" in result.proofs_checked


def test_missing_trunk_gives_no_sums(copied):
    shutil.rmtree(copied / "trunk")
    result = verify_sum_proofs(copied)
    assert not result.ok and result.sums == {} and result.total_value == 0
    assert any(f.startswith("trunk/sum_proof.json: missing file") for f in result.failures)
