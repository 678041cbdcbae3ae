"""JSON over HTTP to one endpoint: one keep-alive aiohttp session, bounded concurrency, the shared rate limit and
retry policy (chains.transport.policy), timeouts, no redirects. Adapters speak their protocol (JSON-RPC, REST)
on top of `HttpTransport.request_json`."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

import aiohttp

from chains.base import DataSourceError, Endpoint
from chains.secrets import scrub
from chains.transport.errors import RequestError, TransientError
from chains.transport.policy import RateLimiter, RequestCounters, RetryPolicy, retry_after_seconds

RETRYABLE_STATUS = frozenset({408, 425, 429, 500, 502, 503, 504})


class HttpTransport:
    """JSON over HTTP to one endpoint. Create inside a running event loop; close with `aclose`."""

    def __init__(self, endpoint: Endpoint, *, backoff_initial: float = 0.2, backoff_max: float = 10.0) -> None:
        if not endpoint.timeout_seconds > 0:
            raise ValueError(f"{endpoint.display}: timeout_seconds must be more than 0 (0 would wait forever)")
        self.endpoint = endpoint
        self.counters = RequestCounters()  # every request, retry, rate-limit wait and byte of this endpoint
        self._semaphore = asyncio.Semaphore(max(1, endpoint.max_concurrency))
        self._limiter = RateLimiter(endpoint.requests_per_second, self.counters)
        self.retry = RetryPolicy(endpoint.retries, backoff_initial=backoff_initial, backoff_max=backoff_max,
                                 counters=self.counters)
        self._session: aiohttp.ClientSession | None = None

    @property
    def requests_sent(self) -> int:
        return self.counters.requests

    def _session_or_open(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                timeout=aiohttp.ClientTimeout(total=self.endpoint.timeout_seconds),
                headers={"Content-Type": "application/json", **dict(self.endpoint.headers)},
                connector=aiohttp.TCPConnector(limit=max(1, self.endpoint.max_concurrency), keepalive_timeout=60),
            )
        return self._session

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def request_json(
        self, method: str, url: str, *, payload: Any = None, params: Mapping[str, str] | None = None,
        busy: Callable[[Any], str | None] | None = None,
    ) -> Any:
        """One request with retries; returns the decoded JSON body. Raises DataSourceError when the
        endpoint stays unreachable after all retries, RequestError for a non-retryable failure.

        `busy(body)` names a reply that says "too busy, ask again" inside an HTTP 200 (rippled's `slowDown`): it
        is retried by the same policy as an HTTP 429/503, and counted the same way."""

        async def attempt() -> Any:
            body = await self._request_once(method, url, payload, params)
            reason = busy(body) if busy is not None else None
            if reason:
                raise TransientError(reason)
            return body

        return await self.retry.run(attempt, TransientError, self._gave_up)

    def _gave_up(self, exc: BaseException) -> DataSourceError:
        attempts = self.retry.attempts
        return DataSourceError(f"{self.endpoint.display}: no answer after {attempts} attempt"
                               f"{'s' if attempts > 1 else ''} ({exc})")

    async def _request_once(
        self, method: str, url: str, payload: Any, params: Mapping[str, str] | None
    ) -> Any:
        session = self._session_or_open()
        async with self._semaphore:
            await self._limiter.wait()
            self.counters.requests += 1
            self.counters.calls += len(payload) if isinstance(payload, list) else 1  # a JSON-RPC batch: its calls
            try:
                data = None if payload is None else json.dumps(payload, separators=(",", ":"))
                # No redirects: a redirect would carry the API-key headers to wherever it points.
                async with session.request(
                    method, url, data=data, params=params, allow_redirects=False
                ) as response:
                    body = await response.read()
                    self.counters.bytes_received += len(body)
                    if response.status in RETRYABLE_STATUS:
                        raise TransientError(
                            f"HTTP {response.status}", retry_after_seconds(response.headers.get("Retry-After"))
                        )
                    if 300 <= response.status < 400:
                        raise RequestError(f"HTTP {response.status} redirect refused (set the final URL instead)")
                    if response.status >= 400:
                        raise RequestError(f"HTTP {response.status}: {body[:200].decode('utf-8', 'replace')}",
                                           response.status, body)
            except (aiohttp.ClientConnectionError, aiohttp.ClientPayloadError, TimeoutError) as exc:
                raise TransientError(scrub(f"{type(exc).__name__}: {exc}", self.endpoint.url)) from exc
            except (aiohttp.ClientError, ValueError) as exc:  # bad URL, redirects...: never worth a retry
                raise RequestError(scrub(f"{type(exc).__name__}: {exc}", self.endpoint.url)) from exc
        try:
            # JSON numbers with a fraction (Bitcoin Core's amounts) become Decimal, never float.
            return json.loads(body, parse_float=Decimal)
        except ValueError as exc:
            raise RequestError(f"reply is not JSON: {body[:200]!r}") from exc


