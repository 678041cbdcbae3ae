"""OKX zk-STARK v1 sum proofs: verification time per proof (each batch, the trunk) and for the whole folder
(verify_sum_proofs: every proof plus the batch/trunk comparison, JSON reading included). Best of N runs.
Prints Markdown for BENCHMARKS.md.

    .venv/bin/python benchmarks/stark.py [--runs 5] [--folder ../shared/data/okx/zk_stark_v1/sum_proof_data]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from auditor.liabilities.stark import verify_stark_proof, verify_sum_proofs  # noqa: E402

DEFAULT = ROOT.parent / "shared" / "data" / "okx" / "zk_stark_v1" / "sum_proof_data"


def best_of(runs: int, action) -> tuple[float, object]:
    best, result = float("inf"), None
    for _ in range(runs):
        started = time.perf_counter()
        result = action()
        best = min(best, time.perf_counter() - started)
    return best, result


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--folder", type=Path, default=DEFAULT)
    args = parser.parse_args()
    if not args.folder.is_dir():
        print(f"{args.folder} is not here (OKX's zk_stark_v1 example data is needed)")
        return 0
    labels = [f"batches/{p.name}" for p in sorted((args.folder / "batches").iterdir()) if p.is_dir()] + ["trunk"]
    print("| proof | steps × uts | JSON size | verify (s) | result |\n|---|---|---:|---:|---|")
    for label in labels:
        proof_path = args.folder / label / "sum_proof.json"
        proof = json.loads(proof_path.read_text())
        sums = json.loads((args.folder / label / "sum_values.json").read_text())
        seconds, check = best_of(args.runs, lambda p=proof, s=sums: verify_stark_proof(p, s))
        outcome = "ok" if check.ok else f"FAILED ({len(check.failures)})"
        print(f"| {label} | {check.steps} × {check.uts} | {proof_path.stat().st_size / 1e6:.2f} MB "
              f"| {seconds:.3f} | {outcome} |")
    seconds, result = best_of(args.runs, lambda: verify_sum_proofs(args.folder))
    outcome = "ok" if result.ok else f"FAILED ({len(result.failures)})"
    print(f"| **whole folder** (verify_sum_proofs, {len(labels)} proofs, JSON reading included) | | "
          f"| {seconds:.3f} | {outcome} |")
    print(f"\nBest of {args.runs} runs; one core, pure Python (keccak via pycryptodome).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
