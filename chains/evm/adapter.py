"""EVM balances at a snapshot block, over raw JSON-RPC on one keep-alive aiohttp session.

Multicall3 `aggregate3` reads hundreds of balances in one `eth_call` (native coins through `getEthBalance`,
tokens through `balanceOf`), each sub-call allowed to fail on its own. Where Multicall3 has no code at the
snapshot block, a JSON-RPC batch of `eth_getBalance` / `eth_call` does the same job more slowly. web3.py is
not on this path: its per-call overhead caps it near 1,000 balances/s, where raw Multicall3 does ~20,000/s.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from eth_abi import decode as abi_decode
from eth_abi.exceptions import DecodingError

from chains.base import (
    Balance,
    BalanceAdapter,
    BalanceQuery,
    Endpoint,
    Network,
    RequestEstimate,
    Snapshot,
    StateUnavailable,
)
from chains.evm.multicall import decode_aggregate3_reply, encode_aggregate3
from chains.evm.query import owners_of
from chains.options import BackendOptions, OptionsError
from chains.transport import HttpTransport, JsonRpcClient, RequestError

MULTICALL3 = "0xca11bde05977b3631167028862be2a173976ca11"
GET_ETH_BALANCE = bytes.fromhex("4d2301cc")  # getEthBalance(address)
BALANCE_OF = bytes.fromhex("70a08231")  # balanceOf(address)
GET_OWNERS = "0xa0e67e2b"  # getOwners() of a Safe-style contract wallet
GET_THRESHOLD = "0xe75235b8"  # getThreshold()
_PAD = bytes(12)


def _address_word(address: str) -> bytes:
    return _PAD + bytes.fromhex(address[2:])


def _call_data(query: BalanceQuery) -> tuple[str, bytes]:
    """(target, calldata) reading one balance through Multicall3."""
    if query.contract is None:
        return MULTICALL3, GET_ETH_BALANCE + _address_word(query.address)
    return query.contract, BALANCE_OF + _address_word(query.address)


def _owners_bound(proven: tuple[str, ...], owners_reply, threshold_reply, height: int) -> tuple[bool, str]:
    if isinstance(owners_reply, Exception) or isinstance(threshold_reply, Exception):
        return False, f"getOwners/getThreshold failed at block {height}: not a Safe-style wallet"
    try:
        (owners,) = abi_decode(["address[]"], bytes.fromhex(owners_reply[2:]))
        threshold = _uint256(bytes.fromhex(threshold_reply[2:]), "getThreshold")
    except (ValueError, TypeError, DecodingError):
        return False, f"no Safe-style getOwners/getThreshold at block {height}"
    owners = {owner.lower() for owner in owners}
    if not 0 < threshold <= len(owners):  # not a working wallet: nobody, or everybody, could act for it
        return False, f"the wallet reports threshold {threshold} for {len(owners)} owners at block {height}"
    outsiders = [p for p in proven if p not in owners]
    if outsiders:
        return False, f"{', '.join(outsiders)} not among the wallet's {len(owners)} owners at block {height}"
    if len(set(proven)) < threshold:
        return False, f"{len(set(proven))} proven owner(s), the wallet needs {threshold} at block {height}"
    count = len(set(proven))
    return True, f"owners bound on chain: {count} of {len(owners)} owners, threshold {threshold}, block {height}"


def _uint256(data: bytes, what: str) -> int:
    """A balance word. Anything but exactly 32 bytes is an error, not 0: an empty returnData is what a call
    to an address without code (a wrong contract, a chain without the token) gives."""
    if len(data) != 32:
        raise ValueError(f"{what} returned {len(data)} bytes, expected 32 (no contract there?)")
    return int.from_bytes(data, "big")


@dataclass(frozen=True, slots=True)
class EvmOptions(BackendOptions):
    """`[networks.X.options]` of an EVM JSON-RPC endpoint."""

    multicall: bool = True  # read through Multicall3 where it has code at the snapshot; false: JSON-RPC batches
    # Bisection of a failing aggregate3 stops when this many successive halvings fail with the very same error
    # (a node that refuses every call, a block gone from the chain): the rest of the rows get that error.
    same_error_halvings: int = 2

    def validate(self, where: str) -> None:
        if self.same_error_halvings < 1:
            raise OptionsError(f"{where}.same_error_halvings: must be at least 1, got {self.same_error_halvings}")


class _MulticallFailed(Exception):
    """One aggregate3 request failed as a whole (its sub-calls have no answer)."""


class EvmBalanceAdapter(BalanceAdapter):
    """Balances over JSON-RPC: every read names the snapshot block by hash (EIP-1898), so a load balancer cannot
    answer from another fork, and a block that leaves the chain fails the read instead of changing it."""

    options_type = EvmOptions
    options: EvmOptions
    method = "multicall3"

    def __init__(self, network: Network, endpoint: Endpoint) -> None:
        super().__init__(network, endpoint)
        self._multicall_at: dict[int, bool] = {}
        self._block_at: dict[int, dict[str, object]] = {}  # EIP-1898 block reference per snapshot height
        self._rpc: JsonRpcClient | None = None

    def open_transport(self) -> HttpTransport:
        transport = HttpTransport(self.endpoint)
        self._rpc = JsonRpcClient(transport, self.endpoint.url)
        return transport

    @property
    def rpc(self) -> JsonRpcClient:
        if self._rpc is None:
            raise RuntimeError("EvmBalanceAdapter used outside `async with`: the transport is not open")
        return self._rpc

    # ---- snapshot hooks ------------------------------------------------------------------------------

    async def chain_identity(self) -> str:
        return str(int(await self.rpc.call("eth_chainId"), 16))

    async def tip_height(self) -> int:
        return int(await self.rpc.call("eth_blockNumber"), 16)

    async def block_hash(self, height: int) -> str | None:
        block = await self.rpc.call("eth_getBlockByNumber", [hex(height), False])
        if not block:
            return None
        if not isinstance(block, dict) or not isinstance(block.get("hash"), str):
            raise RequestError(f"eth_getBlockByNumber({height}): reply has no block hash")
        if block.get("number") is not None and int(block["number"], 16) != height:
            raise RequestError(f"eth_getBlockByNumber({height}) answered block {int(block['number'], 16)}")
        return block["hash"]

    async def check_state(self, snapshot: Snapshot) -> None:
        """One state read up front, by block hash: a node without state at H (not an archive node) or without
        EIP-1898 references is refused once, instead of failing every batch."""
        reference = {"blockHash": snapshot.block_hash, "requireCanonical": True}
        try:
            code = await self.rpc.call("eth_getCode", [MULTICALL3, reference])
        except RequestError as exc:
            raise StateUnavailable(f"eth_getCode by block hash failed: {exc}; the node must keep state for past "
                                   "blocks (an archive node) and accept EIP-1898 block references") from None
        self._block_at[snapshot.height] = reference
        self._multicall_at[snapshot.height] = self.options.multicall and bool(code and code not in ("0x", "0x0"))

    # ---- cost model ------------------------------------------------------------------------------------

    def estimate_snapshot_requests(self) -> RequestEstimate:
        """eth_chainId (when a chain id is expected) + eth_blockNumber + eth_getBlockByNumber + eth_getCode."""
        identity = 1 if self.expected_identity() is not None else 0
        return RequestEstimate.exactly(identity + 3, "chain id, tip, block, state check")

    def estimate_requests(self, queries: Sequence[BalanceQuery]) -> RequestEstimate:
        """ceil(n / batch_size) reads (one aggregate3 eth_call, or one JSON-RPC batch, per batch) + per batch
        ceil(owner rows / (batch_size // 2)) owner checks + 1 block re-check. A multicall the node refuses is
        asked again in halves (at most `same_error_halvings` levels deep): not counted here."""
        size = self.batch_size()
        per_owner_batch = max(1, self.endpoint.batch_size // 2)
        owner_batches = 0
        for start in range(0, len(queries), size):
            owners = sum(1 for query in queries[start : start + size] if owners_of(query))
            owner_batches += -(-owners // per_owner_batch)
        reads = self.batches(len(queries))
        return RequestEstimate.exactly(reads + owner_batches + 1,
                                       f"{reads} batches of {size} + {owner_batches} owner checks + 1 re-check")

    # ---- reads -----------------------------------------------------------------------------------------

    async def read_batch(self, batch: Sequence[BalanceQuery], snapshot: Snapshot) -> Mapping[BalanceQuery, Balance]:
        height = snapshot.height
        if self._multicall_at[height]:
            answers = await self._read_multicall(list(batch), height)
        else:
            answers = await self._read_batch(list(batch), height)
        with_owners = [q for q in batch if owners_of(q) and answers[q].ok]
        if with_owners:
            answers.update(await self._check_owners(with_owners, answers, height))
        return answers

    async def _check_owners(
        self, queries: list[BalanceQuery], balances: dict[BalanceQuery, Balance], height: int
    ) -> dict[BalanceQuery, Balance]:
        """Owner-mode rows: are the proven signers owners of the contract at the snapshot, and enough of them
        to act (>= its threshold)? Read as the Safe contract interface reads them, in batches of `batch_size`
        calls. A read that fails is a balance the source could not give (never "not a Safe")."""
        block = self._block_at[height]
        per_batch = max(1, self.endpoint.batch_size // 2)
        checked: dict[BalanceQuery, Balance] = {}
        for start in range(0, len(queries), per_batch):
            part = queries[start : start + per_batch]
            calls: list[tuple[str, list]] = []
            for query in part:
                calls.append(("eth_call", [{"to": query.address, "data": GET_OWNERS}, block]))
                calls.append(("eth_call", [{"to": query.address, "data": GET_THRESHOLD}, block]))
            try:
                replies = await self.rpc.batch(calls)
            except RequestError as exc:
                for query in part:
                    checked[query] = Balance(None, "", f"owner check failed: {exc}")
                continue
            for i, query in enumerate(part):
                bound, note = _owners_bound(owners_of(query), replies[2 * i], replies[2 * i + 1], height)
                checked[query] = replace(balances[query], owners_bound=bound, owners_note=note)
        return checked

    async def _read_multicall(
        self, chunk: list[BalanceQuery], height: int, repeated: int = 0, parent_error: str = ""
    ) -> dict[BalanceQuery, Balance]:
        """One aggregate3 for the chunk. When it fails, each half is asked on its own (a batch too big for the
        node's gas or size limit), down to single rows; but when the same error comes back `same_error_halvings`
        times in a row, size is not the problem and the rows left get that error (at most 7 requests, not 2n-1)."""
        try:
            results = await self._aggregate3(chunk, height)
        except _MulticallFailed as exc:
            error = str(exc)
            repeated = repeated + 1 if error == parent_error else 0
            if len(chunk) == 1 or repeated >= self.options.same_error_halvings:
                return {q: Balance(None, "", error) for q in chunk}
            half = len(chunk) // 2
            first, second = await asyncio.gather(
                self._read_multicall(chunk[:half], height, repeated, error),
                self._read_multicall(chunk[half:], height, repeated, error),
            )
            return first | second
        answers: dict[BalanceQuery, Balance] = {}
        for query, (success, data) in zip(chunk, results, strict=True):
            what = "getEthBalance" if query.contract is None else f"balanceOf on {query.contract}"
            if not success:
                answers[query] = Balance(None, "", f"{what} reverted")
                continue
            try:
                answers[query] = Balance(_uint256(data, what), "multicall3")
            except ValueError as exc:
                answers[query] = Balance(None, "", str(exc))
        return answers

    async def _aggregate3(self, chunk: list[BalanceQuery], height: int) -> list[tuple[bool, bytes]]:
        calls = [(target, True, data) for target, data in map(_call_data, chunk)]
        call = {"to": MULTICALL3, "data": "0x" + encode_aggregate3(calls).hex()}
        try:
            raw = await self.rpc.call("eth_call", [call, self._block_at[height]])
            if not isinstance(raw, str) or not raw.startswith("0x"):
                raise ValueError(f"eth_call result is not hex data: {str(raw)[:100]}")
            results = decode_aggregate3_reply(bytes.fromhex(raw[2:]))
        except (RequestError, ValueError, TypeError) as exc:
            raise _MulticallFailed(f"eth_call failed: {exc}") from exc
        if len(results) != len(chunk):  # another request's reply, or a truncated one: bind nothing
            raise _MulticallFailed(f"eth_call failed: aggregate3 answered {len(results)} results for "
                                   f"{len(chunk)} calls")
        return results

    async def _read_batch(self, chunk: list[BalanceQuery], height: int) -> dict[BalanceQuery, Balance]:
        block = self._block_at[height]
        calls: list[tuple[str, list]] = []
        for query in chunk:
            if query.contract is None:
                calls.append(("eth_getBalance", [query.address, block]))
            else:
                data = "0x" + (BALANCE_OF + _address_word(query.address)).hex()
                calls.append(("eth_call", [{"to": query.contract, "data": data}, block]))
        try:
            results = await self.rpc.batch(calls)
        except RequestError as exc:
            return {q: Balance(None, "", f"batch failed: {exc}") for q in chunk}
        answers: dict[BalanceQuery, Balance] = {}
        for query, result in zip(chunk, results, strict=True):
            if isinstance(result, RequestError):  # its own error, or a reply not bound to it
                answers[query] = Balance(None, "", str(result))
                continue
            try:
                if query.contract is None:
                    if not isinstance(result, str) or not result.startswith("0x"):
                        raise ValueError(f"eth_getBalance result is not a hex quantity: {str(result)[:100]}")
                    amount = int(result, 16)
                else:
                    amount = _uint256(bytes.fromhex(result[2:]), f"balanceOf on {query.contract}")
                answers[query] = Balance(amount, "jsonrpc-batch")
            except (ValueError, TypeError) as exc:
                answers[query] = Balance(None, "", f"malformed reply: {exc}")
        return answers
