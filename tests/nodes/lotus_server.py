"""A local stand-in for a Lotus node's JSON-RPC v1 API (the methods the Filecoin adapter uses), for tests.

No Lotus or Forest node can run here (no network to sync, no proofs parameters), so this server answers the
documented requests with the documented shapes, from Lotus `documentation/en/api-v1-unstable-methods.md`
(github filecoin-project/lotus) and https://docs.filecoin.io/reference/json-rpc/chain and .../state:

* `Filecoin.ChainHead`, `Filecoin.ChainGetGenesis`, `Filecoin.ChainGetTipSetByHeight [epoch, null]`: a TipSet
  `{"Cids": [{"/": cid}], "Blocks": [{"Parents": [...], ...}], "Height": n}`; for a null round, the last tipset
  before the epoch; above the head, Lotus's error "looking for tipset with height greater than start point".
  `Filecoin.ChainGetTipSetAfterHeight [epoch, null]`: for a null round, the first tipset after the epoch.
* `Filecoin.StateGetActor [address, tipset key]`: `{"Code", "Head", "Nonce", "Balance": "<attoFIL>"}` of the
  tipset's *parent state* (the state after the messages of earlier tipsets); an address with no actor there
  gets Lotus's error `resolution lookup failed (f1...): resolve address f1...: actor not found` (code 1).
* JSON-RPC batches (arrays), answered in order, as go-jsonrpc does since mid-2023 (filecoin-project/lotus#10832).
* Faults: `pruned_below` (state older than that epoch is gone, as on a splitstore node: "load state tree:
  failed to load state tree ...: ipld: could not find ..."), `gateway_lookback` (a Lotus gateway refusing
  tipsets older than that many epochs: "bad tipset height: lookbacks of more than 24h0m0s are disallowed"),
  `malformed` addresses (a Balance that is not a decimal string), `foreign_id` addresses (the reply carries
  another request's id), plus the shared 429/5xx faults.
"""

from __future__ import annotations

import bisect
import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from chains.filecoin import addresses
from tests.nodes.stand_in import ServerThread, StandInServer

MAINNET_GENESIS_CID = "bafy2bzacecnamqgqmifpluoeldx7zzglxcljo6oja4vrmtj7432rphldpdmm2"
SYSTEM_ACTORS = ("f099", "f00", "f01", "f02")  # burnt funds, system, init, reward: present at every epoch
ACCOUNT_CODE = "bafk2bzacedudbf7fc5va57t3tmo63snmt3en4iaidv4vo3qlyacbxaa6hlx6y"


def _cid(tag: bytes) -> str:
    return "bafy2bzace" + hashlib.sha256(tag).hexdigest()[:49]


class FilLedger:
    """Epochs of FIL transfers. Null epochs have no tipset. `actor(a, h)` is the parent state of a tipset at h
    (after the messages of every tipset before h), `balance(a, h)` the state after those up to h."""

    def __init__(self, genesis_cid: str = MAINNET_GENESIS_CID) -> None:
        self.genesis_cid = genesis_cid
        self.null_epochs: set[int] = set()
        self.head = 0
        self.pending: list[tuple[str | None, str, int]] = []
        self._changes: dict[str, list[tuple[int, int]]] = {}  # address -> [(epoch, running balance after it)]

    def credit(self, address: str, amount: int) -> None:
        self.pending.append((None, addresses.canonical(address), amount))

    def transfer(self, sender: str, receiver: str, amount: int) -> None:
        self.pending.append((addresses.canonical(sender), addresses.canonical(receiver), amount))

    def mine(self, count: int = 1) -> int:
        """Seal the pending transfers into the next tipset, then `count - 1` empty tipsets; the new head."""
        for _ in range(count):
            self.head += 1
            for sender, receiver, amount in self.pending:
                if sender is not None:
                    if self._after(sender, self.head) < amount:
                        raise ValueError(f"{sender} cannot send {amount}")
                    self._apply(sender, -amount)
                self._apply(receiver, amount)
            self.pending = []
        return self.head

    def null_round(self) -> int:
        """An epoch where no block was mined."""
        if self.pending:
            raise ValueError("seal pending transfers first")
        self.head += 1
        self.null_epochs.add(self.head)
        return self.head

    def _apply(self, address: str, delta: int) -> None:
        changes = self._changes.setdefault(address, [])
        current = changes[-1][1] if changes else 0
        if changes and changes[-1][0] == self.head:
            changes[-1] = (self.head, current + delta)
        else:
            changes.append((self.head, current + delta))

    def _after(self, address: str, epoch: int) -> int:
        """The balance after the messages of every tipset up to and including `epoch`."""
        changes = self._changes.get(address, [])
        index = bisect.bisect_right(changes, (epoch, float("inf")))
        return changes[index - 1][1] if index else 0

    def tipset_height(self, epoch: int) -> int:
        while epoch in self.null_epochs:
            epoch -= 1
        return epoch

    def actor(self, address: str, epoch: int) -> int | None:
        """The balance after the messages of every tipset before `epoch` (None: no actor yet): the parent state
        of the tipset at `epoch`, or for a null round the parent state of the first tipset after it."""
        changes = self._changes.get(address, [])
        index = bisect.bisect_left(changes, (epoch, -1))  # changes of epochs < epoch
        return changes[index - 1][1] if index else None

    def tipset_after(self, epoch: int) -> int | None:
        """The first epoch >= `epoch` with a tipset (None: none yet)."""
        while epoch in self.null_epochs:
            epoch += 1
        return epoch if epoch <= self.head else None

    def balance(self, address: str, epoch: int | None = None) -> int:
        """The balance at `epoch` (default: the head): after the messages of every tipset up to and including it
        (the parent state of the tipsets above it)."""
        return self.actor(addresses.canonical(address), (self.head if epoch is None else epoch) + 1) or 0

    def cids(self, height: int) -> list[str]:
        if height == 0:
            return [self.genesis_cid]
        return [_cid(f"block {height} miner {m}".encode()) for m in range(1 + height % 2)]


@dataclass
class LotusFaults:
    pruned_below: int | None = None
    gateway_lookback: int | None = None
    malformed: set[str] = field(default_factory=set)
    foreign_id: set[str] = field(default_factory=set)


class LotusServer(StandInServer):
    def __init__(self, ledger: FilLedger) -> None:
        super().__init__()
        self.ledger = ledger
        self.faults = LotusFaults()

    def routes(self, app: web.Application) -> None:
        app.router.add_post("/rpc/v1", self.rpc)

    @property
    def rpc_url(self) -> str:
        return self.url + "/rpc/v1"

    async def rpc(self, request: web.Request) -> web.Response:
        try:
            body = json.loads(await request.read())
        except ValueError:
            error = {"code": -32700, "message": "parse error"}
            return web.json_response({"jsonrpc": "2.0", "id": None, "error": error})
        if isinstance(body, list):
            return web.json_response([self._call(item) for item in body])
        return web.json_response(self._call(body))

    def _call(self, call: Any) -> dict[str, Any]:
        ident = call.get("id") if isinstance(call, dict) else None
        method = call.get("method") if isinstance(call, dict) else None
        params = call.get("params") or [] if isinstance(call, dict) else []
        self.requests[str(method)] += 1
        handler = {
            "Filecoin.ChainHead": self._chain_head,
            "Filecoin.ChainGetGenesis": self._genesis,
            "Filecoin.ChainGetTipSetByHeight": self._tipset_by_height,
            "Filecoin.ChainGetTipSetAfterHeight": self._tipset_after_height,
            "Filecoin.StateGetActor": self._state_get_actor,
            "Filecoin.StateNetworkName": lambda _: "testnetnet",
        }.get(str(method))
        if handler is None:
            return {"jsonrpc": "2.0", "id": ident, "error": {"code": -32601, "message": f"method '{method}' not found"}}
        try:
            result = handler(params)
        except _RpcFailure as failure:
            return {"jsonrpc": "2.0", "id": ident, "error": {"code": 1, "message": str(failure)}}
        if method == "Filecoin.StateGetActor" and params and params[0] in self.faults.foreign_id:
            ident = (ident or 0) + 1_000_000
        return {"jsonrpc": "2.0", "id": ident, "result": result}

    def _tipset(self, height: int) -> dict[str, Any]:
        cids = self.ledger.cids(height)
        parents = self.ledger.cids(self.ledger.tipset_height(height - 1)) if height else []
        blocks = [{"Miner": f"f0{1000 + i}", "Parents": [{"/": p} for p in parents], "Height": height,
                   "ParentStateRoot": {"/": _cid(f"state {height}".encode())}, "Timestamp": 1598306400 + 30 * height}
                  for i in range(len(cids))]
        return {"Cids": [{"/": c} for c in cids], "Blocks": blocks, "Height": height}

    def _chain_head(self, params: list[Any]) -> dict[str, Any]:
        return self._tipset(self.ledger.tipset_height(self.ledger.head))

    def _genesis(self, params: list[Any]) -> dict[str, Any]:
        return self._tipset(0)

    def _tipset_by_height(self, params: list[Any]) -> dict[str, Any]:
        if not params or not isinstance(params[0], int):
            raise _RpcFailure("unmarshaling params for 'Filecoin.ChainGetTipSetByHeight' (param: 0): expected an epoch")
        epoch = params[0]
        if epoch > self.ledger.head:
            raise _RpcFailure("looking for tipset with height greater than start point")
        lookback = self.faults.gateway_lookback
        if lookback is not None and epoch < self.ledger.head - lookback:
            raise _RpcFailure("bad tipset height: lookbacks of more than 24h0m0s are disallowed")
        return self._tipset(self.ledger.tipset_height(epoch))

    def _tipset_after_height(self, params: list[Any]) -> dict[str, Any]:
        if not params or not isinstance(params[0], int):
            raise _RpcFailure("unmarshaling params for 'Filecoin.ChainGetTipSetAfterHeight' (param: 0): expected an "
                              "epoch")
        found = self.ledger.tipset_after(params[0]) if params[0] <= self.ledger.head else None
        if found is None:
            raise _RpcFailure("looking for tipset with height greater than start point")
        return self._tipset(found)

    def _height_of_key(self, key: Any) -> int:
        if not isinstance(key, list) or not key:
            return self.ledger.tipset_height(self.ledger.head)  # a null/empty key: the heaviest tipset
        cids = [item.get("/") if isinstance(item, dict) else None for item in key]
        for height in range(self.ledger.head, -1, -1):  # small chains: a scan is fine, cached below
            if height in self.ledger.null_epochs:
                continue
            if self.ledger.cids(height) == cids:
                return height
        raise _RpcFailure(f"loading tipset {{{','.join(str(c) for c in cids)}}}: blockstore: block not found")

    def _state_get_actor(self, params: list[Any]) -> dict[str, Any]:
        if len(params) != 2 or not isinstance(params[0], str):
            raise _RpcFailure("unmarshaling params for 'Filecoin.StateGetActor': expected [address, tipset key]")
        height = self._key_cache(params[1])
        if self.faults.pruned_below is not None and height < self.faults.pruned_below:
            root = _cid(f"state {height}".encode())
            raise _RpcFailure(f"load state tree: failed to load state tree {root}: failed to load hamt node: "
                              f"ipld: could not find {root}")
        text = params[0]
        if text in SYSTEM_ACTORS:
            return {"Code": {"/": _cid(text.encode())}, "Head": {"/": _cid(b"head" + text.encode())}, "Nonce": 0,
                    "Balance": "38914329849265347285190208"}
        try:
            address = addresses.canonical(text)
        except ValueError:
            raise _RpcFailure(f"invalid address payload: {text}") from None
        balance = self.ledger.actor(address, height)
        if balance is None:
            raise _RpcFailure(f"resolution lookup failed ({address}): resolve address {address}: actor not found")
        shown = f"{balance / 10**18}" if address in self.faults.malformed else str(balance)
        return {"Code": {"/": ACCOUNT_CODE}, "Head": {"/": _cid(b"head" + address.encode())}, "Nonce": 3,
                "Balance": shown}

    def _key_cache(self, key: Any) -> int:
        text = json.dumps(key, sort_keys=True)
        cache = self.__dict__.setdefault("_keys", {})
        if text not in cache:
            cache[text] = self._height_of_key(key)
        return cache[text]


class _RpcFailure(Exception):
    pass


def lotus_thread(ledger: FilLedger) -> ServerThread:
    return ServerThread(LotusServer(ledger))
