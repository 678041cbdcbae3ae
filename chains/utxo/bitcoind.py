"""Balances from a Bitcoin Core-style node (Bitcoin, Litecoin, Dogecoin Core...) with `scantxoutset`.

`scantxoutset` sums the node's UTXO set for a list of output descriptors, without a wallet or an address
index, but only at the node's tip. So `snapshot(H)` insists on tip == H and says how to roll the node back;
each scan's reply states its height and best block, which must still be H and its hash.

Descriptors are `raw(<scriptPubKey>)` of each address's output script: the address alone fixes which outputs
count (P2SH/P2WSH commit to the redeem script's hash), so a multisig row's redeem script is not needed, and a
wrong script column cannot add outputs of a different script (as `sh(multi(...))` of a mistyped script would,
or a bare `multi(...)` output would). The node then needs no address parser of its own for the network.

Calls go as one-element JSON-RPC batches: Bitcoin Core answers a failing single call with HTTP 500 (which
the shared transport would retry as a server fault) but a batch with HTTP 200 and per-item errors.
"""

from __future__ import annotations

import asyncio
import base64
import dataclasses
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

from chains.base import Balance, BalanceQuery, DataSourceError, Endpoint, Network, Snapshot
from chains.transport import HttpTransport, JsonRpcClient, JsonRpcError, RequestError
from chains.utxo.backends import UtxoBackend, expected_genesis

METHOD = "scantxoutset"
SATS_PER_COIN = Decimal(100_000_000)
DEFAULT_SCAN_WAIT = 900.0  # seconds to wait for another client's scan to finish
RPC_INVALID_PARAMETER = -8  # Core's code for "Scan already in progress"


def coins_to_sats(value: Any) -> int:
    """A JSON amount in coins (Decimal, str, int, or float from a float-parsing decoder) as satoshis.

    A float is read through its shortest repr, which gives back the node's 8-decimal text exactly for every
    amount below 10**7 coins (15 significant digits); a value that is not a whole number of satoshis raises."""
    if isinstance(value, bool) or not isinstance(value, Decimal | str | int | float):
        raise ValueError(f"amount {value!r} is not a number")
    amount = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    sats = amount * SATS_PER_COIN
    if sats != sats.to_integral_value():
        raise ValueError(f"amount {value!r} is not a whole number of satoshis")
    return int(sats)


def _with_cookie_auth(endpoint: Endpoint) -> Endpoint:
    """Credentials from `options.cookie_file` (the node's `.cookie`, "user:password") as a Basic header.
    Without it, aiohttp takes user:password from the URL itself."""
    cookie_file = endpoint.options.get("cookie_file")
    if not cookie_file:
        return endpoint
    try:
        cookie = Path(cookie_file).read_text().strip()
    except OSError as exc:
        raise DataSourceError(f"{endpoint.display}: cannot read cookie_file: {exc.strerror}") from None
    token = base64.b64encode(cookie.encode()).decode()
    return dataclasses.replace(endpoint, headers={**dict(endpoint.headers), "Authorization": f"Basic {token}"})


class BitcoindAdapter(UtxoBackend):
    method = METHOD

    """Options: `cookie_file` (path to the node's .cookie instead of URL credentials), `scan_chunk`
    (descriptors per scan, default `batch_size`), `scan_wait_seconds` (how long to wait for a scan another
    client started, default 900), `genesis_hash` (expected chain)."""

    def __init__(self, network: Network, endpoint: Endpoint) -> None:
        super().__init__(network, endpoint)
        self._transport: HttpTransport | None = None
        self._rpc: JsonRpcClient | None = None
        self.scan_chunk = max(1, int(endpoint.options.get("scan_chunk", endpoint.batch_size)))
        self.scan_wait = float(endpoint.options.get("scan_wait_seconds", DEFAULT_SCAN_WAIT))
        self.scans = 0  # scantxoutset calls made (for tests and benchmarks)

    async def aclose(self) -> None:
        if self._transport is not None:
            await self._transport.aclose()
            self._transport = None

    def _client(self) -> JsonRpcClient:
        if self._rpc is None:
            endpoint = _with_cookie_auth(self.endpoint)
            # scantxoutset is sequential on the node: one request at a time is all it can use.
            self._transport = HttpTransport(dataclasses.replace(endpoint, max_concurrency=1))
            self._rpc = JsonRpcClient(self._transport, endpoint.url)
        return self._rpc

    async def _call(self, method: str, *params: Any) -> Any:
        """One call sent as a one-element batch; JsonRpcError when the node refuses it."""
        try:
            (result,) = await self._client().batch([(method, params)])
        except RequestError as exc:  # e.g. HTTP 401 wrong credentials, 403 rpcallowip
            raise DataSourceError(f"{self.endpoint.display}: {method} failed: {exc}") from None
        if isinstance(result, JsonRpcError):
            raise result
        return result

    async def snapshot(self, height: int) -> Snapshot:
        where = self.endpoint.display
        try:
            info = await self._call("getblockchaininfo")
            genesis = expected_genesis(self.network, self.endpoint)
            if genesis and (found := await self._call("getblockhash", 0)) != genesis:
                raise DataSourceError(
                    f"{where}: node is on another chain (genesis {found}, {self.network.code} expects {genesis})"
                )
            tip = int(info["blocks"])
            if tip < height:
                raise DataSourceError(
                    f"{where}: node is behind: its tip is block {tip}, the snapshot is block {height}; "
                    "wait until it has synced to the snapshot height"
                )
            if tip > height:
                next_hash = await self._call("getblockhash", height + 1)
                raise DataSourceError(
                    f"{where}: node tip is block {tip} but scantxoutset reads only the tip, and the snapshot is "
                    f"block {height}. Roll the node back with `invalidateblock {next_hash}` (block {height + 1}), "
                    f"read the balances, then restore it with `reconsiderblock {next_hash}`"
                )
            block_hash = await self._call("getblockhash", height)
        except JsonRpcError as exc:
            raise DataSourceError(f"{where}: {exc}") from None
        self._snapshot = Snapshot(self.network.code, height, block_hash, where)
        return self._snapshot

    async def _read_scripts(
        self, scripts: dict[BalanceQuery, bytes], height: int, block_hash: str
    ) -> dict[BalanceQuery, Balance]:
        unique = sorted({s.hex() for s in scripts.values()})
        found: dict[str, int | str] = {}
        for start in range(0, len(unique), self.scan_chunk):
            found.update(await self._scan_splitting(unique[start : start + self.scan_chunk], height, block_hash))
        results: dict[BalanceQuery, Balance] = {}
        for query, script in scripts.items():
            value = found.get(script.hex(), "not scanned")
            results[query] = (
                Balance(value, METHOD) if isinstance(value, int) else Balance(None, METHOD, str(value))
            )
        return results

    async def _scan_splitting(self, scripts: list[str], height: int, block_hash: str) -> dict[str, int | str]:
        """Scan `scripts`; when the node refuses the request, scan each half on its own (down to one
        script, whose refusal becomes its error) so one bad descriptor does not sink the rest."""
        try:
            return dict(await self._scan(scripts, height, block_hash))
        except (JsonRpcError, RequestError) as exc:
            if len(scripts) == 1:
                return {scripts[0]: f"{self.endpoint.display}: {METHOD} refused: {exc}"}
            middle = len(scripts) // 2
            first = await self._scan_splitting(scripts[:middle], height, block_hash)
            return first | await self._scan_splitting(scripts[middle:], height, block_hash)
        except DataSourceError as exc:  # unreachable after retries: smaller scans would not help
            return dict.fromkeys(scripts, str(exc))

    async def _scan(self, scripts: list[str], height: int, block_hash: str) -> dict[str, int | str]:
        reply = await self._start_scan([f"raw({s})" for s in scripts])
        if not reply or not reply.get("success", False):
            return dict.fromkeys(scripts, f"{self.endpoint.display}: {METHOD} was aborted on the node")
        if reply.get("height") != height or reply.get("bestblock") != block_hash:
            reason = (
                f"{self.endpoint.display}: node tip moved during the scan (scanned block {reply.get('height')} "
                f"{reply.get('bestblock')}, snapshot block {height} {block_hash})"
            )
            return dict.fromkeys(scripts, reason)
        totals: dict[str, int | str] = dict.fromkeys(scripts, 0)
        for utxo in reply.get("unspents", []):
            script = str(utxo.get("scriptPubKey", "")).lower()
            current = totals.get(script)
            if isinstance(current, int):
                try:
                    totals[script] = current + coins_to_sats(utxo.get("amount"))
                except ValueError as exc:
                    totals[script] = f"{self.endpoint.display}: {exc}"
        self.scans += 1
        return totals

    async def _start_scan(self, descriptors: list[str]) -> Any:
        """`scantxoutset start`, waiting (bounded) while another client's scan occupies the node."""
        deadline = time.monotonic() + self.scan_wait
        delay = 0.5
        while True:
            try:
                return await self._call(METHOD, "start", descriptors)
            except JsonRpcError as exc:
                if exc.code != RPC_INVALID_PARAMETER or "in progress" not in str(exc).lower():
                    raise
                if time.monotonic() + delay > deadline:
                    raise DataSourceError(
                        f"{self.endpoint.display}: another scantxoutset kept the node busy for "
                        f"{self.scan_wait:.0f}s (raise options.scan_wait_seconds, or `scantxoutset abort` it)"
                    ) from None
                await asyncio.sleep(delay)
                delay = min(delay * 2, 10.0)
