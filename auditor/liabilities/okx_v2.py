"""OKX's v2 inclusion proof (`user_info_file.json`) checked against the full tree file.

Format (from OKX's sample and its public Go verifier): the user hash is SHA-256 of `nonce + totalBalances` (the
compact JSON object BTC, ETH, USDT); the user's balance is split over several leaves, each leaf hash being
SHA-256 of `user hash + BTC + ETH + USDT` (that leaf's balances as written). We recompute the user hash and every
leaf hash, find each leaf in the tree with the same balances, check the leaves sum to the user's total, and
verify the whole tree up to its root in the same streamed pass (OKX's tool only adds up the leaves).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any

from auditor.liabilities.errors import ProofInputError, ProofRejected
from auditor.liabilities.inclusion_result import InclusionResult
from auditor.liabilities.okx_balances import HEX64, OKX_COINS, add_all, balances_json, okx_text, parse_balances
from auditor.liabilities.okx_tree import TreeNode, verify_okx_tree


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode("ascii")).hexdigest()


def verify_okx_v2(data: Mapping[str, Any], path: Path, tree: Path | None) -> InclusionResult:
    nonce, user_hash, nodes = data.get("nonce"), data.get("hash"), data.get("nodes")
    if not isinstance(nonce, str) or not nonce:
        raise ProofInputError(f"{path}: field 'nonce': missing or not a string")
    if not isinstance(user_hash, str) or not HEX64.fullmatch(user_hash):
        raise ProofInputError(f"{path}: field 'hash': not 64 lowercase hex digits")
    if not isinstance(nodes, list) or not nodes:
        raise ProofInputError(f"{path}: field 'nodes': expected a non-empty list of leaves")
    if tree is None:
        raise ProofInputError(f"{path}: an OKX v2 proof is checked against the full tree: give --tree FILE")
    try:
        return _verify(data, path, tree, nonce, user_hash, nodes)
    except ProofRejected as exc:
        return InclusionResult(False, "okx-v2", str(exc))


def _verify(data: Mapping[str, Any], path: Path, tree: Path, nonce: str, user_hash: str,
            nodes: list[Any]) -> InclusionResult:
    total_texts, total_values = parse_balances(data.get("totalBalances"), str(path), "totalBalances")
    if _sha(nonce + balances_json(total_texts)) != user_hash:
        raise ProofRejected(f"{path}: field 'hash': not SHA-256 of the nonce and totalBalances")
    wanted: dict[str, tuple[int, tuple[Decimal, ...]]] = {}
    summed = (Decimal(0),) * len(OKX_COINS)
    for index, node in enumerate(nodes):
        where = f"{path}: nodes[{index}]"
        if not isinstance(node, Mapping) or not isinstance(node.get("hash"), str):
            raise ProofInputError(f"{where}: expected an object with 'hash' and 'balances'")
        texts, values = parse_balances(node.get("balances"), where)
        leaf_hash = node["hash"].lower()
        if _sha(user_hash + "".join(texts)) != leaf_hash:
            raise ProofRejected(f"{where}: field 'hash': not SHA-256 of the user hash and this leaf's balances")
        if leaf_hash in wanted:
            raise ProofRejected(f"{where}: field 'hash': the same leaf as nodes[{wanted[leaf_hash][0]}]")
        wanted[leaf_hash] = (index, values)
        summed = add_all(summed, values)
    for coin, claimed, exact in zip(OKX_COINS, total_values, summed, strict=True):
        if claimed != exact:
            raise ProofRejected(f"{path}: field 'totalBalances.{coin}': {claimed}, the leaves sum to {exact}")
    found: dict[str, int] = {}

    def look(leaf: TreeNode) -> None:
        entry = wanted.get(leaf.hash)
        if entry is None:
            return
        index, values = entry
        if leaf.values != values:
            raise ProofRejected(f"{tree}:{leaf.line}: the leaf of nodes[{index}] has other balances in the tree")
        if leaf.hash in found:
            raise ProofRejected(f"{tree}:{leaf.line}: the leaf of nodes[{index}] is listed twice (also line "
                                f"{found[leaf.hash]})")
        found[leaf.hash] = leaf.line

    verified = verify_okx_tree(tree, on_leaf=look)
    missing = [str(index) for leaf_hash, (index, _v) in wanted.items() if leaf_hash not in found]
    if missing:
        raise ProofRejected(f"{path}: nodes[{', '.join(missing)}] not found among the leaves of {tree}")
    lines = ", ".join(str(found[h]) for h in wanted)
    return InclusionResult(
        True, "okx-v2",
        f"{len(wanted)} leaves found in {tree} (lines {lines}), summing to the user's total; the whole tree "
        f"verifies up to root {verified.root_hash}",
        {"root": verified.root_hash, **{f"user {c}": okx_text(v) for c, v in zip(OKX_COINS, summed, strict=True)}},
    )
