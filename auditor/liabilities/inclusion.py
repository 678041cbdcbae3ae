"""`auditor verify-inclusion PROOF [--tree FILE]`: is one user's balance in the published liabilities? The format
is recognised by the proof file's fields."""

from __future__ import annotations

import json
from pathlib import Path

from auditor.liabilities.bitmex import verify_bitmex_inclusion
from auditor.liabilities.errors import ProofInputError
from auditor.liabilities.inclusion_result import InclusionResult
from auditor.liabilities.okx_v1 import verify_okx_v1
from auditor.liabilities.okx_v2 import verify_okx_v2
from auditor.liabilities.stark_inclusion import verify_stark_inclusion

MAX_PROOF_BYTES = 64 << 20  # a user's proof is a few kB; refuse to load something that is clearly not one


def verify_inclusion(proof: Path, tree: Path | None = None) -> InclusionResult:
    """Raises ProofInputError (exit 2) for a file that cannot be read or whose format is unknown."""
    try:
        if proof.stat().st_size > MAX_PROOF_BYTES:
            raise ProofInputError(f"{proof}: {proof.stat().st_size} bytes is not an inclusion proof")
        data = json.loads(proof.read_text(encoding="utf-8-sig"))
    except OSError as exc:
        raise ProofInputError(f"{proof}: cannot read: {exc.strerror or exc}") from exc
    except ValueError as exc:
        raise ProofInputError(f"{proof}: not valid JSON: {exc}") from exc
    if tree is not None and not tree.is_file():
        raise ProofInputError(f"{tree}: --tree: no such file")
    if not isinstance(data, dict):
        raise ProofInputError(f"{proof}: expected a JSON object")
    if "batch_inclusion_proof" in data:
        return verify_stark_inclusion(data, proof)
    if "self" in data and "path" in data:
        return verify_okx_v1(data, proof, tree)
    if "nodes" in data and "totalBalances" in data:
        return verify_okx_v2(data, proof, tree)
    if "account" in data:
        return verify_bitmex_inclusion(data, proof, tree)
    raise ProofInputError(f"{proof}: not a known inclusion proof (OKX v1 'self'/'path', OKX v2 'nodes'/"
                          "'totalBalances', OKX zk-STARK 'batch_inclusion_proof', BitMEX 'account'/'nonce')")
