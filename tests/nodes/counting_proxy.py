"""An HTTP proxy on 127.0.0.1 that forwards to one local upstream (anvil, litecoind, the TRON server) and counts
what was asked: balance reads per kind, decoded from the request bodies. Tests use it to show that a resumed
run does not ask again for what its checkpoint holds. `delay` slows every request, so a test can stop a run
part-way through.

Counted kinds: `evm-balance` (sub-calls of a Multicall3 aggregate3, and eth_getBalance/eth_call of the batch
path), `evm-owners` (getOwners calls), `ltc-scan` (descriptors of each scantxoutset start), `tron-trx`
(getaccountbalance, or getEthBalance calls in a Multicall aggregate), `tron-trc20` (balanceOf calls, alone or in
an aggregate), `tron-events` (TRC-20 history pages), and `http`: every HTTP request forwarded (what a provider
bills).
"""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from typing import Any

from aiohttp import web
from eth_abi import decode as abi_decode

from chains.evm.adapter import GET_OWNERS, MULTICALL3
from chains.evm.multicall import AGGREGATE3
from tests.nodes.proxy import ThreadedProxy


def _evm_counts(call: dict[str, Any], counts: Counter) -> None:
    method, params = call.get("method"), call.get("params") or []
    if method == "eth_call" and params and isinstance(params[0], dict):
        target, data = str(params[0].get("to", "")).lower(), str(params[0].get("data", ""))
        if target == MULTICALL3 and data.startswith("0x" + AGGREGATE3.hex()):
            (calls,) = abi_decode(["(address,bool,bytes)[]"], bytes.fromhex(data[10:]))
            counts["evm-balance"] += len(calls)
        elif data == GET_OWNERS:
            counts["evm-owners"] += 1
        elif data.startswith("0x70a08231"):
            counts["evm-balance"] += 1
    elif method == "eth_getBalance" and params and str(params[0]).lower() != MULTICALL3:
        counts["evm-balance"] += 1
    elif method == "scantxoutset" and params and params[0] == "start":
        counts["ltc-scan"] += len(params[1])


TRON_AGGREGATE = "252dba42"  # Multicall's aggregate((address,bytes)[])


GET_ETH_BALANCE = bytes.fromhex("4d2301cc")  # Multicall's getEthBalance(address): a TRX balance


def _tron_balance_calls(body: bytes) -> Counter:
    """Balance reads in a triggerconstantcontract: one balanceOf, or a Multicall aggregate's calls, of which
    getEthBalance ones read TRX and the rest TRC-20 balanceOf."""
    try:
        data = str(json.loads(body).get("data", ""))
    except (ValueError, AttributeError):
        return Counter({"tron-trc20": 1})
    if not data.startswith(TRON_AGGREGATE):
        return Counter({"tron-trc20": 1})
    (calls,) = abi_decode(["(address,bytes)[]"], bytes.fromhex(data[8:]))
    trx = sum(1 for _, call in calls if call[:4] == GET_ETH_BALANCE)
    return Counter({"tron-trx": trx, "tron-trc20": len(calls) - trx})


class CountingProxy(ThreadedProxy):
    """`with CountingProxy(upstream) as proxy: proxy.url`; `proxy.counts` is a Counter of the kinds above."""

    name = "counting-proxy"

    def __init__(self, upstream: str, delay: float = 0.0) -> None:
        super().__init__()
        scheme, rest = upstream.rstrip("/").split("//", 1)
        self.upstream = f"{scheme}//{rest.split('@', 1)[-1]}"  # the client's Authorization header is passed on
        self.delay = delay
        self.counts: Counter = Counter()

    def reset(self) -> Counter:
        with self._lock:
            counts, self.counts = self.counts, Counter()
        return counts

    def _count(self, path: str, body: bytes) -> None:
        counts: Counter = Counter({"http": 1})
        if path.endswith("/getaccountbalance"):
            counts["tron-trx"] += 1
        elif path.endswith("/triggerconstantcontract"):
            counts.update(_tron_balance_calls(body))
        elif path.endswith("/transactions/trc20"):
            counts["tron-events"] += 1
        elif body[:1] in (b"{", b"["):
            try:
                payload = json.loads(body)
            except ValueError:
                payload = None
            for call in payload if isinstance(payload, list) else [payload]:
                if isinstance(call, dict):
                    _evm_counts(call, counts)
        with self._lock:
            self.counts.update(counts)

    async def handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        self._count(request.path, body)
        if self.delay:
            await asyncio.sleep(self.delay)
        assert self._session is not None
        headers = {k: v for k, v in request.headers.items() if k.lower() in ("authorization", "content-type")}
        async with self._session.request(request.method, self.upstream + request.path_qs, data=body or None,
                                         headers=headers) as reply:
            payload = await reply.read()
            content_type = reply.headers.get("Content-Type", "application/json").split(";")[0]
            return web.Response(status=reply.status, body=payload, content_type=content_type)

    def url_with_credentials(self, upstream_with_credentials: str) -> str:
        """The proxy's URL carrying the user:password of an upstream URL (litecoind's RPC)."""
        credentials = upstream_with_credentials.split("//", 1)[1].split("@", 1)[0]
        return self.url.replace("//", f"//{credentials}@", 1)
