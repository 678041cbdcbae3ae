"""What the Lotus and aelf stand-in servers share: an aiohttp app on 127.0.0.1, request counting, and the
transport faults a test switches on (429 with Retry-After, 5xx), plus a thread runner for tests that cannot
share their event loop with the server (those that run the CLI)."""

from __future__ import annotations

import asyncio
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar

from aiohttp import web

ServerT = TypeVar("ServerT", bound="StartStop")


@dataclass
class TransportFaults:
    rate_limited: int = 0  # answer this many next requests with 429 + Retry-After
    retry_after: str = "1"
    server_errors: int = 0  # then this many with 503


class StandInServer:
    """Subclasses add their routes in `routes(app)`; `requests` counts every request by its kind."""

    def __init__(self) -> None:
        self.transport_faults = TransportFaults()
        self.requests: Counter[str] = Counter()
        self.rate_limited_at: list[float] = []
        self.url = ""
        self._runner: web.AppRunner | None = None

    def routes(self, app: web.Application) -> None:
        raise NotImplementedError

    @property
    def total_requests(self) -> int:
        return self.requests["http"]

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        app = web.Application(middlewares=[self._middleware], client_max_size=64 * 1024 * 1024)
        self.routes(app)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, host, port).start()
        bound = self._runner.addresses[0]
        self.url = f"http://{bound[0]}:{bound[1]}"
        return self.url

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> StandInServer:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    @web.middleware
    async def _middleware(self, request: web.Request, handler: Callable[..., Any]) -> web.StreamResponse:
        self.requests["http"] += 1
        faults = self.transport_faults
        if faults.rate_limited > 0:
            faults.rate_limited -= 1
            self.rate_limited_at.append(time.monotonic())
            return web.json_response({"error": "rate limited"}, status=429, headers={"Retry-After": faults.retry_after})
        if faults.server_errors > 0:
            faults.server_errors -= 1
            return web.Response(status=503, text="upstream unavailable")
        return await handler(request)


class StartStop(Protocol):
    async def start(self) -> Any: ...

    async def stop(self) -> None: ...


class ServerThread(Generic[ServerT]):
    """`with ServerThread(server) as server: server.url` - the server on its own loop in a daemon thread, for
    tests that run the CLI (its own event loop) against it. Change the server's ledger or faults only while no
    request is in flight."""

    def __init__(self, server: ServerT) -> None:
        self.server = server
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="stand-in-server", daemon=True)

    def __enter__(self) -> ServerT:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self.server.start(), self._loop).result(timeout=10)
        return self.server

    def __exit__(self, *exc_info: object) -> None:
        asyncio.run_coroutine_threadsafe(self.server.stop(), self._loop).result(timeout=10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self._loop.close()
