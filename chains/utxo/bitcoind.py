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
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from chains.base import (
    Balance,
    BalanceQuery,
    DataSourceError,
    Endpoint,
    Network,
    RequestEstimate,
    Snapshot,
    StateUnavailable,
)
from chains.options import OptionsError
from chains.transport import HttpTransport, JsonRpcClient, JsonRpcError, RequestError
from chains.utxo.backends import UtxoBackend, UtxoOptions

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


@dataclass(frozen=True, slots=True)
class BitcoindOptions(UtxoOptions):
    cookie_file: str | None = None  # the node's .cookie ("user:password") instead of credentials in the URL
    scan_chunk: int | None = None  # descriptors per scantxoutset; default: the endpoint's batch_size
    scan_wait_seconds: float = DEFAULT_SCAN_WAIT  # how long to wait for a scan another client started

    def validate(self, where: str) -> None:
        if self.scan_chunk is not None and self.scan_chunk < 1:
            raise OptionsError(f"{where}.scan_chunk: must be a positive integer, got {self.scan_chunk}")
        if self.scan_wait_seconds < 0:
            raise OptionsError(f"{where}.scan_wait_seconds: must not be negative")


def _cookie_header(endpoint: Endpoint, cookie_file: str | None) -> dict[str, str]:
    """Credentials from `cookie_file` (the node's `.cookie`, "user:password") as a Basic header, read when the
    adapter is entered (the node writes a new cookie at each start). Without it, aiohttp takes user:password
    from the URL itself."""
    if not cookie_file:
        return {}
    try:
        cookie = Path(cookie_file).read_text().strip()
    except OSError as exc:
        raise DataSourceError(f"{endpoint.display}: cannot read cookie_file: {exc.strerror}") from None
    return {"Authorization": f"Basic {base64.b64encode(cookie.encode()).decode()}"}


class BitcoindAdapter(UtxoBackend):
    """Options: see BitcoindOptions (`cookie_file`, `scan_chunk`, `scan_wait_seconds`, `genesis_hash`)."""

    options_type = BitcoindOptions
    options: BitcoindOptions
    method = METHOD
    recheck_block = False  # every scan's reply names its height and best block, checked against the snapshot

    def __init__(self, network: Network, endpoint: Endpoint) -> None:
        super().__init__(network, endpoint)
        self.scan_chunk = self.options.scan_chunk or max(1, endpoint.batch_size)
        self.scan_wait = self.options.scan_wait_seconds
        self.scans = 0  # scantxoutset calls made (for tests and benchmarks)
        self._rpc: JsonRpcClient | None = None
        self._tip: int | None = None
        self._cookie_error: DataSourceError | None = None

    def open_transport(self) -> HttpTransport:
        try:
            headers = _cookie_header(self.endpoint, self.options.cookie_file)
        except DataSourceError as exc:  # reported by the snapshot check, as any endpoint failure
            self._cookie_error, headers = exc, {}
        # scantxoutset is sequential on the node: one request at a time is all it can use.
        endpoint = dataclasses.replace(self.endpoint, max_concurrency=1,
                                       headers={**dict(self.endpoint.headers), **headers})
        transport = HttpTransport(endpoint)
        self._rpc = JsonRpcClient(transport, self.endpoint.url)
        return transport

    async def _call(self, method: str, *params: Any) -> Any:
        """One call sent as a one-element batch; JsonRpcError when the node refuses it."""
        if self._cookie_error is not None:
            raise self._cookie_error
        if self._rpc is None:
            raise RuntimeError("BitcoindAdapter used outside `async with`: the transport is not open")
        try:
            (result,) = await self._rpc.batch([(method, params)])
        except RequestError as exc:  # e.g. HTTP 401 wrong credentials, 403 rpcallowip
            raise DataSourceError(f"{self.endpoint.display}: {method} failed: {exc}") from None
        if isinstance(result, RequestError):  # JsonRpcError, or a reply not bound to this call
            raise result
        return result

    # ---- snapshot hooks ----------------------------------------------------------------------------

    async def tip_height(self) -> int:
        info = await self._call("getblockchaininfo")
        self._tip = int(info["blocks"])
        return self._tip

    async def block_hash(self, height: int) -> str | None:
        try:
            return str(await self._call("getblockhash", height))
        except JsonRpcError as exc:
            if exc.code == RPC_INVALID_PARAMETER:  # "Block height out of range"
                return None
            raise

    async def check_state(self, snapshot: Snapshot) -> None:
        """scantxoutset reads the UTXO set at the tip only: the node must sit at the snapshot height."""
        tip = self._tip if self._tip is not None else await self.tip_height()
        if tip > snapshot.height:
            next_hash = await self.block_hash(snapshot.height + 1)
            raise StateUnavailable(
                f"its tip is block {tip} and scantxoutset reads only the tip: roll the node back with "
                f"`invalidateblock {next_hash}` (block {snapshot.height + 1}), read the balances, then restore it "
                f"with `reconsiderblock {next_hash}`"
            )

    # ---- cost model ----------------------------------------------------------------------------------

    def estimate_scripts(self, scripts: Mapping[BalanceQuery, bytes]) -> RequestEstimate:
        unique = len(set(scripts.values()))
        return RequestEstimate.exactly(-(-unique // self.scan_chunk))

    def estimate_formula(self) -> str:
        return (f"per batch ceil(distinct scripts / {self.scan_chunk}) scantxoutset (a refused scan is split in "
                "halves: more; a node busy with another scan: more)")

    # ---- reads -------------------------------------------------------------------------------------

    async def _read_scripts(
        self, scripts: dict[BalanceQuery, bytes], snapshot: Snapshot
    ) -> dict[BalanceQuery, Balance]:
        height, block_hash = snapshot.height, snapshot.block_hash
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
