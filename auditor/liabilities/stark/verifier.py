"""Verify one OKX zk-STARK v1 sum proof against its published sums (see the package docstring for what that
proves)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from auditor.liabilities.stark import failures as names
from auditor.liabilities.stark.challenges import POW_BITS, combination_weights, sample_indices, work_bits
from auditor.liabilities.stark.constraints import BLOWUP, TraceDomain, check_spot, weight_count
from auditor.liabilities.stark.failures import VALUES_FILE, Failure
from auditor.liabilities.stark.field import PRIME
from auditor.liabilities.stark.fri import verify_low_degree
from auditor.liabilities.stark.merkle import open_branches
from auditor.liabilities.stark.proof_format import (
    ProofFormatError,
    PublishedSums,
    SumProof,
    parse_sum_proof,
    parse_sum_values,
    rows_of,
)

SPOT_CHECKS = 16
LOW_DEGREE_FACTOR = 4  # the combination has degree < 4·steps (the range constraint is quartic in t)


@dataclass(frozen=True)
class ProofCheck:
    """Outcome of verifying one sum proof. `ok` only when every check ran and passed."""

    ok: bool
    failures: tuple[Failure, ...]
    sums: PublishedSums | None = None  # the published sums the proof was checked against (None if unreadable)
    steps: int = 0
    uts: int = 0
    main_coin_count: int = 0  # coins whose sums the proof constrains one by one (the first ones, in order)
    work_bits: int = 0
    spot_positions: tuple[int, ...] = field(default=())

    @property
    def main_coins(self) -> tuple[str, ...]:
        return self.sums.coins[:self.main_coin_count] if self.sums else ()


def check_published_sums(sums: PublishedSums) -> list[Failure]:
    found = [Failure(names.SUM_VALUES, f"{coin} = {value} is outside the field [0, p)", VALUES_FILE)
             for coin, value in zip(sums.coins, sums.values, strict=True) if not 0 <= value < PRIME]
    if sum(sums.values) != sums.total:
        found.append(Failure(names.SUM_VALUES, f"coin values add up to {sum(sums.values)}, total_value is "
                                               f"{sums.total}", VALUES_FILE))
    return found


def verify_stark_proof(proof_json: Mapping[str, Any], sum_values_json: Mapping[str, Any], *,
                       expected_main_coins: int | None = None, label: str = "") -> ProofCheck:
    """Every verification step for one proof; failures name the file (under `label`, e.g. "batches/a0", when
    given), the check and the index (spot, layer, sample)."""
    check = _verify(proof_json, sum_values_json, expected_main_coins)
    if not label:
        return check
    return replace(check, failures=tuple(replace(f, file=f"{label}/{f.file}") for f in check.failures))


def _verify(proof_json: Mapping[str, Any], sum_values_json: Mapping[str, Any],
            expected_main_coins: int | None) -> ProofCheck:
    try:
        sums = parse_sum_values(sum_values_json)
    except ProofFormatError as error:
        return ProofCheck(False, (Failure(names.FORMAT, str(error), VALUES_FILE),))
    found = check_published_sums(sums)
    try:
        proof = parse_sum_proof(proof_json, len(sums.coins), SPOT_CHECKS)
    except ProofFormatError as error:
        return ProofCheck(False, (*found, Failure(names.FORMAT, str(error))), sums)
    domain = TraceDomain(proof.steps, proof.uts)
    if domain.size >= 2**24:
        return ProofCheck(False, (*found, Failure(names.FORMAT, f"{proof.steps} steps: domain too large")), sums)
    if domain.users * 4 ** (proof.uts - 2) >= PRIME:  # else a "non-negative" total could wrap around p
        found.append(Failure(names.FORMAT, f"uts = {proof.uts}: user totals up to 4^{proof.uts - 2} for "
                                           f"{domain.users} users can wrap around the field"))
    if expected_main_coins is not None and proof.main_coin_count != expected_main_coins:
        found.append(Failure(names.FORMAT, f"the proof constrains {proof.main_coin_count} main coins, "
                                           f"{expected_main_coins} expected"))
    bits = work_bits(proof.trace_root, proof.pow_nonce)
    if bits < POW_BITS:
        found.append(Failure(names.PROOF_OF_WORK, f"keccak(mtree_root ‖ pow_nonce) has {bits} leading zero bits, "
                                                  f"{POW_BITS} required"))
    positions = sample_indices(proof.combination_root, domain.size, SPOT_CHECKS, BLOWUP)
    found += _check_spots(proof, sums, domain, positions)
    found += verify_low_degree(proof.combination_root, domain.size, LOW_DEGREE_FACTOR * proof.steps,
                               proof.fri_layers, proof.fri_last_values)
    return ProofCheck(not found, tuple(found), sums, proof.steps, proof.uts, proof.main_coin_count, bits,
                      tuple(positions))


def _check_spots(proof: SumProof, sums: PublishedSums, domain: TraceDomain, positions: list[int]) -> list[Failure]:
    found: list[Failure] = []
    trace_indices = [index for position in positions for index in domain.neighbours(position)]
    trace = open_branches(proof.trace_root, trace_indices, proof.trace_branches, domain.size)
    found += [Failure(names.TRACE_OPENING, f"spot {n // 4}, branch {n} (domain index {i}): {why}")
              for n, i, why in trace.problems]
    for number, spot in enumerate(proof.spots):
        for k, row in enumerate(rows_of(spot)):
            leaf = trace.leaves[4 * number + k]
            if leaf is not None and row.leaf() != leaf:
                found.append(Failure(names.TRACE_ENTRY, f"spot {number}, mtree_entries_data[{4 * number + k}]: "
                                                        "the row does not hash to the opened leaf"))
    combination = open_branches(proof.combination_root, positions, proof.combination_branches, domain.size)
    found += [Failure(names.COMBINATION_OPENING, f"spot {n} (domain index {i}): {why}")
              for n, i, why in combination.problems]
    weights = combination_weights(proof.pow_nonce, weight_count(proof.coin_count, proof.main_coin_count))
    for number, (position, spot) in enumerate(zip(positions, proof.spots, strict=True)):
        leaf = combination.leaves[number]
        if leaf is None:
            found.append(Failure(names.LINEAR_COMBINATION, f"spot {number}: not checked, its l value is unopened"))
            continue
        found += check_spot(number, position, spot, int.from_bytes(leaf, "big"), domain, sums,
                            proof.main_coin_count, weights)
    return found
