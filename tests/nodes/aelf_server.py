"""A local stand-in for an aelf node's web API (the calls the aelf adapter uses), for tests.

No aelf node runs here (a .NET node with its own chain data), so this server answers the documented requests
with the documented shapes: docs.aelf.com Tools > Web API > Chain API, the DTOs of AElf
`src/AElf.WebApp.Application.Chain/Dto` (ChainStatusDto, BlockDto, TransactionResultDto, LogEventDto), the
error envelope `{"Error": {"Code": "20001", "Message": "Not found", ...}}` with HTTP 403 (what the public node
answers; codes from Error.cs), and protobuf messages from AElf `protobuf/token_contract.proto`.

* `GET /api/blockChain/chainStatus`, `GET /api/blockChain/blockByHeight` (20001 above the best chain),
  `GET /api/blockChain/transactionResults?blockHash=&offset=&limit=` (limit 0..100, else 20007),
* `POST /api/blockChain/executeTransaction {"RawTransaction": hex}`: the signed Transaction is decoded, its
  signature checked against From (20013), To must be the MultiToken contract (20010), the method GetBalance
  (20011); the answer is GetBalanceOutput at the best chain head, as a JSON string of hex.
* Every block holds a consensus transaction; token operations log Transferred / Issued / Burned /
  CrossChainTransferred / TransactionFeeCharged from the token contract, and a decoy contract logs its own
  "Transferred" (which must be ignored).

Faults: `no_results` (the node keeps blocks but no transaction results), `malformed` accounts (GetBalance
answers bytes that are not a GetBalanceOutput), `foreign` accounts (the answer names another owner),
`on_execute` (called before answering a GetBalance: a test mines blocks there, mid-read), `stale_branch` heights
(blockByHeight answers a block of a branch the node left), plus 429/5xx.
"""

from __future__ import annotations

import base64
import hashlib
import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from coincurve import PublicKey

from chains.aelf import addresses
from chains.aelf.messages import BalanceOutput, address_message, address_of, parse_transaction
from chains.aelf.protobuf import ProtobufError, decode, field_bytes, field_message, field_varint
from tests.nodes.stand_in import StandInServer

TOKEN_CONTRACT = "JRmBduh4nXWi1aXgdUsj5gJrzeZb2LxmrAbf7W99faZSvoAaE"
DECOY_CONTRACT = addresses.encode(hashlib.sha256(b"decoy contract").digest())
CONSENSUS_CONTRACT = addresses.encode(hashlib.sha256(b"consensus contract").digest())
ISSUER = addresses.encode(hashlib.sha256(b"issuer").digest())
FEE = 3_000_000  # 0.03 ELF per token operation, charged to its sender


def _addr(account: bytes) -> bytes:
    return address_message(account)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _log(name: str, indexed: list[bytes], non_indexed: bytes, contract: str = TOKEN_CONTRACT) -> dict[str, Any]:
    return {"Address": contract, "Name": name, "Indexed": [_b64(i) for i in indexed], "NonIndexed": _b64(non_indexed)}


@dataclass
class Tx:
    tx_id: str
    sender: str
    method: str
    logs: list[dict[str, Any]]
    to: str = TOKEN_CONTRACT


@dataclass
class Block:
    height: int
    block_hash: str
    txs: list[Tx]


class AelfLedger:
    """Blocks of token operations; `balance(account, symbol, height)` replays them up to `height`."""

    def __init__(self, lib_lag: int = 0) -> None:
        genesis = hashlib.sha256(b"aelf genesis").hexdigest()
        self.blocks: list[Block] = [Block(1, genesis, [])]  # aelf heights start at 1
        self.lib_lag = lib_lag
        self.pending: list[tuple[Tx, list[tuple[bytes | None, bytes | None, str, int]]]] = []
        self._ids = itertools.count(1)
        self._history: dict[tuple[bytes, str], list[tuple[int, int]]] = {}
        self._current: dict[tuple[bytes, str], int] = {}

    @property
    def head(self) -> int:
        return self.blocks[-1].height

    def _tx(self, sender: str, method: str, logs: list[dict[str, Any]]) -> Tx:
        return Tx(hashlib.sha256(f"tx {next(self._ids)}".encode()).hexdigest(), sender, method, logs)

    @staticmethod
    def _fee(sender: bytes) -> dict[str, Any]:
        body = field_bytes(1, b"ELF") + field_varint(2, FEE) + field_message(3, _addr(sender))
        return _log("TransactionFeeCharged", [], body)

    def issue(self, to: str, amount: int, symbol: str = "ELF") -> None:
        account = addresses.decode(to)
        body = (field_bytes(1, symbol.encode()) + field_varint(2, amount) + field_bytes(3, b"issue")
                + field_message(4, _addr(account)))
        self.pending.append((self._tx(ISSUER, "Issue", [_log("Issued", [], body)]),
                             [(None, account, symbol, amount)]))

    def transfer(self, sender: str, receiver: str, amount: int, symbol: str = "ELF", *, fee: bool = True) -> None:
        source, target = addresses.decode(sender), addresses.decode(receiver)
        indexed = [field_message(1, _addr(source)), field_message(2, _addr(target)), field_bytes(3, symbol.encode())]
        logs = [_log("Transferred", indexed, field_varint(4, amount) + field_bytes(5, b"memo"))]
        moves: list[tuple[bytes | None, bytes | None, str, int]] = [(source, target, symbol, amount)]
        if fee:
            logs.insert(0, self._fee(source))
            moves.insert(0, (source, None, "ELF", FEE))
        self.pending.append((self._tx(sender, "Transfer", logs), moves))

    def burn(self, sender: str, amount: int, symbol: str = "ELF") -> None:
        source = addresses.decode(sender)
        indexed = [field_message(1, _addr(source)), field_bytes(2, symbol.encode())]
        self.pending.append((self._tx(sender, "Burn", [_log("Burned", indexed, field_varint(3, amount))]),
                             [(source, None, symbol, amount)]))

    def cross_chain_out(self, sender: str, amount: int, symbol: str = "ELF") -> None:
        source = addresses.decode(sender)
        body = (field_message(1, _addr(source)) + field_message(2, _addr(source)) + field_bytes(3, symbol.encode())
                + field_varint(4, amount) + field_varint(6, 1866392))
        self.pending.append((self._tx(sender, "CrossChainTransfer", [_log("CrossChainTransferred", [], body)]),
                             [(source, None, symbol, amount)]))

    def decoy(self, receiver: str, amount: int) -> None:
        """Another contract's event named Transferred, crediting an audited account: no balance moves."""
        target = addresses.decode(receiver)
        indexed = [field_message(1, _addr(target)), field_message(2, _addr(target)), field_bytes(3, b"ELF")]
        log = _log("Transferred", indexed, field_varint(4, amount), contract=DECOY_CONTRACT)
        self.pending.append((self._tx(receiver, "Play", [log]), []))

    def mine(self, count: int = 1) -> int:
        for _ in range(count):
            height = self.head + 1
            txs = [self._tx(CONSENSUS_CONTRACT, "UpdateValue", [])]
            for tx, moves in self.pending:
                for source, target, symbol, amount in moves:
                    if source is not None:
                        if self._current.get((source, symbol), 0) < amount:
                            raise ValueError(f"{addresses.encode(source)} cannot send {amount} {symbol}")
                        self._move(source, symbol, -amount, height)
                    if target is not None:
                        self._move(target, symbol, amount, height)
                txs.append(tx)
            self.pending = []
            parent = bytes.fromhex(self.blocks[-1].block_hash)
            block_hash = hashlib.sha256(parent + height.to_bytes(8, "big")).hexdigest()
            self.blocks.append(Block(height, block_hash, txs))
        return self.head

    def _move(self, account: bytes, symbol: str, delta: int, height: int) -> None:
        key = (account, symbol)
        self._current[key] = self._current.get(key, 0) + delta
        self._history.setdefault(key, []).append((height, self._current[key]))

    def balance(self, address: str, symbol: str = "ELF", height: int | None = None) -> int:
        top = self.head if height is None else height
        value = 0
        for at, running in self._history.get((addresses.decode(address), symbol), []):
            if at > top:
                break
            value = running
        return value

    def block(self, height: int) -> Block | None:
        index = height - 1
        return self.blocks[index] if 0 <= index < len(self.blocks) else None


@dataclass
class AelfFaults:
    no_results: bool = False
    malformed: set[str] = field(default_factory=set)
    foreign: set[str] = field(default_factory=set)
    on_execute: Callable[[str, str], None] | None = None  # (address, symbol)
    # heights whose blockByHeight answers a block of a branch the node has since left (another hash, no
    # transactions), as a node switching branches between two of the client's requests does
    stale_branch: set[int] = field(default_factory=set)
    stale_branch_once: set[int] = field(default_factory=set)  # the same, for the first request of each height only
    # heights whose transaction results carry no BlockHash (which branch's results they are cannot be told)
    results_without_hash: set[int] = field(default_factory=set)


def _error(code: str, message: str, status: int = 403) -> web.Response:
    return web.json_response({"Error": {"Code": code, "Message": message, "Details": None, "Data": {},
                                        "ValidationErrors": None}}, status=status)


class AelfServer(StandInServer):
    def __init__(self, ledger: AelfLedger) -> None:
        super().__init__()
        self.ledger = ledger
        self.faults = AelfFaults()
        self._by_hash: dict[str, Block] = {}
        self._left: dict[str, Block] = {}  # blocks of branches the node left (faults.stale_branch)

    def routes(self, app: web.Application) -> None:
        app.router.add_get("/api/blockChain/chainStatus", self.chain_status)
        app.router.add_get("/api/blockChain/blockByHeight", self.block_by_height)
        app.router.add_get("/api/blockChain/transactionResults", self.transaction_results)
        app.router.add_post("/api/blockChain/executeTransaction", self.execute_transaction)

    async def chain_status(self, request: web.Request) -> web.Response:
        self.requests["chainStatus"] += 1
        best = self.ledger.blocks[-1]
        lib = self.ledger.block(max(1, best.height - self.ledger.lib_lag))
        assert lib is not None
        return web.json_response({
            "ChainId": "AELF", "Branches": {best.block_hash: best.height}, "NotLinkedBlocks": {},
            "LongestChainHeight": best.height, "LongestChainHash": best.block_hash,
            "GenesisBlockHash": self.ledger.blocks[0].block_hash,
            "GenesisContractAddress": "pykr77ft9UUKJZLVq15wCH8PinBSjVRQ12sD1Ayq92mKFsJ1i",
            "LastIrreversibleBlockHash": lib.block_hash, "LastIrreversibleBlockHeight": lib.height,
            "BestChainHash": best.block_hash, "BestChainHeight": best.height,
        })

    def _block_json(self, block: Block, with_txs: bool) -> dict[str, Any]:
        previous = self.ledger.block(block.height - 1)
        body: dict[str, Any] = {"TransactionsCount": len(block.txs)}
        if with_txs:
            body["Transactions"] = [tx.tx_id for tx in block.txs]
        return {"BlockHash": block.block_hash, "Header": {
            "PreviousBlockHash": previous.block_hash if previous else "0" * 64,
            "MerkleTreeRootOfTransactions": hashlib.sha256(block.block_hash.encode()).hexdigest(),
            "MerkleTreeRootOfWorldState": hashlib.sha256(b"state" + block.block_hash.encode()).hexdigest(),
            "MerkleTreeRootOfTransactionState": hashlib.sha256(b"txstate" + block.block_hash.encode()).hexdigest(),
            "Extra": "", "Height": block.height, "Time": "2026-12-01T00:00:00Z", "ChainId": "AELF",
            "Bloom": "", "SignerPubkey": "04" + "ab" * 64}, "Body": body, "BlockSize": 1024}

    async def block_by_height(self, request: web.Request) -> web.Response:
        self.requests["blockByHeight"] += 1
        try:
            height = int(request.query.get("blockHeight", ""))
        except ValueError:
            return web.json_response({"Error": {"Code": None, "Message": "Your request is not valid!",
                                                "ValidationErrors": [{"Members": ["blockHeight"]}]}}, status=400)
        block = self.ledger.block(height)
        if block is None:
            return _error("20001", "Not found")
        once = height in self.faults.stale_branch_once
        self.faults.stale_branch_once.discard(height)
        if once or height in self.faults.stale_branch:  # the node keeps the results of the branch it left
            block = Block(height, hashlib.sha256(b"left branch" + block.block_hash.encode()).hexdigest(), [])
            self._left[block.block_hash] = block
        return web.json_response(self._block_json(block, request.query.get("includeTransactions") == "true"))

    async def transaction_results(self, request: web.Request) -> web.Response:
        self.requests["transactionResults"] += 1
        block_hash = request.query.get("blockHash", "")
        try:
            offset = int(request.query.get("offset", "0"))
            limit = int(request.query.get("limit", "10"))
        except ValueError:
            return web.json_response({"Error": {"Code": None, "Message": "Your request is not valid!"}}, status=400)
        if offset < 0:
            return _error("20006", "Offset must greater than or equal to 0")
        if not 0 <= limit <= 100:
            return _error("20007", "Limit must between 0 and 100")
        if len(block_hash) != 64:
            return _error("20003", "Invalid block hash format")
        if not self._by_hash or len(self._by_hash) < len(self.ledger.blocks):
            self._by_hash = {b.block_hash: b for b in self.ledger.blocks}
        block = self._by_hash.get(block_hash) or self._left.get(block_hash)
        if block is None:
            return _error("20001", "Not found")
        if self.faults.no_results:
            return web.json_response([])
        results = [self._result_json(block, tx) for tx in block.txs[offset : offset + limit]]
        if block.height in self.faults.results_without_hash:
            for result in results:
                del result["BlockHash"]
        return web.json_response(results)

    @staticmethod
    def _result_json(block: Block, tx: Tx) -> dict[str, Any]:
        return {"TransactionId": tx.tx_id, "Status": "MINED", "Logs": tx.logs, "Bloom": "",
                "BlockNumber": block.height, "BlockHash": block.block_hash,
                "Transaction": {"From": tx.sender, "To": tx.to, "RefBlockNumber": max(1, block.height - 1),
                                "RefBlockPrefix": "AAAAAA==", "MethodName": tx.method, "Params": "{}",
                                "Signature": ""},
                "ReturnValue": "", "Error": None, "TransactionSize": 200}

    async def execute_transaction(self, request: web.Request) -> web.Response:
        self.requests["executeTransaction"] += 1
        try:
            body = await request.json()
            raw = bytes.fromhex(body["RawTransaction"])
            fields_, digest = parse_transaction(raw)
            sender = address_of(fields_[1])  # type: ignore[arg-type]
            contract = address_of(fields_[2])  # type: ignore[arg-type]
            signature = fields_[10000]
            assert isinstance(signature, bytes)
        except (ValueError, KeyError, TypeError, ProtobufError):
            return _error("20008", "Invalid transaction information")
        try:
            key = PublicKey.from_signature_and_message(signature, digest, hasher=None)
        except ValueError:
            return _error("20013", "Invalid signature")
        if addresses.account_of(key) != sender:
            return _error("20013", "Invalid signature")
        if addresses.encode(contract) != TOKEN_CONTRACT:
            return _error("20010", "Invalid contract address")
        if fields_.get(5) != b"GetBalance":
            return _error("20011", "No match method in contract address")
        try:
            params = decode(fields_.get(6, b""), {1: "bytes", 2: "bytes"})  # type: ignore[arg-type]
            symbol = params[1].decode()  # type: ignore[union-attr]
            owner = address_of(params[2])  # type: ignore[arg-type]
        except (KeyError, ProtobufError, UnicodeDecodeError):
            return _error("20012", "Invalid params")
        address = addresses.encode(owner)
        if self.faults.on_execute is not None:
            self.faults.on_execute(address, symbol)
        if address in self.faults.malformed:
            return web.json_response("0a03454c4612")  # a GetBalanceOutput cut short
        answered = owner
        if address in self.faults.foreign:
            answered = hashlib.sha256(b"someone else").digest()
        balance = self.ledger.balance(address, symbol)
        return web.json_response(encode_output(BalanceOutput(symbol, answered, balance)).hex())


def encode_output(output: BalanceOutput) -> bytes:
    return (field_bytes(1, output.symbol.encode()) + field_message(2, _addr(output.owner))
            + field_varint(3, output.balance))
