"""`auditor verify-inclusion PROOF [--tree FILE] [--root HASH]`: is one user's balance in the published
liabilities? The format is recognised by the proof file's fields.

A path that hashes up to *some* root proves nothing until that root is the one the exchange published: the answer
is yes only when the proof is anchored, by the full tree (`--tree`) or by the published root (`--root`)."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

from auditor.liabilities.bitmex import verify_bitmex_inclusion
from auditor.liabilities.errors import ProofInputError
from auditor.liabilities.inclusion_result import InclusionResult
from auditor.liabilities.okx_v1 import verify_okx_v1
from auditor.liabilities.okx_v2 import verify_okx_v2
from auditor.liabilities.stark_inclusion import verify_stark_inclusion

MAX_PROOF_BYTES = 64 << 20  # a user's proof is a few kB; refuse to load something that is clearly not one


def verify_inclusion(proof: Path, tree: Path | None = None, root: str | None = None) -> InclusionResult:
    """Raises ProofInputError (exit 2) for a file that cannot be read or whose format is unknown."""
    result = _verify_format(proof, tree)
    if not result.included:
        return result
    reached = result.details.get("root") or result.details.get("trunk root", "")
    if root is not None:
        published = root.strip().lower().removeprefix("0x")
        if reached.lower() != published:
            return replace(result, included=False,
                           reason=f"the proof reaches root {reached}, not the published root {published}")
        return replace(result, reason=f"{result.reason}; that is the published root")
    if tree is None:  # nothing ties the recomputed root to what the exchange published
        return replace(result, included=False, reason=(
            f"not anchored: the proof is consistent, but it reaches root {reached}, which is only the proof's own "
            "claim; give --root (the root the exchange published) or --tree (its full tree)"))
    return result


def _verify_format(proof: Path, tree: Path | None) -> InclusionResult:
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
