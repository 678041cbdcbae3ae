"""The few Lotus/Forest JSON-RPC v1 methods the Filecoin adapter needs, with their replies checked.

Reference: Lotus `documentation/en/api-v1-unstable-methods.md` (github filecoin-project/lotus) and
https://docs.filecoin.io/reference/json-rpc/ (chain, state): `Filecoin.ChainHead`, `Filecoin.ChainGetGenesis`,
`Filecoin.ChainGetTipSetByHeight [epoch, tipset key | null]`, `Filecoin.ChainGetTipSetAfterHeight [epoch, tipset
key | null]` (the first non-null tipset at or after the epoch), `Filecoin.StateGetActor [address, tipset key]`.
A tipset key is a list of CIDs in IPLD JSON (`[{"/": "bafy..."}]`); balances are attoFIL as decimal strings.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from chains.transport import JsonRpcError, RequestError

_DIGITS = re.compile(r"0|[1-9][0-9]{0,40}")
_CID = re.compile(r"[a-z0-9]{8,128}")
# What Lotus, a Lotus gateway and Forest answer when the state at a tipset is gone (splitstore pruned it, a
# snapshot-synced node never had it) or the tipset is older than the gateway lets anyone look: not a row's fault.
_NO_STATE = re.compile(
    r"lookback|state not found|could not find|not found in blockstore|blockstore: block not found|"
    r"failed to load state tree|load state tree|state root|too far in the past",
    re.IGNORECASE,
)
# Lotus: "resolution lookup failed (f1...): resolve address f1...: actor not found" - the chain's answer for an
# address that never received anything by that tipset: its balance is 0.
_ACTOR_NOT_FOUND = re.compile(r"actor not found", re.IGNORECASE)


class LotusReplyError(RequestError):
    """A reply whose shape is not the documented one."""


@dataclass(frozen=True, slots=True)
class TipSetRef:
    height: int
    cids: tuple[str, ...]
    parents: tuple[str, ...] = ()  # the parent tipset's CIDs (every block of a tipset names the same parents)

    @property
    def key(self) -> list[dict[str, str]]:
        """The tipset key as Lotus takes it in params."""
        return [{"/": cid} for cid in self.cids]

    @property
    def key_text(self) -> str:
        return ",".join(self.cids)


def tipset_of(result: Any, method: str) -> TipSetRef:
    if not isinstance(result, dict):
        raise LotusReplyError(f"{method}: expected a tipset object, got {str(result)[:120]}")
    height = result.get("Height")
    cids = result.get("Cids")
    if not isinstance(height, int) or isinstance(height, bool) or height < 0:
        raise LotusReplyError(f"{method}: tipset Height is not an epoch: {height!r}")
    if not isinstance(cids, list) or not cids:
        raise LotusReplyError(f"{method}: tipset has no Cids")
    parsed = []
    for item in cids:
        cid = item.get("/") if isinstance(item, dict) else None
        if not isinstance(cid, str) or not _CID.fullmatch(cid):
            raise LotusReplyError(f"{method}: not a CID in Cids: {str(item)[:80]}")
        parsed.append(cid)
    return TipSetRef(height, tuple(parsed), _parents(result.get("Blocks"), method))


def _parents(blocks: Any, method: str) -> tuple[str, ...]:
    """The Parents CIDs the tipset's blocks name (all the same), () when the reply lists no block headers."""
    if not isinstance(blocks, list) or not blocks:
        return ()
    found = set()
    for block in blocks:
        parents = block.get("Parents") if isinstance(block, dict) else None
        if parents is None:
            return ()
        if not isinstance(parents, list):
            raise LotusReplyError(f"{method}: a block's Parents is not a list")
        cids = tuple(item.get("/") if isinstance(item, dict) else None for item in parents)
        if not all(isinstance(cid, str) and _CID.fullmatch(cid) for cid in cids):
            raise LotusReplyError(f"{method}: not a CID in a block's Parents")
        found.add(cids)
    if len(found) != 1:
        raise LotusReplyError(f"{method}: the tipset's blocks name different parents")
    return found.pop()


def is_no_state(error: Exception) -> bool:
    return bool(_NO_STATE.search(str(error)))


def actor_balance(result: Any) -> int:
    """The attoFIL balance of a `StateGetActor` result. `None` (Forest's answer for an unknown actor) is 0."""
    if result is None:
        return 0
    if not isinstance(result, dict):
        raise LotusReplyError(f"StateGetActor: expected an actor object, got {str(result)[:120]}")
    balance = result.get("Balance")
    if not isinstance(balance, str) or not _DIGITS.fullmatch(balance):
        raise LotusReplyError(f"StateGetActor: Balance is not a decimal attoFIL string: {str(balance)[:80]!r}")
    return int(balance)


def balance_or_error(item: Any) -> tuple[int | None, str]:
    """One batch item (a result, or the JsonRpcError in its place) -> (attoFIL, "") or (None, reason)."""
    if isinstance(item, JsonRpcError) and _ACTOR_NOT_FOUND.search(str(item)):
        return 0, ""
    if isinstance(item, Exception):
        return None, str(item)
    try:
        return actor_balance(item), ""
    except LotusReplyError as exc:
        return None, str(exc)
