"""The zk-STARK sum proofs as a liabilities source: runs the verifier (`auditor.liabilities.stark`) and turns its
integer sums into whole units, keeping proven (main-coin) sums apart from those bound only through the total."""

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
    status: str  # "verified" or "rejected"
    detail: str
    proven: dict[str, Decimal] = field(default_factory=dict)  # main coins: per-coin sums the proof constrains
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
    detail = (f"{len(result.proofs_checked)} proof(s) verified; per-coin sums proven for "
              f"{len(result.main_coins)} main coins, only the total value for the other {len(result.total_only_coins)}")
    return StarkOutcome("verified", detail, proven, claimed, tuple(sorted(missing)))
