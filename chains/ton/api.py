"""The toncenter HTTP API v2 (`/api/v2/...`), the calls that read state at a past masterchain block.

Documented at https://toncenter.com/api/v2/ and https://docs.ton.org/ecosystem/api/toncenter/v2/overview; the same
API is served by the open-source ton-http-api (Python, 2.0.x) and ton-http-api-cpp (C++, 2.1.x, toncenter's
current one) in front of one's own liteservers. Every reply is `{"ok": true, "result": ...}` or
`{"ok": false, "error": "...", "code": N}`; the C++ server answers a tonlib error with that code as the HTTP
status (e.g. 651, LITE_SERVER_NOTREADY: a block or state the liteserver does not have), the Python one with 500.
The calls taking `seqno` (a masterchain block) read the state at that block: getExtendedAddressInformation,
runGetMethod. A liteserver keeps old states only when it is an archive node.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from chains.ton import addresses, boc
from chains.transport import HttpTransport, RequestError

MASTERCHAIN = -1
MASTERCHAIN_SHARD = "-9223372036854775808"  # 0x8000000000000000 as a signed 64-bit integer
NOT_INITIALIZED_EXIT = -13  # tonlib's exit code for a get-method on an account without code
LITE_SERVER_NOTREADY = 651  # tonlib's ErrorCode::notready, the HTTP status ton-http-api-cpp gives it


class TonApiError(RequestError):
    """An `ok: false` reply, or one without the documented shape."""

    @property
    def liteserver(self) -> bool:
        """The liteserver behind the API does not have what was asked (a block, a state: not an archive node),
        as opposed to a refused request (a bad API key, a malformed query)."""
        return self.status == LITE_SERVER_NOTREADY or "LITE_SERVER_" in str(self)


@dataclass(frozen=True, slots=True)
class BlockId:
    workchain: int
    seqno: int
    root_hash: str  # base64, as the API gives it
    file_hash: str


@dataclass(frozen=True, slots=True)
class AccountState:
    account: str  # raw form `wc:hex` of the address the reply names
    balance: int  # nanotons; 0 for an account that does not exist
    initialized: bool
    block: BlockId  # the masterchain block the state was read at


@dataclass(frozen=True, slots=True)
class GetMethodResult:
    exit_code: int
    stack: list[Any]
    block: BlockId | None


def _block(value: Any, what: str) -> BlockId:
    if not isinstance(value, Mapping):
        raise TonApiError(f"{what}: no block id")
    try:
        return BlockId(int(value["workchain"]), int(value["seqno"]), str(value["root_hash"]),
                       str(value["file_hash"]))
    except (KeyError, TypeError, ValueError) as exc:
        raise TonApiError(f"{what}: malformed block id ({exc!r})") from None


def raw_address(text: str) -> str:
    """`wc:hex` of any spelling, masterchain included (the elector, the probe)."""
    text = text.strip()
    if text.startswith("-1:") and len(text) == 67:
        return "-1:" + bytes.fromhex(text[3:]).hex()
    if len(text) == 48 and not text.startswith(("0:", "-1:")):  # user-friendly, either workchain
        return addresses._decode_friendly(text).raw
    return addresses.decode(text).raw


def slice_of(address: str) -> list[str]:
    """A runGetMethod stack entry holding `address` as a slice."""
    workchain, _, account = raw_address(address).partition(":")
    cell = boc.serialize(*boc.address_cell(int(workchain), bytes.fromhex(account)))
    return ["tvm.Slice", base64.b64encode(cell).decode()]


def stack_address(entry: Any) -> str:
    """The raw address in a returned stack entry `["cell"|"slice", {"bytes": <b64 BOC>, ...}]`."""
    try:
        kind, value = entry
        cell = base64.b64decode(value["bytes"], validate=True)
    except (TypeError, ValueError, KeyError) as exc:
        raise TonApiError(f"stack entry {str(entry)[:80]} is not a cell ({exc!r})") from None
    if kind not in ("cell", "slice", "tvm.Cell", "tvm.Slice"):
        raise TonApiError(f"stack entry of type {kind!r} is not a cell")
    try:
        workchain, account = boc.read_address(cell)
    except ValueError as exc:
        raise TonApiError(f"stack entry holds no address: {exc}") from None
    return f"{workchain}:{account.hex()}"


def stack_number(entry: Any) -> int:
    """A returned `["num", "0x..."]` entry (tonlib renders numbers in hex, negative as -0x...)."""
    try:
        kind, text = entry
        if kind != "num" or not isinstance(text, str):
            raise ValueError(kind)
        negative = text.startswith("-")
        digits = text[1:] if negative else text
        if not digits.lower().startswith("0x") or not all(c in "0123456789abcdefABCDEF" for c in digits[2:]):
            raise ValueError(text)
        value = int(digits[2:], 16)
    except (TypeError, ValueError) as exc:
        raise TonApiError(f"stack entry {str(entry)[:80]} is not a number ({exc})") from None
    return -value if negative else value


class ToncenterV2:
    def __init__(self, transport: HttpTransport, base_url: str) -> None:
        self.transport = transport
        self.base = base_url.rstrip("/")

    async def _result(self, method: str, *, params: Mapping[str, str] | None = None, body: Any = None) -> Any:
        http = "GET" if body is None else "POST"
        try:
            reply = await self.transport.request_json(http, f"{self.base}/{method}", params=params, payload=body)
        except TonApiError:
            raise
        except RequestError as exc:  # an HTTP error status: the body says why, as {"ok": false, "error": ...}
            try:
                error = json.loads(exc.body).get("error") if exc.body else None
            except (ValueError, AttributeError):
                error = None
            if not error:
                raise
            raise TonApiError(f"{method}: {error} (HTTP {exc.status})", exc.status, exc.body) from None
        if not isinstance(reply, Mapping) or not reply.get("ok") or "result" not in reply:
            error = reply.get("error") if isinstance(reply, Mapping) else None
            raise TonApiError(f"{method}: {error or 'unexpected reply ' + str(reply)[:160]}")
        return reply["result"]

    async def masterchain_info(self) -> tuple[BlockId, BlockId]:
        """(last masterchain block, zero state)."""
        result = await self._result("getMasterchainInfo")
        if not isinstance(result, Mapping):
            raise TonApiError("getMasterchainInfo: result is not an object")
        last = _block(result.get("last"), "getMasterchainInfo.last")
        return last, _block(result.get("init"), "getMasterchainInfo.init")

    async def lookup_block(self, seqno: int) -> BlockId:
        params = {"workchain": str(MASTERCHAIN), "shard": MASTERCHAIN_SHARD, "seqno": str(seqno)}
        block = _block(await self._result("lookupBlock", params=params), "lookupBlock")
        if block.workchain != MASTERCHAIN or block.seqno != seqno:
            raise TonApiError(f"lookupBlock: asked for masterchain block {seqno}, got ({block.workchain}, "
                              f"{block.seqno})")
        return block

    async def account(self, address: str, seqno: int) -> AccountState:
        """getExtendedAddressInformation at masterchain block `seqno`, bound to the address and the block asked."""
        result = await self._result("getExtendedAddressInformation",
                                    params={"address": address, "seqno": str(seqno)})
        try:
            named = raw_address(str(result["address"]["account_address"]))
            balance = int(str(result["balance"]))
            state_type = str(result["account_state"]["@type"])
        except (KeyError, TypeError, ValueError) as exc:
            raise TonApiError(f"getExtendedAddressInformation: malformed reply ({exc!r}): "
                              f"{str(result)[:160]}") from None
        block = _block(result.get("block_id"), "getExtendedAddressInformation")
        asked = raw_address(address)
        if named != asked:
            raise TonApiError(f"getExtendedAddressInformation: asked about {asked}, the reply is about {named}")
        if block.workchain != MASTERCHAIN or block.seqno != seqno:
            raise TonApiError(f"getExtendedAddressInformation: asked at block {seqno}, read at {block.seqno}")
        initialized = not state_type.startswith("uninited")
        if balance == -1 and not initialized:  # tonlib's answer for an account that does not exist
            balance = 0
        if balance < 0:
            raise TonApiError(f"getExtendedAddressInformation: negative balance {balance}")
        return AccountState(named, balance, initialized, block)

    async def run_get_method(self, address: str, method: str, stack: Sequence[Any], seqno: int) -> GetMethodResult:
        body = {"address": address, "method": method, "stack": list(stack), "seqno": seqno}
        result = await self._result("runGetMethod", body=body)
        try:
            exit_code, returned = int(result["exit_code"]), list(result.get("stack") or [])
        except (KeyError, TypeError, ValueError) as exc:
            raise TonApiError(f"runGetMethod {method}: malformed reply ({exc!r})") from None
        block = _block(result["block_id"], f"runGetMethod {method}") if "block_id" in result else None
        if block is not None and (block.workchain != MASTERCHAIN or block.seqno != seqno):
            raise TonApiError(f"runGetMethod {method}: asked at block {seqno}, run at {block.seqno}")
        return GetMethodResult(exit_code, returned, block)
