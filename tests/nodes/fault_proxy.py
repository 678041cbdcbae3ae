"""A fault-injecting JSON-RPC proxy on 127.0.0.1 between the auditor and one upstream node (a funded anvil).

It forwards every request as it is and, when told to, breaks the replies the ways issue 13 found real
infrastructure break them (a caching proxy, a load balancer mixing connections, a node dying, a reorg):

* `stale_every = n`: every n-th `eth_call` is answered with the previous `eth_call`'s reply, as it was (its id
  is that earlier request's);
* `foreign_id_every = n`: every n-th `eth_call` reply gets an id nobody asked for;
* batch replies (JSON-RPC 2.0 §6: an array of response objects, in any order, one per request): `batch_fault`
  `"duplicate"` (the second reply relabelled with the first one's id: the first call's id twice, the second
  call's missing), `"missing"` (the last reply dropped), `"extra"` (a reply with an id not asked appended);
* `die_after = n`: from the (n+1)-th request on, the connection is dropped without a reply (a dead proxy);
* `reorg_after = n, reorg_depth = d`: before forwarding the (n+1)-th `eth_call`, the upstream anvil is made to
  reorganise its last d blocks (`anvil_reorg`, https://getfoundry.sh/anvil/reference/ : "anvil_reorg: reorg the
  chain to a specific depth and mine new blocks back to the canonical height"), so the snapshot block's hash
  changes in the middle of the reads;
* `error_every_call = text`: every `eth_call` answered with a JSON-RPC error object with that message.

Requests and replies follow the JSON-RPC 2.0 specification (https://www.jsonrpc.org/specification): `id` echoed
in each response, batches answered by arrays. `counts` says how many requests of each kind went through and how
many faults were injected.
"""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from tests.nodes.proxy import ThreadedProxy


@dataclass
class Faults:
    stale_every: int = 0
    foreign_id_every: int = 0
    batch_fault: str = ""  # "duplicate", "missing", "extra"
    die_after: int | None = None
    reorg_after: int | None = None
    reorg_depth: int = 3
    error_every_call: str = ""


class FaultProxy(ThreadedProxy):
    """`with FaultProxy(upstream) as proxy: proxy.url`; set `proxy.faults` fields before (or during) a run."""
    name = "fault-proxy"

    def __init__(self, upstream: str) -> None:
        super().__init__()
        self.upstream = upstream.rstrip("/")
        self.faults = Faults()
        self.counts: Counter = Counter()
        self._previous_call_reply: bytes | None = None
        self._reorg_lock = asyncio.Lock()

    # ---- lifecycle ---------------------------------------------------------------------------------

    def reset(self, faults: Faults | None = None) -> Counter:
        with self._lock:
            counts, self.counts = self.counts, Counter()
            self.faults = faults or Faults()
            self._previous_call_reply = None
        return counts

    # ---- forwarding --------------------------------------------------------------------------------

    def _count(self, kind: str, n: int = 1) -> int:
        with self._lock:
            self.counts[kind] += n
            return self.counts[kind]

    async def _upstream(self, body: bytes) -> bytes:
        assert self._session is not None
        async with self._session.post(self.upstream, data=body,
                                      headers={"Content-Type": "application/json"}) as reply:
            return await reply.read()

    async def handle(self, request: web.Request) -> web.StreamResponse:
        body = await request.read()
        seen = self._count("requests")
        faults = self.faults
        if faults.die_after is not None and seen > faults.die_after:
            self._count("dropped")
            assert request.transport is not None
            request.transport.close()  # no reply at all: the client sees the connection die
            return web.Response(status=500)
        payload = json.loads(body)
        if isinstance(payload, list):
            return await self._batch(body, payload)
        if payload.get("method") != "eth_call":
            return self._json(await self._upstream(body))
        calls = self._count("eth_call")
        if faults.error_every_call:
            self._count("injected")
            error = {"code": -32000, "message": faults.error_every_call}
            return self._json(json.dumps({"jsonrpc": "2.0", "id": payload["id"], "error": error}).encode())
        if faults.reorg_after is not None and calls == faults.reorg_after + 1:
            async with self._reorg_lock:
                await self._upstream(json.dumps({"jsonrpc": "2.0", "id": 1, "method": "anvil_reorg",
                                                 "params": [faults.reorg_depth, []]}).encode())
                self._count("reorgs")
        reply = await self._upstream(body)
        previous, self._previous_call_reply = self._previous_call_reply, reply
        if faults.stale_every and calls % faults.stale_every == 0 and previous is not None:
            self._count("injected")
            return self._json(previous)
        if faults.foreign_id_every and calls % faults.foreign_id_every == 0:
            self._count("injected")
            decoded = json.loads(reply)
            decoded["id"] = 10**9 + int(decoded.get("id") or 0)
            return self._json(json.dumps(decoded).encode())
        return self._json(reply)

    async def _batch(self, body: bytes, payload: list[Any]) -> web.Response:
        self._count("batches")
        replies = json.loads(await self._upstream(body))
        fault = self.faults.batch_fault
        if isinstance(replies, list) and len(replies) >= 2 and fault:
            self._count("injected")
            if fault == "duplicate":
                replies[1]["id"] = replies[0]["id"]
            elif fault == "missing":
                replies.pop()
            elif fault == "extra":
                replies.append({"jsonrpc": "2.0", "id": 10**9, "result": "0x" + "ff" * 32})
        return self._json(json.dumps(replies).encode())

    @staticmethod
    def _json(body: bytes) -> web.Response:
        return web.Response(body=body, content_type="application/json")
