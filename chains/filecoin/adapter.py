"""FIL balances at the snapshot tipset from a Lotus or Forest node (JSON-RPC v1), backend `lotus`.

Filecoin keeps the state of past tipsets, so nothing is rolled back: every balance is `StateGetActor` at the
snapshot's tipset key, which looks up the tipset's *parent state* (docs.filecoin.io/reference/json-rpc/state:
"The state looked up is the parent state of the tipset"): the state the tipset at height H commits to, i.e.
after the messages of the tipsets before it. That is what `lotus state get-actor --tipset @H` and every
explorer report for epoch H.

* The tipset: `Filecoin.ChainGetTipSetByHeight [H, null]`. When epoch H is a *null round* (no block was mined),
  Lotus returns the tipset of the last non-null epoch before H; its parent state is the chain's answer for H
  and is what we read. The snapshot's block hash then says so ("...; epoch H is a null round: tipset at H'")
  and each balance's method is `StateGetActor@H'`.
* Identity: block 0's CID (`Filecoin.ChainGetGenesis`) must be the registry's `genesis_cid` (mainnet:
  bafy2bzacecnamqgqmifpluoeldx7zzglxcljo6oja4vrmtj7432rphldpdmm2). `StateNetworkName` is not used: mainnet
  Lotus answers "testnetnet" there.
* State at H: the probe actor (f099) is read at the tipset before any row; a node that pruned that state
  (splitstore, a snapshot-synced node) or a gateway that refuses old lookbacks ("lookbacks of more than ...
  are disallowed") is refused with NO_STATE, never read at its head.
* An address that has no actor at that tipset (Lotus: "actor not found"; Forest: `null`) holds 0: that is the
  chain's own answer (an f1 address gets its actor with the first FIL it receives).
* Requests are JSON-RPC batches of `batch_size` `StateGetActor` calls (Lotus serves batches since mid-2023,
  filecoin-project/lotus#10832, run in order by go-jsonrpc). Each reply is bound to its request by id: an id
  answered twice, missing, or belonging to no request leaves the rows it could belong to unread.

FEVM (f410f / 0x) rows are the EVM family's (network FEVM, chain id 314): the EVM adapter reads them with
`eth_getBalance`/Multicall3 at the snapshot block on the same Lotus node, which is simpler than a second
Filecoin path and already batched; f1 rows are the only ones this adapter sees.
"""

from __future__ import annotations

import itertools
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
from chains.filecoin.api import TipSetRef, balance_or_error, is_no_state, strict_batch_results, tipset_of
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
        self._ids = itertools.count(1)

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
        return tipset_of(await self.rpc.call("Filecoin.ChainHead"), "ChainHead").height

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
        self._tipsets[height] = tipset
        if tipset.height < height:  # a null round: the previous tipset's parent state is the chain's answer
            return f"{tipset.key_text}; epoch {height} is a null round: tipset at {tipset.height}"
        return tipset.key_text

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
        method = f"StateGetActor@{tipset.height}"
        answers: dict[BalanceQuery, Balance] = {}
        asked: list[tuple[BalanceQuery, dict[str, Any]]] = []
        for query in batch:
            if query.contract is not None:  # the registry lists native FIL only
                answers[query] = Balance(None, method, f"no Filecoin token backend for contract {query.contract}")
                continue
            try:
                address = addresses.canonical(query.address)
            except ValueError as exc:
                answers[query] = Balance(None, method, str(exc))
                continue
            request = {"jsonrpc": "2.0", "id": next(self._ids), "method": "Filecoin.StateGetActor",
                       "params": [address, tipset.key]}
            asked.append((query, request))
        if not asked:
            return answers
        requests = [request for _, request in asked]
        reply = await self.transport.request_json("POST", self.endpoint.url, payload=requests)
        for (query, _), item in zip(asked, strict_batch_results(requests, reply), strict=True):
            if isinstance(item, JsonRpcError) and is_no_state(item):
                raise self.refuse(Refusal.NO_STATE, snapshot.height, str(item))
            amount, error = balance_or_error(item)
            answers[query] = Balance(amount, method, error)
        return answers
