"""How adapters reach a data source, by concept: errors (`errors`), the retry and rate-limit policy every
transport shares (`policy`), JSON over HTTP (`http`), JSON-RPC with replies bound to requests (`jsonrpc`).
Secret scrubbing of endpoint URLs lives in chains.secrets; the names below stay importable from here."""

from chains.secrets import display_url, remember_secret_url, scrub, scrub_known, secret_parts
from chains.transport.errors import RequestError, TransientError
from chains.transport.http import RETRYABLE_STATUS, HttpTransport
from chains.transport.jsonrpc import JsonRpcClient, JsonRpcError, ReplyMismatch
from chains.transport.policy import RateLimiter, RequestCounters, RetryPolicy, retry_after_seconds

__all__ = [
    "RETRYABLE_STATUS",
    "HttpTransport",
    "JsonRpcClient",
    "JsonRpcError",
    "RateLimiter",
    "ReplyMismatch",
    "RequestCounters",
    "RequestError",
    "RetryPolicy",
    "TransientError",
    "display_url",
    "remember_secret_url",
    "retry_after_seconds",
    "scrub",
    "scrub_known",
    "secret_parts",
]
