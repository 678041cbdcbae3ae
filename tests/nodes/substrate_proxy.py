"""A JSON-RPC proxy on 127.0.0.1 in front of a Substrate node (Chopsticks), for what the node itself cannot show:

* a pruned node: `state_*` calls at a block in `pruned` are answered with the error a pruned Substrate node
  gives, `4003: Client error: Api called for an unknown Block: State already discarded for 0x…` (the wording
  of polkadot-sdk nodes since 2023, as quoted in paritytech/substrate-api-sidecar issue #1562);
* HTTP failures: `failures` is a queue of (status, Retry-After) answered before forwarding;
* a node that lies or garbles: `tamper(method, params, result) -> result` rewrites a reply;
* a provider without a method: calls in `unavailable` get JSON-RPC error -32601 "Method not found".

It counts requests per JSON-RPC method and the storage keys asked (`counts`), so tests and the benchmark
measure requests at the server.
"""

from __future__ import annotations

import json
from collections import Counter, deque
from collections.abc import Callable
from typing import Any

from aiohttp import web

from tests.nodes.proxy import ThreadedProxy

Tamper = Callable[[str, list, Any], Any]


class SubstrateProxy(ThreadedProxy):
    name = "substrate-proxy"

    def __init__(self, upstream: str) -> None:
        super().__init__()
        self.upstream = upstream.rstrip("/")
        self.pruned: set[str] = set()  # block hashes whose state this "node" discarded
        self.failures: deque[tuple[int, str | None]] = deque()
        self.tamper: Tamper | None = None
        self.unavailable: set[str] = set()
        self.counts: Counter = Counter()

    def reset(self) -> Counter:
        with self._lock:
            counts, self.counts = self.counts, Counter()
        return counts

    async def handle(self, request: web.Request) -> web.Response:
        payload = json.loads(await request.read())
        calls = payload if isinstance(payload, list) else [payload]
        with self._lock:
            self.counts["requests"] += 1
            for call in calls:
                self.counts[call.get("method", "?")] += 1
                if call.get("method") == "state_queryStorageAt":
                    self.counts["keys"] += len(call["params"][0])
            failure = self.failures.popleft() if self.failures else None
        if failure is not None:
            status, retry_after = failure
            headers = {"Retry-After": retry_after} if retry_after is not None else {}
            return web.Response(status=status, text="busy", headers=headers)
        answers = [await self._answer(call) for call in calls]
        body = answers if isinstance(payload, list) else answers[0]
        return web.json_response(body)

    async def _answer(self, call: dict[str, Any]) -> dict[str, Any]:
        method, params = call.get("method", ""), call.get("params") or []
        if method.startswith("state_") and params and str(params[-1]).lower() in self.pruned:
            return {"jsonrpc": "2.0", "id": call.get("id"), "error": {
                "code": 4003, "message": "Client error: Api called for an unknown Block: State already discarded "
                f"for {params[-1]}"}}
        if method in self.unavailable:
            return {"jsonrpc": "2.0", "id": call.get("id"), "error": {"code": -32601, "message": "Method not found"}}
        assert self._session is not None
        async with self._session.post(self.upstream, json=call) as reply:
            answer = await reply.json(content_type=None)
        if self.tamper is not None and "result" in answer:
            answer["result"] = self.tamper(method, params, answer["result"])
        return answer
