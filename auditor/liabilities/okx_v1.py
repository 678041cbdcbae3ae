"""OKX's v1 inclusion proof (`merkle_proof_file.json`): the user's leaf and the path of siblings up to the root.

Format (from OKX's sample and its public Go verifier): `self` = {nonce, balances, hash, type, height=1}, the leaf
hash being SHA-256 of `nonce + {"BTC":"…","ETH":"…","USDT":"…"}` (the balances object, compact). `path` lists, from
height 1 up, each level's sibling {hash, balances, type, height} and ends with the root (type 3). Sibling type 1
sits on the left, 2 on the right, 4 is the right-hand padding of an odd level (zero balances). Each parent is
SHA-256 of `left + right + BTC + ETH + USDT + height`, over the exact sums of its children.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from auditor.liabilities.errors import ProofInputError, ProofRejected
from auditor.liabilities.inclusion_result import InclusionResult
from auditor.liabilities.okx_balances import HEX64, OKX_COINS, add_all, balances_json, okx_text, parse_balances
from auditor.liabilities.okx_tree import verify_okx_tree

LEFT, RIGHT, ROOT, PAD = 1, 2, 3, 4


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode("ascii")).hexdigest()


def _field(data: Mapping[str, Any], key: str, where: str, kind: type) -> Any:
    value = data.get(key)
    if not isinstance(value, kind) or isinstance(value, bool):
        raise ProofInputError(f"{where}: field '{key}': missing or not a {kind.__name__}")
    return value


def _hash_field(data: Mapping[str, Any], where: str) -> str:
    value: str = _field(data, "hash", where, str)
    if not HEX64.fullmatch(value):
        raise ProofInputError(f"{where}: field 'hash': not 64 lowercase hex digits")
    return value


def verify_okx_v1(data: Mapping[str, Any], path: Path, tree: Path | None = None) -> InclusionResult:
    """With `tree`, the path's root must also be the root of that full tree, itself verified."""
    me = data.get("self")
    steps = data.get("path")
    if not isinstance(me, Mapping) or not isinstance(steps, list) or len(steps) < 2:
        raise ProofInputError(f"{path}: fields 'self' and 'path' (at least one sibling and the root) are required")
    try:
        result = _walk(me, steps, path)
        if tree is not None:
            full = verify_okx_tree(tree)
            claimed = {c: okx_text(v) for c, v in full.totals.items()}
            if full.root_hash != result.details["root"] or any(
                    claimed[c] != result.details[f"root {c}"] for c in OKX_COINS):
                raise ProofRejected(f"{path}: the path's root {result.details['root']} is not the root of {tree} "
                                    f"({full.root_hash})")
            result = replace(result, reason=f"{result.reason}, the verified root of {tree}")
        return result
    except ProofRejected as exc:
        return InclusionResult(False, "okx-v1", str(exc))


def _walk(me: Mapping[str, Any], steps: list[Any], path: Path) -> InclusionResult:
    where = f"{path}: self"
    nonce = _field(me, "nonce", where, str)
    texts, values = parse_balances(me.get("balances"), where)
    node_hash = _hash_field(me, where)
    if _sha(nonce + balances_json(texts)) != node_hash:
        raise ProofRejected(f"{where}: field 'hash': not SHA-256 of the nonce and the balances")
    side = _field(me, "type", where, int)
    if side not in (LEFT, RIGHT):
        raise ProofRejected(f"{where}: field 'type': {side} is not a side (1 left, 2 right)")
    height = 1
    for index, step in enumerate(steps[:-1]):
        where = f"{path}: path[{index}]"
        if not isinstance(step, Mapping):
            raise ProofInputError(f"{where}: expected an object")
        sibling = _hash_field(step, where)
        _texts, sibling_values = parse_balances(step.get("balances"), where)
        kind = _field(step, "type", where, int)
        if _field(step, "height", where, int) != height:
            raise ProofRejected(f"{where}: field 'height': {step.get('height')}, expected {height}")
        if kind == PAD and (any(sibling_values) or sibling != node_hash):
            raise ProofRejected(f"{where}: a padding sibling (type 4) must copy our hash with zero balances")
        if index == 0:  # the first sibling sits opposite the user's leaf, whose own type says its side
            if kind == side:
                raise ProofRejected(f"{where}: field 'type': same side as the user's leaf")
            mine_left = side == LEFT
        elif kind not in (LEFT, RIGHT, PAD):
            raise ProofRejected(f"{where}: field 'type': {kind} is not a sibling (1 left, 2 right, 4 padding)")
        else:
            mine_left = kind != LEFT
        left, right = (node_hash, sibling) if mine_left else (sibling, node_hash)
        values = add_all(values, sibling_values)
        height += 1
        node_hash = _sha(left + right + "".join(okx_text(v) for v in values) + str(height))
    where = f"{path}: path[{len(steps) - 1}] (root)"
    root = steps[-1]
    if not isinstance(root, Mapping):
        raise ProofInputError(f"{where}: expected an object")
    root_hash = _hash_field(root, where)
    _root_texts, root_values = parse_balances(root.get("balances"), where)
    if _field(root, "height", where, int) != height:
        raise ProofRejected(f"{where}: field 'height': {root.get('height')}, the path reaches height {height}")
    for coin, claimed, exact in zip(OKX_COINS, root_values, values, strict=True):
        if claimed != exact:
            raise ProofRejected(f"{where}: field 'balances.{coin}': {claimed}, the path sums to {exact}")
    if root_hash != node_hash:
        raise ProofRejected(f"{where}: field 'hash': {root_hash}, the path recomputes {node_hash}")
    mine = dict(zip(OKX_COINS, texts, strict=True))
    return InclusionResult(True, "okx-v1", f"the user's leaf hashes up to root {root_hash} at height {height}",
                           {"root": root_hash, **{f"user {c}": t for c, t in mine.items()},
                            **{f"root {c}": okx_text(v) for c, v in zip(OKX_COINS, root_values, strict=True)}})

