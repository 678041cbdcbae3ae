"""Verify a whole OKX zk-STARK v1 `sum_proof_data/` folder: every batch proof, the trunk proof, and that the
published batch sums add up to the trunk's."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any

from auditor.liabilities.stark import failures as names
from auditor.liabilities.stark.failures import PROOF_FILE, VALUES_FILE
from auditor.liabilities.stark.verifier import ProofCheck, verify_stark_proof

TRUNK = "trunk"


@dataclass(frozen=True)
class StarkSumsResult:
    """What a folder of OKX STARK sum proofs establishes. Integers are the published ones, in the exchange's
    own per-coin integer unit (see the package docstring: the example data does not say which)."""

    ok: bool
    failures: tuple[str, ...]  # empty when ok; each names the file and the check
    sums: Mapping[str, int]  # the trunk's per-coin sums, as published
    total_value: int
    main_coins: tuple[str, ...]  # coins whose sums every proof constrains one by one
    total_only_coins: tuple[str, ...]  # coins only bound through total_value
    proofs_checked: tuple[str, ...]  # e.g. ("batches/a0", ..., "trunk"), whether or not each passed
    checks: Mapping[str, ProofCheck] | None = None  # per proof, for reports


def _load(path: Path) -> tuple[Any, str]:
    try:
        return json.loads(path.read_text(encoding="utf-8")), ""
    except FileNotFoundError:
        return None, f"{names.MISSING_FILE}: not found"
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        return None, f"{names.FORMAT}: not readable JSON ({error})"


def verify_proof_folder(folder: Path, label: str) -> ProofCheck | list[str]:
    """One proof folder (sum_proof.json + sum_values.json): its ProofCheck, or why the files cannot be read."""
    proof, proof_problem = _load(folder / PROOF_FILE)
    values, values_problem = _load(folder / VALUES_FILE)
    problems = [f"{label}/{name}: {problem}" for name, problem in ((PROOF_FILE, proof_problem),
                                                                   (VALUES_FILE, values_problem)) if problem]
    return problems or verify_stark_proof(proof, values, label=label)


def verify_sum_proofs(folder: Path) -> StarkSumsResult:
    """Verify `folder` = OKX's `sum_proof_data/`: `batches/<name>/` for each batch, and `trunk/`."""
    folder = Path(folder)
    batches_dir = folder / "batches"
    batch_names = sorted(p.name for p in batches_dir.iterdir() if p.is_dir()) if batches_dir.is_dir() else []
    labels = [f"batches/{name}" for name in batch_names] + [TRUNK]
    failures: list[str] = []
    if not batch_names:
        failures.append(f"{batches_dir}: {names.MISSING_FILE}: no batch proof folders")
    checks: dict[str, ProofCheck] = {}
    for label in labels:
        outcome = verify_proof_folder(folder / label, label)
        if isinstance(outcome, list):
            failures += outcome
            continue
        checks[label] = outcome
        failures += [str(failure) for failure in outcome.failures]
    trunk = checks.get(TRUNK)
    trunk_sums = trunk.sums if trunk else None
    failures += _compare_with_trunk(checks, [f"batches/{name}" for name in batch_names])
    if trunk_sums is None:
        return StarkSumsResult(False, tuple(failures), MappingProxyType({}), 0, (), (), tuple(labels),
                               MappingProxyType(checks))
    main_count = min(check.main_coin_count for check in checks.values())
    coins = trunk_sums.coins
    return StarkSumsResult(not failures, tuple(failures), MappingProxyType(trunk_sums.as_mapping()),
                           trunk_sums.total, coins[:main_count], coins[main_count:], tuple(labels),
                           MappingProxyType(checks))


def _compare_with_trunk(checks: Mapping[str, ProofCheck], batch_labels: list[str]) -> list[str]:
    """Exact integer sums (not modulo p): each trunk coin sum and the total must equal the batches' sums."""
    trunk = checks.get(TRUNK)
    if trunk is None or trunk.sums is None:
        return [f"{TRUNK}/{VALUES_FILE}: {names.BATCH_TRUNK_SUMS}: no readable trunk sums to compare with"]
    found = []
    batch_sums = {label: checks[label].sums for label in batch_labels if label in checks}
    unreadable = [label for label in batch_labels if batch_sums.get(label) is None]
    if unreadable:
        return [f"{TRUNK}/{VALUES_FILE}: {names.BATCH_TRUNK_SUMS}: not compared, unreadable sums in "
                f"{', '.join(unreadable)}"]
    for label, sums in batch_sums.items():
        assert sums is not None
        if sums.coins != trunk.sums.coins:
            found.append(f"{label}/{VALUES_FILE}: {names.BATCH_TRUNK_SUMS}: coins (or their order) differ from "
                         "the trunk's")
    if found:
        return found
    for index, coin in enumerate(trunk.sums.coins):
        added = sum(sums.values[index] for sums in batch_sums.values() if sums is not None)
        if added != trunk.sums.values[index]:
            found.append(f"{TRUNK}/{VALUES_FILE}: {names.BATCH_TRUNK_SUMS}: {coin}: batches add up to {added}, "
                         f"the trunk publishes {trunk.sums.values[index]}")
    added_total = sum(sums.total for sums in batch_sums.values() if sums is not None)
    if added_total != trunk.sums.total:
        found.append(f"{TRUNK}/{VALUES_FILE}: {names.BATCH_TRUNK_SUMS}: total_value: batches add up to "
                     f"{added_total}, the trunk publishes {trunk.sums.total}")
    return found
