"""JSON-RPC 2.0 over an HttpTransport: single calls and batches, every reply bound to its request by id."""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from typing import Any

from chains.transport.errors import RequestError
from chains.transport.http import HttpTransport


class JsonRpcError(RequestError):
    def __init__(self, error: Mapping[str, Any]) -> None:
        super().__init__(f"JSON-RPC error {error.get('code')}: {error.get('message')}")
        self.code = error.get("code")
        self.data = error.get("data")


class ReplyMismatch(RequestError):
    """A reply that cannot be bound to its request (another id, none, or twice the same): never used as an answer.
    A caching proxy or a load balancer mixing connections gives another request's reply; taking it would give a
    row another address's balance."""


def _is_id(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)  # True == 1 in Python, not in JSON-RPC


class JsonRpcClient:
    """JSON-RPC 2.0 over an HttpTransport: single calls and batches. Ids are unique per client, and every reply
    is bound to its request by id: a single reply must carry the request's id; in a batch, a call whose id is
    missing from the reply, or appears twice, gets a ReplyMismatch in place (replies with ids that were not
    asked are ignored), never another call's result."""

    def __init__(self, transport: HttpTransport, url: str) -> None:
        self.transport = transport
        self.url = url
        self._ids = itertools.count(1)

    async def call(self, method: str, params: Sequence[Any] = ()) -> Any:
        request_id = next(self._ids)
        request = {"jsonrpc": "2.0", "id": request_id, "method": method, "params": list(params)}
        reply = await self.transport.request_json("POST", self.url, payload=request)
        if not isinstance(reply, dict):
            raise RequestError(f"{method}: unexpected reply {str(reply)[:200]}")
        if reply.get("id") != request_id or not _is_id(reply.get("id")):
            if reply.get("id") is None and reply.get("error"):  # JSON-RPC: a request the server could not parse
                raise JsonRpcError(reply["error"])
            raise ReplyMismatch(f"{method}: the reply carries id {reply.get('id')!r}, the request id {request_id}: "
                                "another request's reply (a caching proxy or load balancer?), not used")
        if reply.get("error"):
            raise JsonRpcError(reply["error"])
        if "result" not in reply:
            raise RequestError(f"{method}: reply has neither result nor error")
        return reply["result"]

    async def batch(self, calls: Sequence[tuple[str, Sequence[Any]]]) -> list[Any | RequestError]:
        """Results in call order; a call that failed on its own, or whose reply cannot be bound to it, yields
        its JsonRpcError / ReplyMismatch in place."""
        if not calls:
            return []
        ids = [next(self._ids) for _ in calls]
        requests = [
            {"jsonrpc": "2.0", "id": i, "method": m, "params": list(p)} for i, (m, p) in zip(ids, calls, strict=True)
        ]
        reply = await self.transport.request_json("POST", self.url, payload=requests)
        if isinstance(reply, dict) and reply.get("error"):
            raise JsonRpcError(reply["error"])  # the whole batch was refused
        if not isinstance(reply, list):
            raise RequestError(f"batch reply is not a list: {str(reply)[:200]}")
        wanted = set(ids)
        by_id: dict[int, Any] = {}
        repeated: set[int] = set()
        foreign = 0
        for item in reply:
            item_id = item.get("id") if isinstance(item, dict) else None
            if not _is_id(item_id) or item_id not in wanted:
                foreign += 1
                continue  # an id not asked: bound to nothing (the call it displaced is missing below)
            if item_id in by_id:
                repeated.add(item_id)
            by_id[item_id] = item
        results: list[Any | RequestError] = []
        for request_id, (method, _) in zip(ids, calls, strict=True):
            item = by_id.get(request_id)
            if request_id in repeated:
                results.append(ReplyMismatch(f"{method}: the batch reply holds id {request_id} more than once: "
                                             "which one answers this call is unknown, none is used"))
            elif item is None:
                stray = f" ({foreign} carried an id of no call)" if foreign else ""
                results.append(ReplyMismatch(f"{method}: no reply with id {request_id} in the batch reply{stray}"))
            elif item.get("error"):
                results.append(JsonRpcError(item["error"]))
            elif "result" not in item:
                results.append(RequestError(f"{method}: reply has neither result nor error"))
            else:
                results.append(item["result"])
        return results
