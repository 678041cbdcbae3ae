"""A local stand-in for a Hyperion history server in front of a real nodeos, for tests.

Hyperion (eosrio) needs Elasticsearch, RabbitMQ and Redis, none of which installs here, so this server
answers the two Hyperion routes the EOS adapter uses, with Hyperion's documented shapes, from the real
actions of the nodeos API node's blocks (`/v1/trace_api/get_block`, decoded with the token ABIs given to
trace_api_plugin):

* `GET /v2/history/get_actions` (https://hyperion.docs.eosrio.io/api/v2/ ; query schema and semantics from
  eosrio/hyperion-history-api api/routes/v2-history/get_actions/{index,functions,get_actions}.ts): `account`
  matches `notified` or `act.authorization.actor`; `filter` is `code:name` pairs, comma separated, `*` any;
  generic filters on indexed fields, ANDed, comma-separated values ORed (`notified=a,b`,
  `act.authorization.actor=a,b`), ranges `block_num=A-B`, `global_sequence=A-B`; `sort` asc/desc/1/-1 (by
  global_sequence);
  `skip`, `limit` (more than `max_limit`: an error, as Hyperion's `limit too big, maximum: 1000`). One entry
  per action: its notifications merged into `notified`; eosio.token-style `transfer` data gets Hyperion's
  extra float `amount` and `symbol` beside `quantity`. Reply `{query_time_ms, cached, lib, total: {value,
  relation}, actions}`.
* `GET /v2/health` (api/routes/v2/health/health.ts): `health` list with `NodeosRPC` (head_block_num,
  last_irreversible_block, chain_id) and `Elasticsearch` (first_indexed_block, last_indexed_block,
  total_indexed_blocks, missing_blocks...).
* `POST /v1/chain/*` is passed to nodeos, as Hyperion's API does, so one URL serves a whole EOS endpoint.

`eosio::updateauth`/`deleteauth` are native actions without an ABI on a chain without the system contract;
their `account` and `permission` (two names at the head of the data) are decoded here, as Hyperion's ABI
would.

    with HyperionThread(chain.api_url) as hyperion:
        hyperion.url
        hyperion.faults.rate_limited = 2   # the next two requests: 429 with Retry-After
        hyperion.counts                    # requests per kind, counted here
"""

from __future__ import annotations

import asyncio
import json
import struct
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import aiohttp
from aiohttp import web

_NAME_CHARS = ".12345abcdefghijklmnopqrstuvwxyz"


def decode_name(value: int) -> str:
    """An EOS name from its 64-bit packing."""
    chars = []
    for i in range(13):
        if i == 0:
            index = value & 0x0F
            value >>= 4
        else:
            index = value & 0x1F
            value >>= 5
        chars.append(_NAME_CHARS[index])
    return "".join(reversed(chars)).rstrip(".")


def native_auth_data(hex_data: str) -> dict[str, str]:
    raw = bytes.fromhex(hex_data)
    account, permission = struct.unpack_from("<QQ", raw)
    return {"account": decode_name(account), "permission": decode_name(permission)}


@dataclass
class Faults:
    """Misbehaviours a test can switch on while the server runs."""

    rate_limited: int = 0  # answer this many next requests with 429 + Retry-After
    retry_after: str = "1"
    server_errors: int = 0  # answer this many next requests with 503
    first_indexed_block: int = 2  # history kept from this block on (block 1, genesis, has no trace)
    index_until: int | None = None  # stop indexing after this block (an index lagging behind)
    malformed: set[str] = field(default_factory=set)  # accounts whose actions' quantity is garbage
    foreign: dict[str, str] = field(default_factory=dict)  # get_account for key answered for value's account
    chain_id: str | None = None  # report another chain in /v2/health
    # called (in a worker thread) before a /v1/chain request is passed on: (api name, request body)
    before_chain_api: Callable[[str, dict[str, Any]], None] | None = None


class HyperionServer:
    def __init__(self, nodeos_url: str, max_limit: int = 1000) -> None:
        self.nodeos_url = nodeos_url.rstrip("/")
        self.max_limit = max_limit
        self.faults = Faults()
        self.counts: Counter = Counter()
        self.url = ""
        self.actions: list[dict[str, Any]] = []
        self.by_account: dict[str, list[dict[str, Any]]] = {}  # notified or authorizer -> its actions, in order
        self.upstream_errors: list[str] = []  # nodeos's error answers passed on (for a benchmark's diagnosis)
        self.indexed_to = 0
        self._runner: web.AppRunner | None = None
        self._session: aiohttp.ClientSession | None = None
        self._index_lock = asyncio.Lock()

    def app(self) -> web.Application:
        app = web.Application(middlewares=[self._middleware])
        app.router.add_get("/v2/health", self.health)
        app.router.add_get("/v2/history/get_actions", self.get_actions)
        app.router.add_post("/v1/chain/{api}", self.chain_api)
        return app

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self._session = aiohttp.ClientSession()
        self._runner = web.AppRunner(self.app())
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port)
        await site.start()
        sockets = site._server.sockets if site._server else []  # type: ignore[union-attr]
        self.url = f"http://{host}:{sockets[0].getsockname()[1]}"

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
        if self._session is not None:
            await self._session.close()

    @web.middleware
    async def _middleware(self, request: web.Request, handler: Any) -> web.StreamResponse:
        kind = request.path.rsplit("/", 1)[-1]
        self.counts[kind] += 1
        self.counts["all"] += 1
        if self.faults.rate_limited > 0:
            self.faults.rate_limited -= 1
            self.counts["429"] += 1
            return web.json_response({"statusCode": 429, "error": "Too Many Requests",
                                      "message": "Rate limit exceeded"}, status=429,
                                     headers={"Retry-After": self.faults.retry_after})
        if self.faults.server_errors > 0:
            self.faults.server_errors -= 1
            self.counts["503"] += 1
            return web.json_response({"statusCode": 503, "error": "Service Unavailable"}, status=503)
        return await handler(request)

    # ---- nodeos -----------------------------------------------------------------------------------------

    async def _nodeos(self, path: str, body: Any) -> tuple[int, Any]:
        assert self._session is not None
        async with self._session.post(self.nodeos_url + path, data=json.dumps(body)) as response:
            return response.status, await response.json(content_type=None)

    async def chain_api(self, request: web.Request) -> web.Response:
        body = json.loads(await request.read() or b"{}")
        api = request.match_info["api"]
        if self.faults.before_chain_api is not None:
            await asyncio.to_thread(self.faults.before_chain_api, api, body)
        if api == "get_account" and body.get("account_name") in self.faults.foreign:
            body = {**body, "account_name": self.faults.foreign[body["account_name"]]}
        assert self._session is not None
        try:  # passed on as nodeos answered it (status and body), as a proxy does
            async with self._session.post(f"{self.nodeos_url}/v1/chain/{api}", data=json.dumps(body)) as response:
                raw = await response.read()
                if response.status >= 400:
                    self.upstream_errors.append(f"{api} {response.status}: {raw[:300]!r}")
                return web.Response(body=raw, status=response.status, content_type="application/json")
        except aiohttp.ClientError as exc:
            self.counts["502"] += 1
            return web.json_response({"statusCode": 502, "error": "Bad Gateway", "message": str(exc)}, status=502)

    # ---- the index --------------------------------------------------------------------------------------

    async def _index(self) -> None:
        """Index every block up to nodeos's head (or `faults.index_until`)."""
        async with self._index_lock:
            _, info = await self._nodeos("/v1/chain/get_info", {})
            head = info["head_block_num"]
            if self.faults.index_until is not None:
                head = min(head, self.faults.index_until)
            while self.indexed_to < head:
                number = self.indexed_to + 1
                if number >= self.faults.first_indexed_block:
                    status, block = await self._nodeos("/v1/trace_api/get_block", {"block_num": number})
                    if status != 200:
                        raise web.HTTPServiceUnavailable(text=json.dumps(block))
                    for doc in _documents(block):
                        self.actions.append(doc)
                        involved = {*doc["notified"], *(a["actor"] for a in doc["act"]["authorization"])}
                        for name in involved:
                            self.by_account.setdefault(name, []).append(doc)
                self.indexed_to = number

    async def health(self, request: web.Request) -> web.Response:
        await self._index()
        _, info = await self._nodeos("/v1/chain/get_info", {})
        first = self.faults.first_indexed_block
        last = self.indexed_to
        return web.json_response({
            "version": "3.3.10-stand-in", "version_hash": "", "host": "127.0.0.1",
            "health": [
                {"service": "RabbitMq", "status": "OK", "time": int(time.time() * 1000)},
                {"service": "NodeosRPC", "status": "OK", "time": int(time.time() * 1000), "service_data": {
                    "head_block_num": info["head_block_num"], "head_block_time": info["head_block_time"],
                    "time_offset": 0, "last_irreversible_block": info["last_irreversible_block_num"],
                    "chain_id": self.faults.chain_id or info["chain_id"]}},
                {"service": "Elasticsearch", "status": "OK", "time": int(time.time() * 1000), "service_data": {
                    "first_indexed_block": first, "last_indexed_block": last,
                    "total_indexed_blocks": max(0, last - first + 1), "active_shards": "100.0%",
                    "missing_blocks": 0, "missing_pct": "0.00%",
                    "head_offset": info["head_block_num"] - last}},
            ],
            "features": {},
        })

    async def get_actions(self, request: web.Request) -> web.Response:
        query = request.query
        try:
            skip = int(query.get("skip", "0"))
            limit = int(query.get("limit", "10"))
            if skip < 0:
                raise ValueError("invalid skip parameter")
            if limit < 1:
                raise ValueError("invalid limit parameter")
            if limit > self.max_limit:
                raise ValueError(f"limit too big, maximum: {self.max_limit}")
            sort = query.get("sort", "desc")
            if sort not in ("asc", "desc", "1", "-1"):
                raise ValueError("invalid sort direction")
            ranges = {key: _range(query[key]) for key in ("block_num", "global_sequence") if key in query}
        except ValueError as exc:
            return web.json_response({"statusCode": 500, "error": "Internal Server Error", "message": str(exc)},
                                     status=500)
        await self._index()
        account = query.get("account")
        filters = [f.split(":") for f in query.get("filter", "").split(",") if f and f != "*:*"]
        # generic filters on indexed fields, comma-separated values OR-ed (functions.ts processMultiVars)
        notified = set(query["notified"].split(",")) if "notified" in query else None
        actors = set(query["act.authorization.actor"].split(",")) if "act.authorization.actor" in query else None
        names = [account] if account else sorted(notified or actors or ())
        if names:
            candidates = {d["global_sequence"]: d for name in names for d in self.by_account.get(name, [])}.values()
        else:
            candidates = self.actions
        hits = []
        for doc in candidates:
            doc_actors = {a["actor"] for a in doc["act"]["authorization"]}
            if account and account not in doc["notified"] and account not in doc_actors:
                continue
            if notified is not None and not notified.intersection(doc["notified"]):
                continue
            if actors is not None and not actors & doc_actors:
                continue
            if filters and not any(code in ("", "*", doc["act"]["account"]) and name in ("", "*", doc["act"]["name"])
                                   for code, name in filters):
                continue
            if any(not low <= doc[key] <= high for key, (low, high) in ranges.items()):
                continue
            hits.append(doc)
        hits.sort(key=lambda d: d["global_sequence"], reverse=sort in ("desc", "-1"))
        page = [self._served(doc) for doc in hits[skip : skip + limit]]
        return web.json_response({"query_time_ms": 1.0, "cached": False, "lib": 0,
                                  "total": {"value": len(hits), "relation": "eq"}, "actions": page})

    def _served(self, doc: dict[str, Any]) -> dict[str, Any]:
        if not self.faults.malformed.intersection(doc["notified"]):
            return doc
        data = {**doc["act"]["data"], "quantity": "lots of EOS"}
        return {**doc, "act": {**doc["act"], "data": data}}


def _range(text: str) -> tuple[int, int]:
    low, _, high = text.partition("-")
    return int(low), int(high)


def _documents(block: dict[str, Any]) -> list[dict[str, Any]]:
    """Hyperion's action documents of one trace_api block: one per action, its notifications merged."""
    docs: list[dict[str, Any]] = []
    timestamp = block["timestamp"].rstrip("Z")
    for trx in block.get("transactions", []):
        current: dict[str, Any] | None = None
        for ordinal, trace in enumerate(trx.get("actions", []), 1):
            same = (current is not None and trace["receiver"] != trace["account"]
                    and current["act"]["account"] == trace["account"] and current["act"]["name"] == trace["action"]
                    and current["_data"] == trace["data"])
            if same:
                assert current is not None
                current["notified"].append(trace["receiver"])
                continue
            if "params" in trace:
                data = dict(trace["params"])
            elif trace["account"] == "eosio" and trace["action"] in ("updateauth", "deleteauth"):
                data = native_auth_data(trace["data"])
            else:
                data = trace["data"]  # hex: no ABI for it
            if trace["action"] == "transfer" and isinstance(data, dict) and isinstance(data.get("quantity"), str):
                amount, symbol = data["quantity"].split(" ")
                data["amount"] = float(Decimal(amount))
                data["symbol"] = symbol
            current = {
                "@timestamp": timestamp, "timestamp": timestamp, "block_num": block["number"],
                "block_id": block["id"], "trx_id": trx["id"], "producer": block["producer"],
                "act": {"account": trace["account"], "name": trace["action"],
                        "authorization": [{"actor": a["account"], "permission": a["permission"]}
                                          for a in trace.get("authorization", [])],
                        "data": data},
                "notified": [trace["receiver"]], "global_sequence": trace["global_sequence"],
                "action_ordinal": ordinal, "creator_action_ordinal": 0, "cpu_usage_us": 0, "net_usage_words": 0,
                "_data": trace["data"],
            }
            docs.append(current)
    for doc in docs:
        doc.pop("_data", None)
    return docs


class HyperionThread:
    """The server on its own event loop in a daemon thread: `with HyperionThread(nodeos_url) as server: ...`."""

    def __init__(self, nodeos_url: str, max_limit: int = 1000) -> None:
        self.server = HyperionServer(nodeos_url, max_limit)
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="hyperion-server", daemon=True)

    def __enter__(self) -> HyperionServer:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self.server.start(), self._loop).result(timeout=10)
        return self.server

    def __exit__(self, *exc_info: object) -> None:
        asyncio.run_coroutine_threadsafe(self.server.stop(), self._loop).result(timeout=10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self._loop.close()
