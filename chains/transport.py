"""HTTP transport shared by every adapter: one keep-alive aiohttp session per endpoint, bounded concurrency,
a request-rate limit, timeouts, and retries (exponential backoff with jitter, honouring Retry-After).

Adapters speak their protocol (JSON-RPC, REST) on top of `HttpTransport.request_json`.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import random
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from decimal import Decimal
from typing import Any, TypeVar
from urllib.parse import quote, unquote, urlsplit

import aiohttp

from chains.base import DataSourceError, Endpoint, RequestProblem

T = TypeVar("T")
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
    """A failure that retrying will not fix (4xx, malformed reply, JSON-RPC error)."""


class RateLimiter:
    """Spaces request starts at least 1/rate seconds apart (a leaky bucket with no burst); 0 = no limit."""

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


def retry_after_seconds(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None  # an HTTP date: fall back to our own backoff


class RetryPolicy:
    """How every transport retries (HTTP and Electrum's socket alike): `attempts` tries in all, exponential
    backoff with jitter between them, never shorter than a server's Retry-After (capped, so a server asking for
    an hour does not stall a run for an hour)."""

    def __init__(self, attempts: int, *, backoff_initial: float = 0.2, backoff_max: float = 10.0,
                 retry_after_max: float = 120.0) -> None:
        self.attempts = max(1, attempts)
        self.backoff_initial = backoff_initial
        self.backoff_max = backoff_max
        self.retry_after_max = retry_after_max

    def delay(self, failures: int, retry_after: float | None = None) -> float:
        """Seconds to wait after the `failures`-th failed attempt."""
        wait = min(self.backoff_max, self.backoff_initial * 2 ** (failures - 1))
        wait += random.uniform(0, self.backoff_initial)
        if retry_after is not None:
            wait = max(wait, min(retry_after, self.retry_after_max))
        return wait

    async def run(
        self,
        attempt: Callable[[], Awaitable[T]],
        retryable: type[BaseException] | tuple[type[BaseException], ...],
        gave_up: Callable[[BaseException], BaseException],
    ) -> T:
        """`attempt()` until it succeeds or `attempts` have failed with a `retryable` error; then raises
        `gave_up(last error)`. Other errors pass through at once."""
        for failures in range(1, self.attempts + 1):
            try:
                return await attempt()
            except retryable as exc:
                if failures == self.attempts:
                    raise gave_up(exc) from exc
                await asyncio.sleep(self.delay(failures, getattr(exc, "retry_after", None)))
        raise AssertionError("unreachable")  # pragma: no cover


class HttpTransport:
    """JSON over HTTP to one endpoint. Create inside a running event loop; close with `aclose`."""

    def __init__(self, endpoint: Endpoint, *, backoff_initial: float = 0.2, backoff_max: float = 10.0) -> None:
        self.endpoint = endpoint
        self._semaphore = asyncio.Semaphore(max(1, endpoint.max_concurrency))
        self._limiter = RateLimiter(endpoint.requests_per_second)
        self.retry = RetryPolicy(endpoint.retries, backoff_initial=backoff_initial, backoff_max=backoff_max)
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
        return await self.retry.run(
            lambda: self._request_once(method, url, payload, params), TransientError, self._gave_up)

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
                            f"HTTP {response.status}", retry_after_seconds(response.headers.get("Retry-After"))
                        )
                    if 300 <= response.status < 400:
                        raise RequestError(f"HTTP {response.status} redirect refused (set the final URL instead)")
                    if response.status >= 400:
                        raise RequestError(f"HTTP {response.status}: {body[:200].decode('utf-8', 'replace')}")
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
