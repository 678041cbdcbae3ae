"""The zk-STARK sum proofs as a liabilities source: runs the verifier (`auditor.liabilities.stark`) and turns its
integer sums into whole units, keeping the main coins' sums (constrained one by one) apart from those bound only
through the total.

None of them is reported as proven. OKX's v1 format derives the FRI query positions once, from the first
layer's root, and reuses them in every later layer (its published proofs open exactly those positions, so a
verifier cannot do otherwise and still accept them). A prover therefore knows every later position before it
commits the later layers and can make a function of any degree pass: a proof for sums of its choosing verifies
(tests/auditor/liabilities/stark/test_soundness.py). The per-coin columns also carry no range check, so a dummy
user with a balance of p - X lowers a coin's sum by X. A proof that fails still fails the run; one that passes
only says the sums are consistent with OKX's format."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from auditor.liabilities.errors import ProofInputError
from auditor.liabilities.stark import verify_sum_proofs
from auditor.money import whole_units


@dataclass(frozen=True)
class StarkOutcome:
    status: str  # "consistent" (every check of the format passes; not a proof, see above) or "rejected"
    detail: str
    proven: dict[str, Decimal] = field(default_factory=dict)  # main coins: per-coin sums the format constrains
    claimed: dict[str, Decimal] = field(default_factory=dict)  # total-only coins: in the proof, not proven alone
    undecimalised: tuple[str, ...] = ()  # coins without a decimals setting: not converted, not used


def check_stark(folder: Path, decimals_for: Callable[[str], int | None],
                verifier: Callable[..., Any] | None = None) -> StarkOutcome:
    verifier = verifier or verify_sum_proofs
    try:
        result = verifier(folder)
    except (OSError, ValueError) as exc:  # unreadable or malformed proof files: bad input, not a verdict
        raise ProofInputError(f"{folder}: the zk-STARK verifier could not read the proofs: {exc}") from exc
    proven: dict[str, Decimal] = {}
    claimed: dict[str, Decimal] = {}
    missing = []
    main = {coin.upper() for coin in result.main_coins}
    for coin, amount in result.sums.items():
        if coin == "total_value":  # the proof's value-weighted total is not a coin
            continue
        places = decimals_for(coin)
        if places is None:
            missing.append(coin.upper())
            continue
        target = proven if result.ok and coin.upper() in main else claimed
        target[coin.upper()] = whole_units(int(amount), places)
    if not result.ok:
        return StarkOutcome("rejected", "; ".join(result.failures) or "the verifier rejected the proofs", {},
                            claimed, tuple(sorted(missing)))
    detail = (f"{len(result.proofs_checked)} proof(s) pass every check of OKX's zk-STARK v1 format (per-coin sums "
              f"for {len(result.main_coins)} main coins, only the total value for the other "
              f"{len(result.total_only_coins)}), but the format does not prove the sums: {UNSOUND}")
    return StarkOutcome("consistent", detail, proven, claimed, tuple(sorted(missing)))


UNSOUND = ("its FRI query positions are fixed by the first layer's root, so a proof can be made for any sums; "
           "the per-coin columns have no range check")
