"""Balances from an Electrum-protocol server (ElectrumX, Fulcrum, electrs) over TCP or TLS.

The protocol is newline-delimited JSON-RPC on a socket (`tcp://host:port` or `ssl://host:port`) and answers
at the tip only, so the balance at H is rebuilt from each script's history (chains.utxo.history):
`blockchain.scripthash.get_history` lists every transaction paying or spending the script with its height,
and `blockchain.transaction.get` returns the raw transactions (decoded here; servers differ on `verbose`).
Requests go in JSON arrays (batches): a server that pads small replies for privacy (ElectrumX 1.17+
holds them back up to a second) answers one large batch almost at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import hashlib
import itertools
import json
import ssl
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from chains.base import (
    Balance,
    BalanceQuery,
    DataSourceError,
    Endpoint,
    Network,
    Refusal,
    RequestEstimate,
    Snapshot,
)
from chains.transport import RateLimiter, RequestCounters, RequestError, RetryPolicy
from chains.utxo.backends import UtxoBackend, UtxoOptions
from chains.utxo.history import TxView, balance_at, decode_raw_tx, unrelated

METHOD = "electrum-history"
CLIENT_NAME = "auditor"
PROTOCOL_VERSION = "1.4"  # get_history / transaction.get / block.header as used here exist since 1.4
LINE_LIMIT = 64 * 1024 * 1024  # one reply line may hold a whole batch of raw transactions


class ElectrumRefused(RequestError):
    """A single call the server answered with an error."""


class ElectrumError(Exception):
    """The server answered a request with an error object (bad scripthash, history too large...)."""

    def __init__(self, error: Any) -> None:
        message = error.get("message") if isinstance(error, dict) else error
        super().__init__(str(message))


def scripthash(script: bytes) -> str:
    """The Electrum protocol's key for an output script: sha256 of the script, byte-reversed, as hex."""
    return hashlib.sha256(script).digest()[::-1].hex()


def block_hash_of_header(header_hex: str) -> str:
    return hashlib.sha256(hashlib.sha256(bytes.fromhex(header_hex)).digest()).digest()[::-1].hex()


@dataclass(frozen=True, slots=True)
class ElectrumOptions(UtxoOptions):
    tls_verify: bool = True  # false accepts self-signed certificates (common on Electrum servers)
    tls_ca_file: str | None = None  # a CA (or the server's own certificate) to trust
    tls_server_name: str | None = None  # the name to check the certificate against, when not the URL's host


def _hash_of_header_reply(header: Any, height: int) -> str:
    """The block hash of a `blockchain.block.header` reply (hex, or {"header": hex} from some servers)."""
    if isinstance(header, dict):
        header = header.get("header")
    if not isinstance(header, str):
        raise ValueError(f"blockchain.block.header({height}): reply is not a header: {str(header)[:100]}")
    return block_hash_of_header(header)


def split_url(endpoint: Endpoint) -> tuple[str, int, bool]:
    """(host, port, tls) of `tcp://host:port` or `ssl://host:port`; ValueError otherwise."""
    parts = urlsplit(endpoint.url)
    if parts.scheme not in ("tcp", "ssl", "tls") or not parts.hostname or not parts.port:
        raise ValueError(f"electrum url must be tcp://host:port or ssl://host:port, got {endpoint.display}")
    return parts.hostname, parts.port, parts.scheme != "tcp"


class ElectrumConnection:
    """One socket to the server: requests and batches matched to replies by id, several in flight. Retries,
    the request-rate limit and the bound on batches in flight are the same policy as HttpTransport's."""

    def __init__(self, endpoint: Endpoint, options: ElectrumOptions | None = None) -> None:
        self.endpoint = endpoint
        self.options = options or ElectrumOptions()
        self.host, self.port, self.tls = split_url(endpoint)
        # `requests` are frames on the socket (one JSON array of calls is one), `calls` the calls they carry
        self.counters = RequestCounters()
        self.retry = RetryPolicy(endpoint.retries, counters=self.counters)
        self._limiter = RateLimiter(endpoint.requests_per_second, self.counters)
        self._in_flight = asyncio.Semaphore(max(1, endpoint.max_concurrency))
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None
        self._pending: dict[int, asyncio.Future[Any]] = {}
        self._ids = itertools.count(1)
        self._listener: asyncio.Task[None] | None = None
        self._connect_lock = asyncio.Lock()
        self.server_version: Any = None

    @property
    def requests_sent(self) -> int:
        """Calls sent (every call of a batch)."""
        return self.counters.calls

    @property
    def batches_sent(self) -> int:
        """Frames sent (a batch or a single call each)."""
        return self.counters.requests

    def _ssl_context(self) -> ssl.SSLContext | None:
        if not self.tls:
            return None
        context = ssl.create_default_context(cafile=self.options.tls_ca_file)
        if not self.options.tls_verify:  # self-signed certificates are common on Electrum servers
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
        return context

    @property
    def connected(self) -> bool:
        return self._writer is not None and not self._writer.is_closing()

    async def ensure_connected(self) -> None:
        async with self._connect_lock:
            if self.connected:
                return
            await self.close()
            self._reader, self._writer = await asyncio.wait_for(
                asyncio.open_connection(
                    self.host,
                    self.port,
                    ssl=self._ssl_context(),
                    server_hostname=self.options.tls_server_name if self.tls else None,
                    limit=LINE_LIMIT,
                ),
                timeout=self.endpoint.timeout_seconds,
            )
            self._listener = asyncio.create_task(self._listen())
            try:
                (self.server_version,) = await self._send([("server.version", [CLIENT_NAME, PROTOCOL_VERSION])])
            except (OSError, TimeoutError):
                await self.close(abort=True)  # a half-opened connection is not "connected" for the next attempt
                raise
            if isinstance(self.server_version, ElectrumError):
                raise DataSourceError(f"{self.endpoint.display}: server.version refused: {self.server_version}")

    async def _listen(self) -> None:
        """Resolve pending requests from reply lines until the connection ends; then fail what is left."""
        assert self._reader is not None
        error: Exception = ConnectionError("connection closed by the server")
        try:
            while line := await self._reader.readline():
                self.counters.bytes_received += len(line)
                try:
                    message = json.loads(line)
                except ValueError:
                    error = ConnectionError(f"reply is not JSON: {line[:200]!r}")
                    break
                items = message if isinstance(message, list) else [message]
                ids = Counter(item.get("id") for item in items if isinstance(item, dict))
                for item in items:
                    future = self._pending.pop(item.get("id"), None) if isinstance(item, dict) else None
                    if future is not None and not future.done():  # notifications carry no id: ignored
                        if ids[item["id"]] > 1:  # which of the replies answers this call is unknown: none does
                            future.set_result(ElectrumError(f"the reply holds id {item['id']} more than once"))
                        elif item.get("error"):
                            future.set_result(ElectrumError(item["error"]))
                        else:
                            future.set_result(item.get("result"))
        except (OSError, asyncio.IncompleteReadError, ValueError) as exc:  # ValueError: line over LINE_LIMIT
            error = ConnectionError(f"{type(exc).__name__}: {exc}")
        finally:
            for future in self._pending.values():
                if not future.done():
                    future.set_exception(error)
            self._pending.clear()
            if self._writer is not None:
                self._writer.close()

    async def _send(self, calls: Sequence[tuple[str, Sequence[Any]]]) -> list[Any]:
        assert self._writer is not None
        loop = asyncio.get_running_loop()
        requests, futures = [], []
        for method, params in calls:
            request_id = next(self._ids)
            future: asyncio.Future[Any] = loop.create_future()
            self._pending[request_id] = future
            futures.append(future)
            requests.append({"jsonrpc": "2.0", "id": request_id, "method": method, "params": list(params)})
        payload = requests[0] if len(requests) == 1 else requests
        self._writer.write(json.dumps(payload, separators=(",", ":")).encode() + b"\n")
        self.counters.calls += len(requests)
        self.counters.requests += 1
        try:
            # A server that stops reading fills the socket buffers and drain() would wait forever: the write
            # gets the same deadline as the reply, and its timeout is retried like any stalled connection.
            await asyncio.wait_for(self._writer.drain(), timeout=self.endpoint.timeout_seconds)
            return list(await asyncio.wait_for(asyncio.gather(*futures), timeout=self.endpoint.timeout_seconds))
        finally:
            for future in futures:
                future.cancel()  # no-op when answered; frees the slot on a timeout
            for request in requests:
                self._pending.pop(request["id"], None)

    async def batch(self, calls: Sequence[tuple[str, Sequence[Any]]]) -> list[Any]:
        """Results in call order; a call the server refused yields its ElectrumError in place.
        Reconnects and resends (bounded, with backoff) when the connection fails or times out."""
        if not calls:
            return []
        async with self._in_flight:
            return await self.retry.run(lambda: self._attempt(calls), (OSError, TimeoutError), self._gave_up)

    async def _attempt(self, calls: Sequence[tuple[str, Sequence[Any]]]) -> list[Any]:
        await self._limiter.wait()
        await self.ensure_connected()
        try:
            return await self._send(calls)
        except (OSError, TimeoutError):
            await self.close(abort=True)  # a stalled or broken socket is not reused
            raise

    def _gave_up(self, exc: BaseException) -> DataSourceError:
        return DataSourceError(f"{self.endpoint.display}: no answer after {self.retry.attempts} attempts "
                               f"({type(exc).__name__}: {exc})")

    async def call(self, method: str, *params: Any) -> Any:
        (result,) = await self.batch([(method, params)])
        if isinstance(result, ElectrumError):
            raise ElectrumRefused(f"{self.endpoint.display}: {method} refused: {result}")
        return result

    async def aclose(self) -> None:
        await self.close()

    async def close(self, abort: bool = False) -> None:
        """Close the socket; `abort` drops unsent data at once (a stalled peer would never take it, and a
        graceful close would wait for it)."""
        if self._writer is not None:
            if abort:
                self._writer.transport.abort()
            self._writer.close()
            with contextlib.suppress(OSError, ssl.SSLError):
                await asyncio.wait_for(self._writer.wait_closed(), timeout=5)
        if self._listener is not None:
            self._listener.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._listener
        self._reader = self._writer = self._listener = None


class ElectrumAdapter(UtxoBackend):
    """Options: see ElectrumOptions (`tls_verify`, `tls_ca_file`, `tls_server_name`, `genesis_hash`).
    `batch_size` requests go in one JSON array and `max_concurrency` arrays are in flight at once."""

    options_type = ElectrumOptions
    options: ElectrumOptions
    method = METHOD
    recheck_block = False  # each batch checks block H after its histories (they are read at the tip)

    def __init__(self, network: Network, endpoint: Endpoint) -> None:
        super().__init__(network, endpoint)
        split_url(endpoint)  # a bad URL is a config error, before anything runs
        self._tx_cache: dict[str, TxView] = {}

    def estimate_open_requests(self) -> RequestEstimate:
        return RequestEstimate.exactly(1, "server.version")  # once per connection

    def estimate_scripts(self, scripts: Mapping[BalanceQuery, bytes]) -> RequestEstimate:
        unique = len({scripthash(script) for script in scripts.values()})
        size = max(1, self.endpoint.batch_size)
        return RequestEstimate(-(-unique // size) + 1, None)  # at least the frame with the header check

    def estimate_formula(self) -> str:
        size = max(1, self.endpoint.batch_size)
        return (f"per batch ceil(distinct scripts / {size}) get_history frames + ceil((new transactions + 1) / {size})"
                " frames of transaction.get and the block H header check (as many as the histories hold: not known "
                "in advance)")

    def open_transport(self) -> ElectrumConnection:
        return ElectrumConnection(self.endpoint, self.options)

    @property
    def connection(self) -> ElectrumConnection:
        return self.transport  # type: ignore[no-any-return]

    async def block_hash(self, height: int) -> str | None:
        try:
            header = await self.connection.call("blockchain.block.header", height)
        except ElectrumRefused:
            return None  # "height N out of range"
        return _hash_of_header_reply(header, height)

    async def tip_height(self) -> int:
        tip = await self.connection.call("blockchain.headers.subscribe")
        if not isinstance(tip, dict):
            raise ValueError("blockchain.headers.subscribe: reply is not an object")
        return int(tip["height"] if "height" in tip else tip["block_height"])

    async def _read_scripts(
        self, scripts: dict[BalanceQuery, bytes], snapshot: Snapshot
    ) -> dict[BalanceQuery, Balance]:
        height = snapshot.height
        unique = {scripthash(s): s for s in scripts.values()}
        histories = await self._histories(list(unique), height)
        # Histories are read at the server's tip: block H must still be the snapshot's after them. That check rides
        # in the last frame of the transactions (a frame fewer per batch); the transactions never change.
        header = await self._load_transactions(
            {e["tx_hash"] for h in histories.values() if isinstance(h, list) for e in h if 1 <= e["height"] <= height},
            height,
        )
        now = None if isinstance(header, ElectrumError) else _hash_of_header_reply(header, height)
        if now != snapshot.block_hash:
            raise self.refuse(Refusal.REORG, height, f"was {snapshot.block_hash}, now {now or 'missing'}")
        by_hash = {key: self._balance(script, histories[key], height) for key, script in unique.items()}
        return {q: by_hash[scripthash(s)] for q, s in scripts.items()}

    def _balance(self, script: bytes, history: list[dict[str, Any]] | str, height: int) -> Balance:
        if isinstance(history, str):
            return Balance(None, METHOD, history)
        txs = []
        for entry in history:
            if not 1 <= entry["height"] <= height:
                continue  # after the snapshot, or unconfirmed (0: in the mempool, -1: with unconfirmed parents)
            view = self._tx_cache.get(entry["tx_hash"])
            if view is None:
                return Balance(None, METHOD, f"{self.endpoint.display}: transaction {entry['tx_hash']} not served")
            txs.append(dataclasses.replace(view, height=entry["height"]))
        foreign = unrelated(script, txs, height)
        if foreign:  # a history that is not this script's (a reply to another request): never read as its balance
            return Balance(None, "", f"{self.endpoint.display}: the history holds transaction {foreign[0]}, which "
                                     "neither pays nor spends this address: another request's reply, not used")
        return Balance(balance_at(script, txs, height), METHOD)

    async def _in_batches(self, calls: list[tuple[str, Sequence[Any]]]) -> list[Any]:
        """Send `calls` as batches of `batch_size` (the connection bounds how many are in flight)."""
        size = max(1, self.endpoint.batch_size)
        chunks = [calls[i : i + size] for i in range(0, len(calls), size)]
        return [r for part in await asyncio.gather(*(self.connection.batch(c) for c in chunks)) for r in part]

    async def _histories(self, hashes: list[str], height: int) -> dict[str, list[dict[str, Any]] | str]:
        replies = await self._in_batches([("blockchain.scripthash.get_history", [h]) for h in hashes])
        histories: dict[str, list[dict[str, Any]] | str] = {}
        for key, reply in zip(hashes, replies, strict=True):
            if isinstance(reply, ElectrumError):
                histories[key] = f"{self.endpoint.display}: get_history refused: {reply}"
            elif not isinstance(reply, list) or not all(
                isinstance(e, dict) and isinstance(e.get("tx_hash"), str) and isinstance(e.get("height"), int)
                for e in reply
            ):
                histories[key] = f"{self.endpoint.display}: malformed get_history reply"
            else:
                histories[key] = reply
        return histories

    async def _load_transactions(self, txids: set[str], header_height: int) -> Any:
        """Fetch and decode the raw transactions not cached yet; a refused or undecodable one stays
        missing, and the balances that need it get an error. The header of `header_height` is asked in the
        last frame; its reply (or ElectrumError) is returned."""
        wanted = sorted(t for t in txids if t not in self._tx_cache)
        calls: list[tuple[str, Sequence[Any]]] = [("blockchain.transaction.get", [t]) for t in wanted]
        *replies, header = await self._in_batches([*calls, ("blockchain.block.header", [header_height])])
        for txid, raw in zip(wanted, replies, strict=True):
            if isinstance(raw, str):
                with contextlib.suppress(ValueError):
                    # The height is the history's (a raw transaction does not know its block).
                    self._tx_cache[txid] = decode_raw_tx(bytes.fromhex(raw), txid, height=0)
        return header
