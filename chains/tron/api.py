"""The java-tron HTTP API (FullNode `/wallet/*`, `/walletsolidity/*`) and TronGrid's v1 TRC-20 history,
as typed calls on top of HttpTransport (retries, rate limit, Retry-After).

Shapes follow the java-tron docs: JSON bodies with `visible: true` so addresses are base58check; errors come
back as HTTP 200 with `{"Error": "<exception class> : <message>"}`; protobuf JSON omits fields holding their
default value, so a 0 balance or block number 0 is simply absent from the reply.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from eth_abi import decode as abi_decode
from eth_abi.exceptions import DecodingError

from chains.evm.multicall import decode_aggregate_words, encode_aggregate
from chains.transport import HttpTransport, RequestError
from chains.tron import addresses

BALANCE_OF = "balanceOf(address)"
# Multicall's aggregate((address,bytes)[]) returns (uint256 blockNumber, bytes[] returnData), reverting when any
# call fails (the MakerDAO Multicall interface, as the TRON Multicall contract keeps it)
AGGREGATE_SELECTOR = "252dba42"
# The same contract's getEthBalance(address): `addr.balance`, which the TVM's BALANCE opcode answers in sun (TRX)
GET_ETH_BALANCE_SELECTOR = "4d2301cc"
# keccak256("Transfer(address,address,uint256)"): topic 0 of a TRC-20 Transfer log (from, to indexed; value in data)
TRANSFER_TOPIC = "ddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef"


class TronApiError(RequestError):
    """The node answered with an error body (`{"Error": ...}`, a failed constant call, `success: false`)."""


@dataclass(frozen=True, slots=True)
class BlockRef:
    number: int
    block_id: str  # 64 hex digits; the first 16 are the block number
    timestamp: int  # milliseconds
    transaction_count: int = 0


@dataclass(frozen=True, slots=True)
class Trc20Transfer:
    """One Transfer event of a TRC-20 contract touching the queried account, as TronGrid lists it."""

    transaction_id: str
    block_timestamp: int
    sender: str
    receiver: str
    value: int


def _int_field(reply: Mapping[str, Any], key: str, what: str, default: int | None = None) -> int:
    value = reply.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int):
        raise TronApiError(f"{what}: {key!r} is {value!r}, not an integer")
    return value


def parse_block(reply: Any, what: str) -> BlockRef | None:
    """A block reply; None for `{}` (no such block). TronApiError when the shape is wrong."""
    if not isinstance(reply, dict):
        raise TronApiError(f"{what}: reply is not an object")
    if not reply:
        return None
    block_id = reply.get("blockID")
    raw = (reply.get("block_header") or {}).get("raw_data")
    if not isinstance(block_id, str) or len(block_id) != 64 or not isinstance(raw, dict):
        raise TronApiError(f"{what}: reply has no blockID/block_header.raw_data")
    number = _int_field(raw, "number", what, 0)  # absent in block 0's header
    if block_id[:16] != f"{number:016x}":
        raise TronApiError(f"{what}: blockID {block_id} does not start with the block number {number}")
    transactions = reply.get("transactions") or []
    return BlockRef(number, block_id.lower(), _int_field(raw, "timestamp", what, 0), len(transactions))


class TronHttpApi:
    """Calls of one java-tron HTTP endpoint (and, optionally, a separate TronGrid-style events endpoint)."""

    def __init__(
        self,
        transport: HttpTransport,
        base_url: str,
        *,
        solidity_url: str | None = None,
        events_transport: HttpTransport | None = None,
        events_url: str | None = None,
    ) -> None:
        self.transport = transport
        self.base_url = base_url.rstrip("/")
        self.solidity_url = (solidity_url or base_url).rstrip("/")
        self.events_transport = events_transport or transport
        self.events_url = (events_url or base_url).rstrip("/")

    async def _post(self, path: str, body: Mapping[str, Any], *, solid: bool = False) -> dict[str, Any]:
        base = self.solidity_url if solid else self.base_url
        prefix = "/walletsolidity/" if solid else "/wallet/"
        reply = await self.transport.request_json("POST", base + prefix + path, payload=dict(body))
        if not isinstance(reply, dict):
            raise TronApiError(f"{prefix}{path}: reply is not an object: {str(reply)[:200]}")
        if "Error" in reply:
            raise TronApiError(f"{prefix}{path}: {reply['Error']}")
        return reply

    async def now_block(self, *, solid: bool = False) -> BlockRef:
        """The head block, or with `solid` the latest solidified (irreversible) block."""
        what = "walletsolidity/getnowblock" if solid else "wallet/getnowblock"
        block = parse_block(await self._post("getnowblock", {"visible": True}, solid=solid), what)
        if block is None:
            raise TronApiError(f"{what}: empty reply")
        return block

    async def block_by_num(self, number: int) -> BlockRef | None:
        return parse_block(
            await self._post("getblockbynum", {"num": number, "visible": True}), f"getblockbynum {number}"
        )

    async def block_header(self, number: int) -> BlockRef | None:
        """Block `number` without its transactions (`/wallet/getblock`, detail false): its id, number and time;
        the transaction count of the reply is 0 whatever the block holds."""
        return parse_block(
            await self._post("getblock", {"id_or_num": str(number), "detail": False}), f"getblock {number}"
        )

    async def account_balance(self, address: str, block: BlockRef) -> tuple[int, int]:
        """(balance in sun, number of the block the node answered for) of `address` at `block`.

        A node with balance history answers the balance after the last change at or before `block` and
        that change's block; a node without it answers 0 and echoes the block (see TronBalanceAdapter)."""
        reply = await self._post(
            "getaccountbalance",
            {
                "account_identifier": {"address": address},
                "block_identifier": {"hash": block.block_id, "number": block.number},
                "visible": True,
            },
        )
        identifier = reply.get("block_identifier")
        if not isinstance(identifier, dict):
            raise TronApiError(f"getaccountbalance {address}: reply has no block_identifier")
        balance = _int_field(reply, "balance", f"getaccountbalance {address}", 0)
        if balance < 0:
            raise TronApiError(f"getaccountbalance {address}: negative balance {balance}")
        return balance, _int_field(identifier, "number", f"getaccountbalance {address}", 0)

    async def block_balance_trace(self, block: BlockRef) -> dict[str, Any]:
        """The block's balance trace; raises TronApiError (ItemNotFoundException) on a node without history."""
        return await self._post("getblockbalance", {"hash": block.block_id, "number": block.number, "visible": True})

    async def trx_movers(self, block: BlockRef) -> set[str]:
        """Every account whose TRX balance a transaction of `block` changed (sender, receiver, fee payer, internal
        transfers): the addresses of the block's balance trace (`/wallet/getblockbalance`). TronApiError when the
        node has no trace for it or the reply is not this block's."""
        return parse_balance_trace(await self.block_balance_trace(block), block)

    async def transfer_logs(self, block: BlockRef) -> list[tuple[str, Trc20Transfer]]:
        """(token contract, transfer) of every TRC-20 Transfer log the transactions of `block` emitted, internal
        calls' included (`/wallet/gettransactioninfobyblocknum`, a JSON array of TransactionInfo). TronApiError when
        the reply is not one TransactionInfo per transaction of the block, or a Transfer log cannot be read."""
        what = f"gettransactioninfobyblocknum {block.number}"
        reply = await self.transport.request_json(
            "POST", self.base_url + "/wallet/gettransactioninfobyblocknum",
            payload={"num": block.number, "visible": True})
        return parse_transaction_infos(reply, block, what)

    async def trc20_balance(self, contract: str, address: str, *, solid: bool) -> int:
        """balanceOf(address) of a TRC-20 contract, executed on the head (or solidified) state."""
        # the ABI word of an `address` argument: 12 zero bytes, then the 20-byte account (eth_abi costs ~20 µs)
        word = "00" * 12 + addresses.decode(address)[1:].hex()
        body = {
            # The caller must be an existing account on some nodes; a holder of TRC-20 tokens alone may never
            # have been activated, while the contract's own account always exists. balanceOf ignores msg.sender.
            "owner_address": contract,
            "contract_address": contract,
            "function_selector": BALANCE_OF,
            "parameter": word,
            "visible": True,
        }
        reply = await self._post("triggerconstantcontract", body, solid=solid)
        what = f"balanceOf({address}) on {contract}"
        result = reply.get("result")
        if not isinstance(result, dict) or result.get("result") is not True:
            message = _readable(result.get("message", "")) if isinstance(result, dict) else ""
            code = result.get("code", "") if isinstance(result, dict) else ""
            raise TronApiError(f"{what}: call refused {code} {message}".rstrip())
        rets = (reply.get("transaction") or {}).get("ret") or [{}]
        if any(isinstance(r, dict) and r.get("ret") == "FAILED" for r in rets):
            raise TronApiError(f"{what}: call reverted {_readable(result.get('message', ''))}".rstrip())
        _check_echo(reply, word, contract, what)
        outputs = reply.get("constant_result")
        if not isinstance(outputs, list) or len(outputs) != 1 or not isinstance(outputs[0], str):
            raise TronApiError(f"{what}: reply has no single constant_result")
        try:
            data = bytes.fromhex(outputs[0])
        except ValueError:
            raise TronApiError(f"{what}: constant_result is not hex") from None
        if len(data) != 32:
            raise TronApiError(f"{what}: constant_result has {len(data)} bytes, expected one uint256 word")
        return int.from_bytes(data, "big")  # one uint256 word

    async def aggregate_balances(
        self, multicall: str, holdings: Sequence[tuple[str | None, str]], *, solid: bool
    ) -> tuple[int, list[int]]:
        """Balances of many (contract, address) pairs in one constant call of the Multicall contract's
        `aggregate`, executed on the head (or solidified) state: a TRC-20 contract's balanceOf(address), or for
        contract None the Multicall's own getEthBalance(address) (TRX in sun). (The block number it reports, the
        balances in order.) TronApiError when the call fails (any call reverting fails it: ask one by one then)
        or the reply does not answer this call."""
        itself = addresses.decode(multicall)[1:]
        trx, token = bytes.fromhex(GET_ETH_BALANCE_SELECTOR) + bytes(12), bytes.fromhex(BALANCE_OF_SELECTOR) + bytes(12)
        calls = [(itself, trx + addresses.decode(address)[1:]) if contract is None
                 else (addresses.decode(contract)[1:], token + addresses.decode(address)[1:])
                 for contract, address in holdings]
        data = AGGREGATE_SELECTOR + encode_aggregate(calls).hex()
        body = {"owner_address": multicall, "contract_address": multicall, "data": data, "visible": True}
        reply = await self._post("triggerconstantcontract", body, solid=solid)
        what = f"aggregate of {len(holdings)} balance calls on {multicall}"
        result = reply.get("result")
        if not isinstance(result, dict) or result.get("result") is not True:
            message = _readable(result.get("message", "")) if isinstance(result, dict) else ""
            raise TronApiError(f"{what}: call refused {message}".rstrip())
        rets = (reply.get("transaction") or {}).get("ret") or [{}]
        if any(isinstance(r, dict) and r.get("ret") == "FAILED" for r in rets):
            raise TronApiError(f"{what}: call reverted {_readable(result.get('message', ''))}".rstrip())
        _check_echoed_data(reply, data, multicall, what)
        outputs = reply.get("constant_result")
        if not isinstance(outputs, list) or len(outputs) != 1 or not isinstance(outputs[0], str):
            raise TronApiError(f"{what}: reply has no single constant_result")
        try:
            encoded = bytes.fromhex(outputs[0])
            fast = decode_aggregate_words(encoded, len(holdings))
            if fast is not None:
                return fast
            block, returned = abi_decode(["uint256", "bytes[]"], encoded)
        except (ValueError, DecodingError) as exc:
            raise TronApiError(f"{what}: constant_result is not (uint256, bytes[]): {exc}") from None
        if len(returned) != len(holdings) or any(len(word) != 32 for word in returned):
            raise TronApiError(f"{what}: {len(returned)} results for {len(holdings)} calls, or not one uint256 each")
        return int(block), [int.from_bytes(word, "big") for word in returned]

    async def trc20_transfers(
        self,
        address: str,
        contract: str,
        *,
        after_timestamp: int,
        until_timestamp: int,
        confirmed: bool,
        page_size: int = 200,
        max_pages: int = 500,
    ) -> list[Trc20Transfer]:
        """Transfer events of `contract` touching `address` in blocks with after < timestamp <= until.

        TronGrid `/v1/accounts/{address}/transactions/trc20`, paged with `meta.fingerprint` (the other
        parameters must stay the same from page to page). Bounded by `max_pages`; TronApiError past that."""
        url = f"{self.events_url}/v1/accounts/{address}/transactions/trc20"
        params = {
            "contract_address": contract,
            "min_timestamp": str(after_timestamp),
            "max_timestamp": str(until_timestamp),
            "limit": str(page_size),
            "only_confirmed" if confirmed else "only_unconfirmed": "true" if confirmed else "false",
        }
        transfers: list[Trc20Transfer] = []
        for _page in range(max_pages):
            reply = await self.events_transport.request_json("GET", url, params=params)
            items, fingerprint = parse_transfer_page(reply, address)
            for item in items:
                transfer = parse_transfer(item, contract)
                if transfer is not None and after_timestamp < transfer.block_timestamp <= until_timestamp:
                    transfers.append(transfer)
            if not fingerprint or not items:
                return transfers
            params = {**params, "fingerprint": fingerprint}
        raise TronApiError(f"TRC-20 history of {address}: more than {max_pages} pages of {page_size} events")


BALANCE_OF_SELECTOR = "70a08231"  # keccak256("balanceOf(address)")[:4]


def parse_balance_trace(reply: Any, block: BlockRef) -> set[str]:
    """The accounts a BlockBalanceTrace names (documented: block_identifier {hash, number}, timestamp,
    transaction_balance_trace [{transaction_identifier, operation [{operation_identifier, address, amount}], type,
    status}]; protobuf JSON leaves the list out when the block has no balance change)."""
    what = f"getblockbalance {block.number}"
    if not isinstance(reply, dict):
        raise TronApiError(f"{what}: reply is not an object")
    identifier = reply.get("block_identifier")
    if not isinstance(identifier, dict) or str(identifier.get("hash", "")).lower() != block.block_id \
            or _int_field(identifier, "number", what, 0) != block.number:
        raise TronApiError(f"{what}: the reply is not this block's trace (block_identifier {identifier!r})")
    traces = reply.get("transaction_balance_trace") or []
    if not isinstance(traces, list):
        raise TronApiError(f"{what}: transaction_balance_trace is not a list")
    movers: set[str] = set()
    for trace in traces:
        operations = trace.get("operation") if isinstance(trace, dict) else None
        if not isinstance(operations, list):
            raise TronApiError(f"{what}: a transaction trace has no operation list: {str(trace)[:160]}")
        for operation in operations:
            try:
                movers.add(addresses.canonical(str(operation["address"])))
            except (KeyError, TypeError, ValueError):
                raise TronApiError(f"{what}: malformed operation {str(operation)[:160]}") from None
    return movers


def _word_address(word: str) -> str:
    """An indexed `address` topic (32 bytes, the account in the last 20) as a base58 address."""
    data = bytes.fromhex(word.removeprefix("0x"))
    if len(data) != 32 or any(data[:12]):
        raise ValueError(f"topic {word} is not an address word")
    return addresses.from_evm_bytes(data[12:])


def parse_transaction_infos(reply: Any, block: BlockRef, what: str) -> list[tuple[str, Trc20Transfer]]:
    """The Transfer logs of a block's TransactionInfo list (documented: a JSON array, one TransactionInfo per
    transaction: id, blockNumber, blockTimeStamp, result ("FAILED" when it failed), log [{address, topics, data}];
    with `visible` the log address is base58). The list must hold one entry per transaction of `block` and name
    only that block, or it is not this block's and nothing is concluded from it. A failed transaction changes no
    balance (its logs are dropped with its state), so its logs, if any, are not read."""
    if isinstance(reply, dict) and not reply and block.transaction_count == 0:
        return []  # protobuf JSON of an empty list
    if isinstance(reply, dict) and "Error" in reply:
        raise TronApiError(f"{what}: {reply['Error']}")
    if not isinstance(reply, list):
        raise TronApiError(f"{what}: reply is not a list of TransactionInfo")
    if len(reply) != block.transaction_count:
        raise TronApiError(f"{what}: {len(reply)} TransactionInfo for {block.transaction_count} transactions")
    found: list[tuple[str, Trc20Transfer]] = []
    for info in reply:
        if not isinstance(info, dict) or _int_field(info, "blockNumber", what, 0) != block.number:
            raise TronApiError(f"{what}: an entry is not of block {block.number}: {str(info)[:160]}")
        if info.get("result") == "FAILED":
            continue
        logs = info.get("log") or []
        if not isinstance(logs, list):
            raise TronApiError(f"{what}: log is not a list in {info.get('id')}")
        for log in logs:
            topics = log.get("topics") if isinstance(log, dict) else None
            if not isinstance(topics, list) or not topics \
                    or str(topics[0]).lower().removeprefix("0x") != TRANSFER_TOPIC:
                continue
            try:
                if len(topics) != 3:
                    raise ValueError(f"{len(topics)} topics, expected Transfer(address indexed, address indexed, "
                                     "uint256)")
                emitter = str(log["address"])  # base58 with `visible`; else the EVM form, 20 bytes of hex
                contract = addresses.canonical("41" + emitter if len(emitter) == 40 else emitter)
                value = bytes.fromhex(str(log.get("data", "")))
                if len(value) != 32:
                    raise ValueError("data is not one uint256 word")
                transfer = Trc20Transfer(str(info.get("id", "")), block.timestamp, _word_address(str(topics[1])),
                                         _word_address(str(topics[2])), int.from_bytes(value, "big"))
            except (KeyError, TypeError, ValueError) as exc:
                raise TronApiError(f"{what}: unreadable Transfer log in {info.get('id')}: {exc}") from None
            found.append((contract, transfer))
    return found


def _check_echoed_data(reply: Mapping[str, Any], data: str, contract: str, what: str) -> None:
    """As `_check_echo`, for a call given whole as `data` (hex)."""
    try:
        value = reply["transaction"]["raw_data"]["contract"][0]["parameter"]["value"]
        echoed, echoed_contract = str(value["data"]).lower(), str(value["contract_address"])
    except (KeyError, IndexError, TypeError):
        raise TronApiError(f"{what}: reply does not echo the call (no transaction.raw_data.contract)") from None
    if echoed != data.lower():
        raise TronApiError(f"{what}: the reply echoes another call: another request's reply, not used")
    if echoed_contract not in (contract, addresses.decode(contract).hex()):
        raise TronApiError(f"{what}: the reply echoes contract {echoed_contract}, not {contract}")


def _check_echo(reply: Mapping[str, Any], word: str, contract: str, what: str) -> None:
    """The reply answers this call: the unsigned transaction it carries echoes the call data and the contract
    (documented TransactionExtention: transaction.raw_data.contract[0].parameter.value). A reply to another
    request (a caching proxy, a load balancer mixing connections) is refused, never read as this account's."""
    try:
        value = reply["transaction"]["raw_data"]["contract"][0]["parameter"]["value"]
        data, echoed_contract = str(value["data"]).lower(), str(value["contract_address"])
    except (KeyError, IndexError, TypeError):
        raise TronApiError(f"{what}: reply does not echo the call (no transaction.raw_data.contract)") from None
    if data != BALANCE_OF_SELECTOR + word.lower():
        raise TronApiError(f"{what}: the reply echoes another call (data {data[:8]}...{data[-40:]}): another "
                           "request's reply, not used")
    if echoed_contract not in (contract, addresses.decode(contract).hex()):
        raise TronApiError(f"{what}: the reply echoes contract {echoed_contract}, not {contract}")


def parse_transfer_page(reply: Any, address: str) -> tuple[list[Any], str | None]:
    what = f"TRC-20 history of {address}"
    if not isinstance(reply, dict):
        raise TronApiError(f"{what}: reply is not an object")
    if reply.get("success") is not True:
        raise TronApiError(f"{what}: {reply.get('error') or 'success is not true'}")
    data = reply.get("data")
    if not isinstance(data, list):
        raise TronApiError(f"{what}: reply has no data list")
    meta = reply.get("meta") or {}
    fingerprint = meta.get("fingerprint") if isinstance(meta, dict) else None
    return data, fingerprint if isinstance(fingerprint, str) and fingerprint else None


def parse_transfer(item: Any, contract: str) -> Trc20Transfer | None:
    """One listed event; None when it is not a Transfer of `contract` (e.g. an Approval)."""
    if not isinstance(item, dict):
        raise TronApiError(f"TRC-20 history: event is not an object: {str(item)[:120]}")
    if item.get("type") != "Transfer":
        return None
    try:
        token = (item.get("token_info") or {}).get("address")
        if token is not None and addresses.canonical(str(token)) != contract:
            return None
        return Trc20Transfer(
            transaction_id=str(item.get("transaction_id", "")),
            block_timestamp=_int_field(item, "block_timestamp", "TRC-20 event"),
            sender=addresses.canonical(str(item["from"])),
            receiver=addresses.canonical(str(item["to"])),
            value=int(str(item["value"])),  # a decimal string: uint256 does not fit JSON numbers
        )
    except (KeyError, ValueError) as exc:
        raise TronApiError(f"TRC-20 history: malformed event {str(item)[:160]} ({exc})") from None


def _readable(message: Any) -> str:
    """result.message is hex-encoded text unless the request was `visible`; show it as text either way."""
    text = str(message)
    try:
        return bytes.fromhex(text).decode("utf-8")
    except ValueError:
        return text
