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


class JsonRpcClient:
    """JSON-RPC 2.0 over an HttpTransport: single calls and batches."""

    def __init__(self, transport: HttpTransport, url: str) -> None:
        self.transport = transport
        self.url = url
        self._ids = itertools.count(1)

    async def call(self, method: str, params: Sequence[Any] = ()) -> Any:
        request = {"jsonrpc": "2.0", "id": next(self._ids), "method": method, "params": list(params)}
        reply = await self.transport.request_json("POST", self.url, payload=request)
        if not isinstance(reply, dict):
            raise RequestError(f"{method}: unexpected reply {str(reply)[:200]}")
        if reply.get("error"):
            raise JsonRpcError(reply["error"])
        return reply.get("result")

    async def batch(self, calls: Sequence[tuple[str, Sequence[Any]]]) -> list[Any | JsonRpcError]:
        """Results in call order; a call that failed on its own yields its JsonRpcError in place."""
        if not calls:
            return []
        first = next(self._ids)
        requests = [
            {"jsonrpc": "2.0", "id": first + i, "method": m, "params": list(p)} for i, (m, p) in enumerate(calls)
        ]
        self._ids = itertools.count(first + len(calls))
        reply = await self.transport.request_json("POST", self.url, payload=requests)
        if isinstance(reply, dict) and reply.get("error"):
            raise JsonRpcError(reply["error"])  # the whole batch was refused
        if not isinstance(reply, list):
            raise RequestError(f"batch reply is not a list: {str(reply)[:200]}")
        by_id = {item.get("id"): item for item in reply if isinstance(item, dict)}
        results: list[Any | JsonRpcError] = []
        for i in range(len(calls)):
            item = by_id.get(first + i)
            if item is None:
                results.append(JsonRpcError({"code": None, "message": "missing from batch reply"}))
            elif item.get("error"):
                results.append(JsonRpcError(item["error"]))
            else:
                results.append(item.get("result"))
        return results
