"""The Aptos fullnode REST API (/v1; OpenAPI spec at fullnode.mainnet.aptoslabs.com/v1/spec), as typed calls on
HttpTransport.

64-bit numbers are JSON strings ("U64"). Errors are HTTP 4xx/5xx with `{"message", "error_code", "vm_error_code"}`:
404 `block_not_found` / `resource_not_found` / `account_not_found`, 410 `block_pruned` / `version_pruned` (the
node no longer keeps that height or ledger version), 400 `invalid_input` / `vm_error` for a bad view call.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from chains.transport import HttpTransport, RequestError

_HEX = re.compile(r"0x[0-9a-fA-F]{1,64}")
GONE = 410


class AptosApiError(RequestError):
    """An error reply of the REST API, with its HTTP status and `error_code`."""

    def __init__(self, what: str, status: int | None, error_code: str, message: str) -> None:
        detail = ": ".join(part for part in (error_code, message) if part)
        super().__init__(f"{what}: HTTP {status}" + (f" {detail}" if detail else ""), status)
        self.error_code = error_code

    @property
    def pruned(self) -> bool:
        return self.status == GONE or self.error_code in ("version_pruned", "block_pruned")


@dataclass(frozen=True, slots=True)
class LedgerInfo:
    """GET /v1: the node's chain and the range of ledger versions and blocks it keeps."""

    chain_id: int
    ledger_version: int
    oldest_ledger_version: int
    block_height: int
    oldest_block_height: int


@dataclass(frozen=True, slots=True)
class BlockInfo:
    height: int
    block_hash: str
    first_version: int
    last_version: int  # the ledger version whose state is the block's end state


def u64(value: Any, what: str) -> int:
    """A U64 as the API writes it: a string of decimal digits."""
    if isinstance(value, str) and value.isdigit() and len(value) <= 20:
        number = int(value)
        if number < 2**64:
            return number
    raise RequestError(f"{what} is {value!r}, not a u64 string")


class AptosRest:
    """Calls of one fullnode's REST API; `base_url` ends with /v1."""

    def __init__(self, transport: HttpTransport, base_url: str) -> None:
        self.transport = transport
        self.base = base_url.rstrip("/")

    async def _request(self, what: str, method: str, path: str, *, payload: Any = None,
                       params: dict[str, str] | None = None) -> Any:
        try:
            return await self.transport.request_json(method, self.base + path, payload=payload, params=params)
        except RequestError as exc:
            status = getattr(exc, "status", None)
            if status is None:
                raise
            code, message = "", str(exc)
            try:
                body = json.loads(getattr(exc, "body", b"") or b"{}")
                if isinstance(body, dict):
                    code, message = str(body.get("error_code") or ""), str(body.get("message") or "")
            except ValueError:
                pass
            raise AptosApiError(what, status, code, message) from None

    async def ledger_info(self) -> LedgerInfo:
        reply = await self._request("GET /v1", "GET", "")
        if not isinstance(reply, dict):
            raise RequestError("GET /v1: reply is not an object")
        chain_id = reply.get("chain_id")
        if isinstance(chain_id, bool) or not isinstance(chain_id, int):
            raise RequestError(f"GET /v1: chain_id is {chain_id!r}")
        return LedgerInfo(chain_id, u64(reply.get("ledger_version"), "ledger_version"),
                          u64(reply.get("oldest_ledger_version"), "oldest_ledger_version"),
                          u64(reply.get("block_height"), "block_height"),
                          u64(reply.get("oldest_block_height"), "oldest_block_height"))

    async def block(self, height: int) -> BlockInfo | None:
        """Block `height` without its transactions; None when the node has no such block (404)."""
        what = f"block {height}"
        try:
            reply = await self._request(what, "GET", f"/blocks/by_height/{height}",
                                        params={"with_transactions": "false"})
        except AptosApiError as exc:
            if exc.status == 404:
                return None
            raise
        if not isinstance(reply, dict):
            raise RequestError(f"{what}: reply is not an object")
        found = u64(reply.get("block_height"), f"{what} block_height")
        if found != height:
            raise RequestError(f"{what}: the node answered block {found}")
        block_hash = reply.get("block_hash")
        if not isinstance(block_hash, str) or not _HEX.fullmatch(block_hash):
            raise RequestError(f"{what}: block_hash {block_hash!r} is not hex")
        first = u64(reply.get("first_version"), f"{what} first_version")
        last = u64(reply.get("last_version"), f"{what} last_version")
        if last < first:
            raise RequestError(f"{what}: last_version {last} is before first_version {first}")
        return BlockInfo(height, block_hash.lower(), first, last)

    async def view_u64(self, function: str, type_arguments: list[str], arguments: list[str], version: int) -> int:
        """A view function returning one u64, executed on the state at ledger `version`."""
        what = f"view {function}({', '.join(arguments)})@{version}"
        reply = await self._request(what, "POST", "/view", params={"ledger_version": str(version)},
                                    payload={"function": function, "type_arguments": type_arguments,
                                             "arguments": arguments})
        if not isinstance(reply, list) or len(reply) != 1:
            raise RequestError(f"{what}: reply is {str(reply)[:120]}, not one value")
        return u64(reply[0], f"{what} result")

    async def resource(self, address: str, struct_tag: str, version: int) -> dict[str, Any] | None:
        """An account's resource at ledger `version`; None when the account has none of that type there."""
        what = f"resource {struct_tag} of {address}@{version}"
        try:
            reply = await self._request(what, "GET", f"/accounts/{address}/resource/{struct_tag}",
                                        params={"ledger_version": str(version)})
        except AptosApiError as exc:
            if exc.status == 404 and exc.error_code in ("resource_not_found", "account_not_found"):
                return None
            raise
        if not isinstance(reply, dict) or not isinstance(reply.get("data"), dict):
            raise RequestError(f"{what}: reply has no data object")
        echoed = reply.get("type")
        # bind the reply to the request: the type is echoed (blanks in a struct tag do not count, says the spec)
        if not isinstance(echoed, str) or "".join(echoed.split()) != "".join(struct_tag.split()):
            raise RequestError(f"{what}: the reply is for resource {reply.get('type')!r}")
        data: dict[str, Any] = reply["data"]
        return data
