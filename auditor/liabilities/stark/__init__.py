"""Verifier for OKX's zk-STARK v1 proof of liabilities (2023: `sum_proof_data/` of okx/proof-of-reserves).

Written from the published proof format and the ideas of Vitalik Buterin's "mimc_stark" write-ups; no code
is taken from OKX's verifier. Parameters: Stark252 field p = 2^251 + 17·2^192 + 1 (generator 3), Keccak-256,
evaluation domain 16× the trace (blowup 16), 16 spot checks, 20-bit proof of work, FRI with radix-4 folding
down to degree < 16, Merkle trees over a permuted leaf order with compressed multi-branch openings.

Verification steps for one proof (`verify_stark_proof`), each failure naming its check and index:

1. published sums: every coin value in [0, p), and the coin values add up to `total_value`;
2. proof of work: keccak(mtree_root ‖ pow_nonce) starts with 20 zero bits; the nonce seeds the weights of the
   random linear combination;
3. spot positions: 16 domain indices (never multiples of 16) from l_mtree_root; each spot opens the trace rows
   at x, x·g, x·g^(uts-1), x·g^uts (g the trace step) against mtree_root, and the opened row data must hash
   to those leaves (the constraint quotients are bound through the first row's salt);
4. constraints at each spot (see constraints.py): each user block starts at 0, grows in base-4 digits (so the
   user's net total is in [0, 4^(uts-2))), the running total adds each user's total, starts at 0 and ends at
   `total_value` (and uts must be small enough that users·4^(uts-2) < p: no total can wrap around the field);
   for each main coin the running coin sum does the same and ends at the coin's published sum;
5. the combination value opened against l_mtree_root equals the weighted sum of the opened columns/quotients;
6. FRI (fri.py): per layer, the column and row openings, and that the four row values fold to the column value
   at the layer's challenge point; the last layer hashes to the last column root and has degree < 16 (< 8 for
   512-step proofs).

`verify_sum_proofs` runs that for each batch and the trunk, then checks that the batches' published sums add
up (exactly, as integers) to the trunk's, per coin and for `total_value`.

What a passing folder proves (with the soundness of this design: 16 queries, 20-bit grinding; OKX itself calls
its code educational): each proof commits to a table of users in which every user's net total is in
[0, 4^(uts-2)), `total_value` is the sum of those totals, and each main coin's published sum is the sum of the
users' committed balances in that coin. The main coins are the first ones in sum_values.json order; their
count comes from the proof (the width of the opened rows): 21 in OKX's example (BTC ... UNI), although the
data's README says 22.

What it does not prove:
- that a user's net total equals the sum of that user's coin balances: the proof never links t to the b
  columns; each user checks it for their own row in their inclusion proof;
- anything per coin beyond the main coins: the other ("total-only") coins' published sums are only tied to
  `total_value` by their sum; moving an amount from one of them to another leaves the proof valid;
- that a single coin balance is non-negative: only the net total is range-checked (a negative balance in one
  coin, e.g. a loan, is offset by others);
- the coin names (only column order is committed), that users are real, complete or distinct (the id column is
  unconstrained), or that the trunk's rows are the batches: the sum proofs only show the published batch sums
  add up to the trunk's; the trunk leaf of each batch (batch root and batch sums) is opened by the inclusion
  proofs, which this package does not check.
The published sums are not hashed into the Fiat-Shamir transcript; they are bound only through the boundary
constraints at the spot checks.

Units: the sums are integers as published, in the same unit as the per-user balances behind them (in OKX's
example the batch sums are exactly the column sums of user_data/batch0..3.json for a0, a1, a2, b0). Those
balances are synthetic random integers and nothing in the data states a scale or decimals, so the unit is not
known: do not convert these integers to whole coins without the exchange's statement of the scale. Note also
that `total_value` adds integers of different coins as they are.

Note on OKX's own verifier: its fri.py as we read it (okx/proof-of-reserves, commit 7da6263) computes each
layer's row values but never collects them, so its folding comparison loop runs zero times. This verifier
performs that comparison; OKX's example proofs pass it.
"""

from auditor.liabilities.stark.failures import Failure
from auditor.liabilities.stark.proof_format import ProofFormatError
from auditor.liabilities.stark.sums import StarkSumsResult, verify_sum_proofs
from auditor.liabilities.stark.verifier import ProofCheck, verify_stark_proof

__all__ = ["Failure", "ProofCheck", "ProofFormatError", "StarkSumsResult", "verify_stark_proof",
           "verify_sum_proofs"]
