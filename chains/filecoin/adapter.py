"""FIL balances at the snapshot tipset from a Lotus or Forest node (JSON-RPC v1), backend `lotus`.

Filecoin keeps the state of past tipsets, so nothing is rolled back. The balance at epoch H is the state after
every message of the tipsets up to H, the same meaning as every other chain's "balance at block H" here, and the
one FEVM rows of the same node get (`eth_getBalance` at block H is the state after executing tipset H): an f1
address and an f410 address of one exchange, one paying the other in tipset H, must not both hold the amount.

A tipset's state root is its *parent state* (docs.filecoin.io/reference/json-rpc/state: "The state looked up is
the parent state of the tipset"), the state *before* its own messages. So:

* the snapshot tipset: `Filecoin.ChainGetTipSetByHeight [H, null]` (when epoch H is a *null round*, Lotus returns
  the last tipset before it, H');
* the tipset read at, N: `Filecoin.ChainGetTipSetAfterHeight [H + 1, null]`, the first tipset above H, whose
  blocks' Parents must be the snapshot tipset's CIDs; `Filecoin.StateGetActor [address, N's key]` then reads the
  state after H's (or H''s) messages. A node whose head is H itself has no such state yet (its tip counts as H - 1:
  BEHIND). `lotus state get-actor --tipset @H` reads H's parent state instead: one tipset of messages fewer.
* The snapshot's block hash is the snapshot tipset's key (for a null round: "...; epoch H is a null round: the
  state after tipset H'"), each balance's method `StateGetActor`, read at N (`Balance.read_at`).
* Identity: block 0's CID (`Filecoin.ChainGetGenesis`) must be the registry's `genesis_cid` (mainnet:
  bafy2bzacecnamqgqmifpluoeldx7zzglxcljo6oja4vrmtj7432rphldpdmm2). `StateNetworkName` is not used: mainnet
  Lotus answers "testnetnet" there.
* State at H: the probe actor (f099) is read at N before any row; a node that pruned that state (splitstore, a
  snapshot-synced node) or a gateway that refuses old lookbacks ("lookbacks of more than ... are disallowed") is
  refused with NO_STATE, never read at its head.
* An address that has no actor at that state (Lotus: "actor not found"; Forest: `null`) holds 0: that is the
  chain's own answer (an f1 address gets its actor with the first FIL it receives).
* Requests are JSON-RPC batches of `batch_size` `StateGetActor` calls (Lotus serves batches since mid-2023,
  filecoin-project/lotus#10832, run in order by go-jsonrpc). Each reply is bound to its request by id: an id
  answered twice, missing, or belonging to no request leaves the rows it could belong to unread.

FEVM (f410f / 0x) rows are the EVM family's (network FEVM, chain id 314): the EVM adapter reads them with
`eth_getBalance`/Multicall3 at the snapshot block on the same Lotus node, which is simpler than a second
Filecoin path and already batched; f1 rows are the only ones this adapter sees.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from chains.base import (
    Balance,
    BalanceAdapter,
    BalanceQuery,
    Endpoint,
    Network,
    Refusal,
    Snapshot,
    StateUnavailable,
)
from chains.filecoin import addresses
from chains.filecoin.api import TipSetRef, balance_or_error, is_no_state, tipset_of
from chains.filecoin.options import LotusOptions
from chains.transport import JsonRpcClient, JsonRpcError

MAINNET_GENESIS_CID = "bafy2bzacecnamqgqmifpluoeldx7zzglxcljo6oja4vrmtj7432rphldpdmm2"


class LotusBalanceAdapter(BalanceAdapter):
    options_type = LotusOptions
    method = "StateGetActor"
    identity_name = "genesis block CID"

    def __init__(self, network: Network, endpoint: Endpoint) -> None:
        super().__init__(network, endpoint)
        self._rpc: JsonRpcClient | None = None
        self._tipsets: dict[int, TipSetRef] = {}

    @property
    def rpc(self) -> JsonRpcClient:
        if self._rpc is None:
            self._rpc = JsonRpcClient(self.transport, self.endpoint.url)
        return self._rpc

    # ---- snapshot hooks ------------------------------------------------------------------------------

    def expected_identity(self) -> str | None:
        return self.options.genesis_cid or str(self.network.params.get("genesis_cid") or "") or None

    async def chain_identity(self) -> str:
        genesis = tipset_of(await self.rpc.call("Filecoin.ChainGetGenesis"), "ChainGetGenesis")
        return genesis.cids[0]

    async def tip_height(self) -> int:
        """The newest epoch whose after-state the node has: the one below its head (the head's own messages are
        in no state root yet)."""
        return tipset_of(await self.rpc.call("Filecoin.ChainHead"), "ChainHead").height - 1

    async def block_hash(self, height: int) -> str | None:
        try:
            result = await self.rpc.call("Filecoin.ChainGetTipSetByHeight", [height, None])
        except JsonRpcError as exc:
            if is_no_state(exc):
                raise self.refuse(Refusal.NO_STATE, height, str(exc)) from None
            raise
        if result is None:
            return None
        tipset = tipset_of(result, "ChainGetTipSetByHeight")
        if tipset.height > height:
            raise self.refuse(Refusal.NO_BLOCK, height, f"asked for epoch {height}, it answered epoch {tipset.height}")
        # The state after the snapshot tipset's messages is the parent state of the first tipset above H, whose
        # parent it must be.
        child = tipset_of(await self.rpc.call("Filecoin.ChainGetTipSetAfterHeight", [height + 1, None]),
                          "ChainGetTipSetAfterHeight")
        if child.height <= height or set(child.parents) != set(tipset.cids):
            raise self.refuse(Refusal.NO_BLOCK, height, f"the first tipset above epoch {height} (epoch "
                              f"{child.height}) does not follow tipset {tipset.height}")
        self._tipsets[height] = child
        if tipset.height == height:
            return tipset.key_text
        return f"{tipset.key_text}; epoch {height} is a null round: the state after tipset {tipset.height}"

    async def final_height(self) -> int | None:
        if not self.options.finality_epochs:
            return None
        finality: int = self.options.finality_epochs
        return await self.tip_height() - finality

    async def check_state(self, snapshot: Snapshot) -> None:
        tipset = self._tipsets[snapshot.height]
        try:
            await self.rpc.call("Filecoin.StateGetActor", [self.options.probe_actor, tipset.key])
        except JsonRpcError as exc:
            if is_no_state(exc) or "actor not found" in str(exc):
                raise StateUnavailable(f"{self.options.probe_actor} at tipset {tipset.height}: {exc}") from None
            raise

    # ---- balances ------------------------------------------------------------------------------------

    async def read_batch(self, batch: Sequence[BalanceQuery], snapshot: Snapshot) -> Mapping[BalanceQuery, Balance]:
        tipset = self._tipsets[snapshot.height]
        method, read_at = self.method, tipset.height  # the state after H's messages is read with N's key
        answers: dict[BalanceQuery, Balance] = {}
        asked: list[tuple[BalanceQuery, tuple[str, list[Any]]]] = []
        for query in batch:
            if query.contract is not None:  # the registry lists native FIL only
                answers[query] = Balance(None, method, f"no Filecoin token backend for contract {query.contract}",
                                         read_at=read_at)
                continue
            try:
                address = addresses.canonical(query.address)
            except ValueError as exc:
                answers[query] = Balance(None, method, str(exc), read_at=read_at)
                continue
            asked.append((query, ("Filecoin.StateGetActor", [address, tipset.key])))
        if not asked:
            return answers
        # JsonRpcClient.batch binds each reply to its call by id (missing, repeated or foreign ids: that call errs)
        results = await self.rpc.batch([call for _, call in asked])
        for (query, _), item in zip(asked, results, strict=True):
            if isinstance(item, JsonRpcError) and is_no_state(item):
                raise self.refuse(Refusal.NO_STATE, snapshot.height, str(item))
            amount, error = balance_or_error(item)
            answers[query] = Balance(amount, method, error, read_at=read_at)
        return answers
