"""OKX's zk-STARK v1 user inclusion proof (`user_<i>_inclusion_proof.json`): the user's leaf in its batch's
Merkle tree, and the batch's leaf in the trunk tree.

Format (worked out from OKX's published sample and its public zk_STARK verifier):

- a leaf is Keccak-256 of `total_value (32 bytes BE) || keccak(each coin value mod p, 32 bytes BE, in coin
  order) || id (32 bytes) || random_number (32 bytes)`, where id is the user id (batch) or the batch root
  (trunk), p the Stark252 prime;
- `merkle_path` starts with the leaf itself, then one sibling per level; the tree has 2**(len-1) leaves and
  the leaf sits at position (uts·(index+1) + uts − 2)·16 (16 = the trace's blowup), read through OKX's
  "permute4" ordering (x → x // (n/4) + 4·(x mod n/4)); a node is keccak(left || right);
- in the batch proof, index = user_index and uts its own field; in the trunk proof, index = batch_index and
  uts = 32; the trunk proof's batch_id must be the batch root.

The coin order is the order of the coin keys in the file (OKX writes them in its COINS order), or the file's
`config.coins` when present. We also check that the coin values add up to total_value, as OKX's later tool does.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from Crypto.Hash import keccak

from auditor.liabilities.errors import ProofInputError, ProofRejected
from auditor.liabilities.inclusion_result import InclusionResult

STARK_PRIME = 2**251 + 17 * 2**192 + 1
BLOWUP = 16
TRUNK_UTS = 32
_META = {"total_value", "user_index", "batch_index", "uts", "batch_mtree_root", "user_id", "random_number",
         "merkle_path", "trunk_mtree_root", "batch_id"}


def keccak256(data: bytes) -> bytes:
    return keccak.new(digest_bits=256, data=data).digest()


def _hex32(part: Mapping[str, Any], key: str, where: str) -> bytes:
    value = part.get(key)
    try:
        raw = bytes.fromhex(value) if isinstance(value, str) else b""
    except ValueError:
        raw = b""
    if len(raw) != 32:
        raise ProofInputError(f"{where}: field '{key}': expected 32 bytes of hex")
    return raw


def _int(part: Mapping[str, Any], key: str, where: str) -> int:
    value = part.get(key)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ProofInputError(f"{where}: field '{key}': expected a non-negative integer")
    return value


def _leaf(part: Mapping[str, Any], coins: list[str], id_key: str, where: str) -> tuple[bytes, int]:
    total = _int(part, "total_value", where)
    values = [_int(part, coin, where) for coin in coins]
    if sum(values) != total:
        raise ProofRejected(f"{where}: field 'total_value': {total}, the coin values sum to {sum(values)}")
    packed = b"".join((v % STARK_PRIME).to_bytes(32, "big") for v in values)
    entry = total.to_bytes(32, "big") + keccak256(packed) + _hex32(part, id_key, where) + _hex32(
        part, "random_number", where)
    return keccak256(entry), total


def _position(index: int, uts: int, leaves: int) -> int:
    x = (uts * (index + 1) + uts - 2) * BLOWUP
    quarter = leaves // 4
    return x // quarter + 4 * (x % quarter)


def _check_path(part: Mapping[str, Any], root_key: str, index: int, uts: int, leaf: bytes, where: str) -> bytes:
    root = _hex32(part, root_key, where)
    raw_path = part.get("merkle_path")
    if not isinstance(raw_path, list) or len(raw_path) < 3:
        raise ProofInputError(f"{where}: field 'merkle_path': expected the leaf and its siblings")
    steps = [_hex32({"merkle_path": s}, "merkle_path", where) for s in raw_path]
    if steps[0] != leaf:
        raise ProofRejected(f"{where}: field 'merkle_path': its leaf is not the hash of the values, id and nonce")
    leaves = 2 ** (len(steps) - 1)
    position = _position(index, uts, leaves)
    if position >= leaves:
        raise ProofRejected(f"{where}: index {index} does not fit a tree of {leaves} leaves")
    node, at = leaf, position
    for sibling in steps[1:]:
        node = keccak256(sibling + node) if at % 2 else keccak256(node + sibling)
        at //= 2
    if node != root:
        raise ProofRejected(f"{where}: field '{root_key}': the path recomputes {node.hex()}")
    return root


def _coins(data: Mapping[str, Any], part: Mapping[str, Any]) -> list[str]:
    config = data.get("config")
    if isinstance(config, Mapping) and isinstance(config.get("coins"), list):
        return [str(c) for c in config["coins"]]
    return [key for key in part if key not in _META]


def verify_stark_inclusion(data: Mapping[str, Any], path: Path) -> InclusionResult:
    batch, trunk = data.get("batch_inclusion_proof"), data.get("trunk_inclusion_proof")
    if not isinstance(batch, Mapping) or not isinstance(trunk, Mapping):
        raise ProofInputError(f"{path}: fields 'batch_inclusion_proof' and 'trunk_inclusion_proof' are required")
    coins = _coins(data, batch)
    if not coins:
        raise ProofInputError(f"{path}: batch_inclusion_proof: no coin values")
    try:
        where = f"{path}: batch_inclusion_proof"
        user_leaf, user_total = _leaf(batch, coins, "user_id", where)
        batch_root = _check_path(batch, "batch_mtree_root", _int(batch, "user_index", where),
                                 _int(batch, "uts", where), user_leaf, where)
        where = f"{path}: trunk_inclusion_proof"
        if _hex32(trunk, "batch_id", where) != batch_root:
            raise ProofRejected(f"{where}: field 'batch_id': not the batch root of the user's proof")
        batch_leaf, _batch_total = _leaf(trunk, _coins(data, trunk), "batch_id", where)
        trunk_root = _check_path(trunk, "trunk_mtree_root", _int(batch, "batch_index", f"{path}: batch"),
                                 TRUNK_UTS, batch_leaf, where)
    except ProofRejected as exc:
        return InclusionResult(False, "okx-zk-stark-v1", str(exc))
    return InclusionResult(
        True, "okx-zk-stark-v1",
        f"the user's leaf hashes up to batch root {batch_root.hex()}, which hashes up to trunk root "
        f"{trunk_root.hex()}",
        {"batch root": batch_root.hex(), "trunk root": trunk_root.hex(), "user total_value": str(user_total)},
    )
