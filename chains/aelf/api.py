"""The aelf node web API calls the adapter uses, with their replies checked.

Reference: docs.aelf.com, Tools > Web API > Chain API (`GET /api/blockChain/chainStatus`,
`GET /api/blockChain/blockByHeight?blockHeight=&includeTransactions=`, `POST /api/blockChain/executeTransaction`
`{"RawTransaction": hex}` -> the return value's protobuf bytes as a hex string,
`GET /api/blockChain/transactionResults?blockHash=&offset=&limit=` with limit at most 100). Errors come in ABP's
envelope `{"Error": {"Code": "20001", "Message": ...}}` (AElf `src/AElf.WebApp.Application.Chain/Error.cs`:
20001 NotFound, 20003 InvalidBlockHash, 20007 InvalidLimit, 20008 InvalidTransaction, 20013 InvalidSignature...),
often with HTTP 403 rather than 400/404, so the code is what is read.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Any

from chains.base import Endpoint
from chains.transport import HttpTransport, RequestError

_HASH = re.compile(r"[0-9a-f]{64}")
_HEX = re.compile(r"(?:[0-9a-f]{2})*")
_ERROR_CODE = re.compile(r'"Code"\s*:\s*"?(\d+)')
NOT_FOUND = "20001"


class AelfApiError(RequestError):
    def __init__(self, message: str, code: str | None = None) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True, slots=True)
class Head:
    height: int
    block_hash: str


@dataclass(frozen=True, slots=True)
class ChainStatus:
    chain_id: str
    best: Head
    irreversible_height: int


@dataclass(frozen=True, slots=True)
class BlockRef:
    height: int
    block_hash: str
    transactions: int
    previous_hash: str = ""  # Header.PreviousBlockHash: the scan checks the blocks it read form one branch


def json_transport(endpoint: Endpoint) -> HttpTransport:
    """The shared transport, asking for JSON (the API also speaks text/plain and protobuf)."""
    return HttpTransport(replace(endpoint, headers={"Accept": "application/json", **dict(endpoint.headers)}))


def _int(value: Any, what: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise AelfApiError(f"{what} is not a height: {value!r}")
    return value


def _hash(value: Any, what: str) -> str:
    if not isinstance(value, str) or not _HASH.fullmatch(value):
        raise AelfApiError(f"{what} is not a 32-byte hex hash: {str(value)[:80]!r}")
    return value


class AelfWebApi:
    def __init__(self, transport: HttpTransport, url: str) -> None:
        self.transport = transport
        self.base = url.rstrip("/") + "/api/blockChain"

    async def _get(self, path: str, params: dict[str, str] | None = None) -> Any:
        try:
            return await self.transport.request_json("GET", f"{self.base}/{path}", params=params)
        except AelfApiError:
            raise
        except RequestError as exc:
            code = _ERROR_CODE.search(str(exc))
            raise AelfApiError(str(exc), code.group(1) if code else None) from None

    async def chain_status(self) -> ChainStatus:
        reply = await self._get("chainStatus")
        if not isinstance(reply, dict) or not isinstance(reply.get("ChainId"), str):
            raise AelfApiError(f"chainStatus: unexpected reply {str(reply)[:200]}")
        best = Head(_int(reply.get("BestChainHeight"), "BestChainHeight"),
                    _hash(reply.get("BestChainHash"), "BestChainHash"))
        return ChainStatus(reply["ChainId"], best,
                           _int(reply.get("LastIrreversibleBlockHeight"), "LastIrreversibleBlockHeight"))

    async def block(self, height: int) -> BlockRef | None:
        """Block `height` of the best chain; None when the node has none there (20001)."""
        try:
            reply = await self._get("blockByHeight", {"blockHeight": str(height), "includeTransactions": "false"})
        except AelfApiError as exc:
            if exc.code == NOT_FOUND:
                return None
            raise
        if not isinstance(reply, dict) or not isinstance(reply.get("Header"), dict):
            raise AelfApiError(f"blockByHeight {height}: unexpected reply {str(reply)[:200]}")
        found = _int(reply["Header"].get("Height"), "Header.Height")
        if found != height:
            raise AelfApiError(f"blockByHeight {height}: the node answered block {found}")
        body = reply.get("Body")
        body = body if isinstance(body, dict) else {}
        return BlockRef(height, _hash(reply.get("BlockHash"), "BlockHash"),
                        _int(body.get("TransactionsCount", 0), "Body.TransactionsCount"),
                        _hash(reply["Header"].get("PreviousBlockHash"), "Header.PreviousBlockHash"))

    async def transaction_results(self, block_hash: str, offset: int, limit: int) -> list[dict[str, Any]]:
        reply = await self._get("transactionResults",
                                {"blockHash": block_hash, "offset": str(offset), "limit": str(limit)})
        if not isinstance(reply, list) or not all(isinstance(r, dict) for r in reply):
            raise AelfApiError(f"transactionResults: expected a list of results, got {str(reply)[:200]}")
        return reply

    async def execute(self, raw_transaction: bytes) -> bytes:
        """The return value of a read-only call at the node's best chain head."""
        url = f"{self.base}/executeTransaction"
        try:
            reply = await self.transport.request_json("POST", url, payload={"RawTransaction": raw_transaction.hex()})
        except RequestError as exc:
            code = _ERROR_CODE.search(str(exc))
            raise AelfApiError(str(exc), code.group(1) if code else None) from None
        if not isinstance(reply, str) or not _HEX.fullmatch(reply):
            raise AelfApiError(f"executeTransaction: expected a hex string, got {str(reply)[:120]!r}")
        return bytes.fromhex(reply)
