"""A failed verification step, and the stable names of the steps (tests and callers match on `check`)."""

from __future__ import annotations

from dataclasses import dataclass

FORMAT = "format"
SUM_VALUES = "sum values"
PROOF_OF_WORK = "proof of work"
TRACE_OPENING = "trace opening"  # a branch into mtree_root
TRACE_ENTRY = "trace entry"  # an opened row does not hash to its leaf
COMBINATION_OPENING = "combination opening"  # a branch into l_mtree_root
USER_START = "constraint: user rows start at 0"
RANGE = "constraint: base-4 range"
TOTAL_ACCUMULATION = "constraint: total accumulation"
TOTAL_BOUNDARY = "constraint: total boundary"
COIN_ACCUMULATION = "constraint: coin accumulation"
COIN_BOUNDARY = "constraint: coin boundary"
LINEAR_COMBINATION = "linear combination"
FRI_COLUMN_OPENING = "fri column opening"
FRI_ROW_OPENING = "fri row opening"
FRI_FOLDING = "fri folding"
FRI_LAST_ROOT = "fri last layer root"
FRI_LAST_DEGREE = "fri last layer degree"
BATCH_TRUNK_SUMS = "batch sums vs trunk"
MISSING_FILE = "missing file"


PROOF_FILE = "sum_proof.json"
VALUES_FILE = "sum_values.json"


@dataclass(frozen=True)
class Failure:
    check: str
    detail: str
    file: str = PROOF_FILE  # which of the two files the failed check reads (the proof, unless it is the sums)

    def __str__(self) -> str:
        return f"{self.file}: {self.check}: {self.detail}"
