"""HTTP transport shared by every adapter: one keep-alive aiohttp session per endpoint, bounded concurrency,
a request-rate limit, timeouts, and tenacity retries (exponential backoff with jitter, honouring Retry-After).

Adapters speak their protocol (JSON-RPC, REST) on top of `HttpTransport.request_json`.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import random
import time
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any
from urllib.parse import quote, unquote, urlsplit

import aiohttp
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception_type,
    stop_after_attempt,
    wait_exponential_jitter,
)

from chains.base import DataSourceError, Endpoint, RequestProblem

RETRYABLE_STATUS = frozenset({408, 425, 429, 500, 502, 503, 504})


_KNOWN_SECRET_URLS: set[str] = set()  # every endpoint URL the config named, for scrub_known


def secret_parts(url: str) -> list[str]:
    """The pieces of `url` that may carry secrets: credentials, each path segment and each query value (API keys
    live there), in the forms they may appear in an error (as written, percent-decoded, percent-encoded)."""
    parts = urlsplit(url)
    credentials = [p for p in (parts.password, parts.username) if p and len(unquote(p)) >= 4]
    # Short path segments and values ("v3", "rpc", "1") are not secrets and would mask ordinary words.
    pieces = [p for p in parts.path.split("/") + [q.partition("=")[2] for q in parts.query.split("&")] if len(p) >= 6]
    forms = {f for piece in credentials + pieces for f in (piece, unquote(piece), quote(unquote(piece), safe=""))}
    return sorted((f for f in forms if f), key=len, reverse=True)


def scrub(text: str, url: str) -> str:
    """`text` with every secret-bearing piece of `url` (and of every endpoint the config named) masked."""
    for piece in secret_parts(url):
        text = text.replace(piece, "***")
    return scrub_known(text)


def remember_secret_url(url: str) -> None:
    _KNOWN_SECRET_URLS.add(url)


def scrub_known(text: str) -> str:
    for url in _KNOWN_SECRET_URLS:
        for piece in secret_parts(url):
            text = text.replace(piece, "***")
    return text


def display_url(url: str) -> str:
    """scheme://host[:port] of a URL: no path, query or credentials, since those may carry API keys."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{host}{port}"


class TransientError(Exception):
    """A failure worth retrying (timeout, connection reset, 429/5xx)."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class RequestError(RequestProblem):
    """A failure that retrying will not fix (4xx, malformed reply, JSON-RPC error). `status` and `body` are the
    HTTP error's own (None and b"" otherwise): REST APIs (Aptos) say in the body what a 404 or 410 means."""

    def __init__(self, message: str, status: int | None = None, body: bytes = b"") -> None:
        super().__init__(message)
        self.status = status
        self.body = body


class RateLimiter:
    """Spaces request starts at least 1/rate seconds apart (a leaky bucket with no burst)."""

    def __init__(self, per_second: float) -> None:
        self._interval = 1.0 / per_second if per_second > 0 else 0.0
        self._next = 0.0
        self._lock = asyncio.Lock()

    async def wait(self) -> None:
        if not self._interval:
            return
        async with self._lock:
            now = time.monotonic()
            delay = self._next - now
            self._next = max(now, self._next) + self._interval
        if delay > 0:
            await asyncio.sleep(delay)


def _retry_after_seconds(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None  # an HTTP date: fall back to our own backoff


class _WaitHonouringRetryAfter:
    """Exponential backoff with jitter, but never shorter than the server's Retry-After."""

    def __init__(self, initial: float, maximum: float, retry_after_max: float = 120.0) -> None:
        self._backoff = wait_exponential_jitter(multiplier=initial, max=maximum, jitter=initial)
        self.retry_after_max = retry_after_max  # a server asking for an hour does not stall a run for an hour

    def __call__(self, state: RetryCallState) -> float:
        wait = self._backoff(state)
        exc = state.outcome.exception() if state.outcome else None
        if isinstance(exc, TransientError) and exc.retry_after is not None:
            wait = max(wait, min(exc.retry_after, self.retry_after_max))
        return wait


class HttpTransport:
    """JSON over HTTP to one endpoint. Create inside a running event loop; close with `aclose`."""

    def __init__(self, endpoint: Endpoint, *, backoff_initial: float = 0.2, backoff_max: float = 10.0) -> None:
        self.endpoint = endpoint
        self._semaphore = asyncio.Semaphore(max(1, endpoint.max_concurrency))
        self._limiter = RateLimiter(endpoint.requests_per_second)
        self._wait = _WaitHonouringRetryAfter(backoff_initial, backoff_max)
        self._backoff_initial = backoff_initial
        self._session: aiohttp.ClientSession | None = None
        self.requests_sent = 0

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
        self, method: str, url: str, *, payload: Any = None, params: Mapping[str, str] | None = None
    ) -> Any:
        """One request with retries; returns the decoded JSON body. Raises DataSourceError when the
        endpoint stays unreachable after all retries, RequestError for a non-retryable failure."""
        attempts = max(1, self.endpoint.retries)
        try:  # the first attempt without tenacity's machinery: most requests need no retry, and some runs send 100k
            return await self._request_once(method, url, payload, params)
        except TransientError as exc:
            if attempts == 1:
                raise DataSourceError(f"{self.endpoint.display}: no answer after 1 attempt ({exc})") from exc
            wait = self._backoff_initial * (1 + random.random())
            if exc.retry_after is not None:
                wait = max(wait, min(exc.retry_after, self._wait.retry_after_max))
            await asyncio.sleep(wait)
        try:
            async for attempt in AsyncRetrying(
                stop=stop_after_attempt(attempts - 1),
                wait=self._wait,
                retry=retry_if_exception_type(TransientError),
                reraise=True,
            ):
                with attempt:
                    return await self._request_once(method, url, payload, params)
        except TransientError as exc:
            raise DataSourceError(
                f"{self.endpoint.display}: no answer after {self.endpoint.retries} attempts ({exc})"
            ) from exc
        raise AssertionError("unreachable")  # pragma: no cover

    async def _request_once(
        self, method: str, url: str, payload: Any, params: Mapping[str, str] | None
    ) -> Any:
        session = self._session_or_open()
        async with self._semaphore:
            await self._limiter.wait()
            self.requests_sent += 1
            try:
                data = None if payload is None else json.dumps(payload, separators=(",", ":"))
                # No redirects: a redirect would carry the API-key headers to wherever it points.
                async with session.request(
                    method, url, data=data, params=params, allow_redirects=False
                ) as response:
                    body = await response.read()
                    if response.status in RETRYABLE_STATUS:
                        raise TransientError(
                            f"HTTP {response.status}", _retry_after_seconds(response.headers.get("Retry-After"))
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
