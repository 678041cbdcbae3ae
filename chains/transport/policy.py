"""The one retry and rate-limit policy of every transport (HTTP, JSON-RPC over HTTP, Electrum's socket)."""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass
from typing import TypeVar

T = TypeVar("T")


@dataclass
class RequestCounters:
    """What one endpoint was asked, counted where it happens (the transport), for report.json and timings.json.

    `requests` are what a provider bills and rate-limits: HTTP requests, or frames on Electrum's socket, every
    attempt counted (a retried request counts twice, and once more in `retries`). `calls` are the JSON-RPC calls
    they carried (a batch of 100 is one request, 100 calls)."""

    requests: int = 0
    calls: int = 0
    retries: int = 0  # attempts repeated after a transient failure (timeout, 429, 5xx, reset)
    rate_limit_waits: int = 0  # requests held back by the endpoint's requests_per_second
    rate_limit_wait_seconds: float = 0.0
    bytes_received: int = 0  # reply bodies (HTTP) or reply lines (socket), as read

    def add(self, other: RequestCounters) -> None:
        self.requests += other.requests
        self.calls += other.calls
        self.retries += other.retries
        self.rate_limit_waits += other.rate_limit_waits
        self.rate_limit_wait_seconds += other.rate_limit_wait_seconds
        self.bytes_received += other.bytes_received

    def to_json(self) -> dict[str, int | float]:
        data: dict[str, int | float] = asdict(self)
        data["rate_limit_wait_seconds"] = round(self.rate_limit_wait_seconds, 3)
        return data


class RateLimiter:
    """Spaces request starts at least 1/rate seconds apart (a leaky bucket with no burst); 0 = no limit. Waits
    are counted in `counters` when given."""

    def __init__(self, per_second: float, counters: RequestCounters | None = None) -> None:
        self._interval = 1.0 / per_second if per_second > 0 else 0.0
        self._next = 0.0
        self._lock = asyncio.Lock()
        self.counters = counters

    async def wait(self) -> None:
        if not self._interval:
            return
        async with self._lock:
            now = time.monotonic()
            delay = self._next - now
            self._next = max(now, self._next) + self._interval
        if delay > 0:
            if self.counters is not None:
                self.counters.rate_limit_waits += 1
                self.counters.rate_limit_wait_seconds += delay
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
                 retry_after_max: float = 120.0, counters: RequestCounters | None = None) -> None:
        self.attempts = max(1, attempts)
        self.counters = counters  # retries are counted there when given
        self.backoff_initial = backoff_initial
        self.backoff_max = backoff_max
        self.retry_after_max = retry_after_max

    def delay(self, failures: int, retry_after: float | None = None) -> float:
        """Seconds to wait after the `failures`-th failed attempt."""
        wait: float = min(self.backoff_max, self.backoff_initial * 2.0 ** (failures - 1))
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
                if self.counters is not None:
                    self.counters.retries += 1
                await asyncio.sleep(self.delay(failures, getattr(exc, "retry_after", None)))
        raise AssertionError("unreachable")  # pragma: no cover
