"""The transport's per-request failures: worth a retry (TransientError) or not (RequestError)."""

from __future__ import annotations

from chains.base import RequestProblem


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
