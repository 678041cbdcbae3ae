"""A local stand-in for a Solana RPC node's JSON-RPC API (with transaction history), for tests and benchmarks.

No Solana validator installs here (agave-validator / solana-test-validator are not packaged for Debian or PyPI and
nothing downloads), so this server answers the documented requests of the methods the Solana adapter uses, with
the documented shapes and errors of https://solana.com/docs/rpc/http (getGenesisHash, getSlot, getBlock, getBlocks,
getFirstAvailableBlock, getMultipleAccounts, getTokenAccountsByOwner, getSignaturesForAddress, getTransaction,
getProgramAccounts with `dataSize`/`memcmp` filters, `dataSlice` and `withContext`, over real StakeStateV2 data):
RpcResponse `{"context": {"slot", "apiVersion"}, "value"}` wrappers, jsonParsed token accounts, signatures newest
first with `before`/`limit` paging (limit at most 1000), `minContextSlot` refused with -32016 when the node is
behind it, skipped slots (-32007), cleaned-up blocks (-32001) and unavailable ones (-32004) as Agave words them
(rpc_custom_error.rs), v0 transactions refused (-32015) without `maxSupportedTransactionVersion`, JSON-RPC batches.

Seeding (lamports and token base units; every operation is one transaction paying a 5,000-lamport fee)::

    ledger = SolanaLedger()
    ledger.fund(alice, 5 * 10**9)                     # from a faucet account
    usdt_account = ledger.create_token_account(alice, USDT_MINT)
    ledger.mint_tokens(usdt_account, 7_000_000)
    s = ledger.mine()                                 # seals the pending transactions into the next slot
    ledger.transfer(alice, bob, 10**9); ledger.mine(skip=2)   # two skipped slots, then a block
    ledger.lamports_at(alice, s); ledger.tokens_at(alice, USDT_MINT, s)

    async with running_server(ledger) as server: server.url
"""

from __future__ import annotations

import base64
import copy
import hashlib
import itertools
import json
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import base58
from aiohttp import web

from chains.solana.rpc import STAKE_PROGRAM, SYSTEM_PROGRAM, TOKEN_2022_PROGRAM, TOKEN_PROGRAM
from tests.nodes.stand_in import ServerThread as StandInThread

MAINNET_GENESIS = "5eykt4UsFv8P8NJdTREpY1vzqKqZKvdpKuc147dw2N9d"
FEE = 5000
TOKEN_ACCOUNT_RENT = 2_039_280
FAUCET = base58.b58encode(hashlib.sha256(b"faucet").digest()).decode()
MINT_AUTHORITY = base58.b58encode(hashlib.sha256(b"mint authority").digest()).decode()


def _key(label: str) -> str:
    return base58.b58encode(hashlib.sha256(label.encode()).digest()).decode()


@dataclass
class Tx:
    signature: str
    slot: int
    index: int
    keys: list[str]  # static keys then loaded (lookup-table) keys
    loaded: int  # how many of `keys` (at the end) came from a lookup table (a v0 transaction)
    pre: list[int]
    post: list[int]
    pre_tokens: list[dict[str, Any]]
    post_tokens: list[dict[str, Any]]
    failed: bool = False


@dataclass
class _State:
    lamports: dict[str, int] = field(default_factory=dict)
    programs: dict[str, str] = field(default_factory=dict)  # account -> owning program (System when absent)
    tokens: dict[str, list[Any]] = field(default_factory=dict)  # token account -> [mint, owner, program, amount]
    stakes: dict[str, tuple[str, str]] = field(default_factory=dict)  # stake account -> (staker, withdrawer)


class SolanaLedger:
    """Slots, each a block of transactions or skipped; state after every slot is kept for the tests' answers."""

    def __init__(self, *, genesis_hash: str = MAINNET_GENESIS, first_slot: int = 300_000_000) -> None:
        self.genesis_hash = genesis_hash
        self.working = _State()
        self.working.lamports[FAUCET] = 10**19
        self.working.lamports[MINT_AUTHORITY] = 10**12
        self.head = first_slot
        self.blocks: dict[int, str | None] = {first_slot: _key(f"block{first_slot}")}  # None: skipped
        self.states: dict[int, _State] = {first_slot: copy.deepcopy(self.working)}
        self.transactions: list[Tx] = []
        self.by_signature: dict[str, Tx] = {}
        self.by_account: dict[str, list[Tx]] = {}
        self.pending: list[Tx] = []
        self._ids = itertools.count(1)

    # ---- seeding ----------------------------------------------------------------------------------------

    def _tx(self, keys: list[str], change: Callable[[_State], None], *, fee_payer: str, loaded: int = 0,
            failed: bool = False) -> Tx:
        state = self.working
        tokens_before = {k: list(state.tokens[k]) for k in keys if k in state.tokens}
        pre = [state.lamports.get(k, 0) for k in keys]
        if state.lamports.get(fee_payer, 0) < FEE:
            raise ValueError(f"{fee_payer} cannot pay the fee")
        state.lamports[fee_payer] -= FEE
        if not failed:
            change(state)
        post = [state.lamports.get(k, 0) for k in keys]
        tx = Tx(base58.b58encode(hashlib.sha512(f"tx{next(self._ids)}".encode()).digest()).decode(), -1, -1,
                list(keys), loaded, pre, post, _token_balances(keys, tokens_before),
                _token_balances(keys, {k: state.tokens[k] for k in keys if k in state.tokens}), failed)
        self.pending.append(tx)
        return tx

    def fund(self, address: str, lamports: int) -> None:
        def change(state: _State) -> None:
            state.lamports[FAUCET] -= lamports
            state.lamports[address] = state.lamports.get(address, 0) + lamports

        self._tx([FAUCET, address, SYSTEM_PROGRAM], change, fee_payer=FAUCET)

    def transfer(self, sender: str, receiver: str, lamports: int, *, lookup: bool = False,
                 failed: bool = False) -> None:
        """A System transfer; with `lookup` the receiver comes from an address lookup table (a v0 transaction)."""
        def change(state: _State) -> None:
            if state.lamports.get(sender, 0) < lamports:
                raise ValueError(f"{sender} cannot send {lamports}")
            state.lamports[sender] -= lamports
            state.lamports[receiver] = state.lamports.get(receiver, 0) + lamports

        keys = [sender, SYSTEM_PROGRAM, receiver] if lookup else [sender, receiver, SYSTEM_PROGRAM]
        self._tx(keys, change, fee_payer=sender, loaded=1 if lookup else 0, failed=failed)

    def make_stake_account(self, address: str, lamports: int, *, withdrawer: str = FAUCET,
                           staker: str | None = None) -> None:
        """A stake account (Initialized) funded by the faucet, with these stake and withdraw authorities."""
        def change(state: _State) -> None:
            state.lamports[FAUCET] -= lamports
            state.lamports[address] = lamports
            state.programs[address] = STAKE_PROGRAM
            state.stakes[address] = (staker or withdrawer, withdrawer)

        self._tx([FAUCET, address, STAKE_PROGRAM], change, fee_payer=FAUCET)

    def set_stake_withdrawer(self, address: str, withdrawer: str) -> None:
        """Authorize(Withdrawer), signed by the current withdraw authority."""
        current = self.working.stakes[address][1]

        def change(state: _State) -> None:
            state.stakes[address] = (state.stakes[address][0], withdrawer)

        self._tx([current, address, STAKE_PROGRAM], change, fee_payer=current)

    def create_token_account(self, owner: str, mint: str, *, program: str = TOKEN_PROGRAM) -> str:
        account = _key(f"token account {owner} {mint} {next(self._ids)}")

        def change(state: _State) -> None:
            state.lamports[owner] -= TOKEN_ACCOUNT_RENT
            state.lamports[account] = TOKEN_ACCOUNT_RENT
            state.programs[account] = program
            state.tokens[account] = [mint, owner, program, 0]

        self._tx([owner, account, mint, program], change, fee_payer=owner)
        return account

    def close_token_account(self, account: str) -> None:
        """closeAccount by the owner (its default close authority): the rent goes back to the owner."""
        _, owner, program, _ = self.working.tokens[account]

        def change(state: _State) -> None:
            if state.tokens[account][3]:
                raise ValueError("Non-native account can only be closed if its balance is zero")
            state.lamports[owner] += state.lamports.pop(account)
            del state.tokens[account]
            del state.programs[account]

        self._tx([owner, account, program], change, fee_payer=owner)

    def set_token_owner(self, account: str, new_owner: str) -> None:
        """setAuthority(AccountOwner) signed by the current owner."""
        _, owner, program, _ = self.working.tokens[account]

        def change(state: _State) -> None:
            state.tokens[account][1] = new_owner

        self._tx([owner, account, program], change, fee_payer=owner)

    def mint_tokens(self, account: str, amount: int) -> None:
        def change(state: _State) -> None:
            state.tokens[account][3] += amount

        mint, _, program, _ = self.working.tokens[account]
        self._tx([MINT_AUTHORITY, account, mint, program], change, fee_payer=MINT_AUTHORITY)

    def token_transfer(self, source: str, destination: str, amount: int) -> None:
        """transferChecked signed (and paid) by the source account's owner."""
        mint, owner, program, _ = self.working.tokens[source]

        def change(state: _State) -> None:
            if state.tokens[source][3] < amount:
                raise ValueError(f"{source} holds less than {amount}")
            state.tokens[source][3] -= amount
            state.tokens[destination][3] += amount

        self._tx([owner, source, destination, mint, program], change, fee_payer=owner)

    def mine(self, skip: int = 0) -> int:
        """`skip` skipped slots, then a block holding the pending transactions; the new head slot."""
        for _ in range(skip):
            self.head += 1
            self.blocks[self.head] = None
            self.states[self.head] = self.states[self.head - 1]
        self.head += 1
        self.blocks[self.head] = _key(f"block{self.head}")
        for index, tx in enumerate(self.pending):
            tx.slot, tx.index = self.head, index
            self.transactions.append(tx)
            self.by_signature[tx.signature] = tx
            for key in dict.fromkeys(tx.keys):
                self.by_account.setdefault(key, []).append(tx)
        self.pending = []
        self.states[self.head] = copy.deepcopy(self.working)
        return self.head

    # ---- the ledger's own answers --------------------------------------------------------------------------

    def lamports_at(self, address: str, slot: int | None = None) -> int:
        return self.states[self.head if slot is None else slot].lamports.get(address, 0)

    def tokens_at(self, owner: str, mint: str, slot: int | None = None) -> int:
        state = self.states[self.head if slot is None else slot]
        return sum(t[3] for t in state.tokens.values() if t[0] == mint and t[1] == owner)

    @property
    def first_slot(self) -> int:
        return min(self.blocks)


STAKE_RENT_EXEMPT_RESERVE = 2_282_880


def _stake_data(staker: str, withdrawer: str) -> bytes:
    """StakeStateV2::Initialized(Meta): u32 tag 1, u64 rent_exempt_reserve, Authorized {staker, withdrawer},
    Lockup (zeros), padded to the 200 bytes of every stake account."""
    data = ((1).to_bytes(4, "little") + STAKE_RENT_EXEMPT_RESERVE.to_bytes(8, "little")
            + base58.b58decode(staker) + base58.b58decode(withdrawer))
    return data.ljust(200, b"\0")


def _token_balances(keys: list[str], tokens: dict[str, list[Any]]) -> list[dict[str, Any]]:
    entries = []
    for index, key in enumerate(keys):
        if key in tokens:
            mint, owner, program, amount = tokens[key]
            entries.append({"accountIndex": index, "mint": mint, "owner": owner, "programId": program,
                            "uiTokenAmount": _ui_amount(amount)})
    return entries


def _ui_amount(amount: int, decimals: int = 6) -> dict[str, Any]:
    text = f"{amount / 10**decimals:.{decimals}f}".rstrip("0").rstrip(".")
    return {"amount": str(amount), "decimals": decimals, "uiAmount": float(text), "uiAmountString": text}


class RpcError(Exception):
    def __init__(self, code: int, message: str, data: Any = None) -> None:
        super().__init__(message)
        self.code, self.message, self.data = code, message, data


@dataclass
class Faults:
    rate_limited: int = 0  # answer this many next HTTP requests with 429 + Retry-After
    retry_after: str = "1"
    server_errors: int = 0  # answer this many next HTTP requests with 503
    malformed: set[str] = field(default_factory=set)  # accounts/owners whose answers are garbage
    malformed_transactions: set[str] = field(default_factory=set)  # their transactions' balances are garbage
    foreign_owner: set[str] = field(default_factory=set)  # owners answered with another owner's token account
    first_available: int | None = None  # the ledger's first slot (a node whose older history is gone)
    blocks_kept: bool = False  # with first_available: blocks still served (e.g. from Bigtable), transactions not
    transactions_lost: bool = False  # getTransaction answers null (history gone, e.g. a Bigtable outage)
    # getProgramAccounts refused as many providers do: ("jsonrpc", code, message) or ("http", status, text)
    program_accounts_refused: tuple[str, int, str] | None = None


class SolanaServer:
    def __init__(self, ledger: SolanaLedger) -> None:
        self.ledger = ledger
        self.faults = Faults()
        self.http_requests = 0
        self.http_by_method: dict[str, int] = {}  # HTTP requests by the (first) method they carry
        self.calls: dict[str, int] = {}
        self.rate_limited_at: list[float] = []
        self.url = ""
        self._runner: web.AppRunner | None = None
        self._by_owner: dict[int, dict[str, list[str]]] = {}  # slot -> owner -> token accounts (sealed state)

    def _token_accounts_of(self, slot: int, owner: str) -> list[str]:
        index = self._by_owner.get(slot)
        if index is None:
            index = {}
            for pubkey, (_, account_owner, _, _) in sorted(self.ledger.states[slot].tokens.items()):
                index.setdefault(account_owner, []).append(pubkey)
            self._by_owner[slot] = index
        return index.get(owner, [])

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        app = web.Application()
        app.router.add_post("/", self.handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, host, port).start()
        bound = self._runner.addresses[0]
        self.url = f"http://{bound[0]}:{bound[1]}"
        return self.url

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def handle(self, request: web.Request) -> web.Response:
        self.http_requests += 1
        if self.faults.rate_limited > 0:
            self.faults.rate_limited -= 1
            self.rate_limited_at.append(time.monotonic())
            return web.Response(status=429, text="Too many requests", headers={"Retry-After": self.faults.retry_after})
        if self.faults.server_errors > 0:
            self.faults.server_errors -= 1
            return web.Response(status=503, text="Service Unavailable")
        try:
            body = json.loads(await request.read())
        except ValueError:
            error = {"code": -32700, "message": "Parse error"}
            return web.json_response({"jsonrpc": "2.0", "error": error, "id": None})
        first = body[0] if isinstance(body, list) and body else body
        name = str(first.get("method")) if isinstance(first, dict) else "?"
        self.http_by_method[name] = self.http_by_method.get(name, 0) + 1
        refused = self.faults.program_accounts_refused
        if refused and refused[0] == "http" and name == "getProgramAccounts":
            return web.Response(status=refused[1], text=refused[2])
        if isinstance(body, list):
            return web.json_response([self._one(item) for item in body])
        return web.json_response(self._one(body))

    def _one(self, request: Any) -> dict[str, Any]:
        if not isinstance(request, dict) or "method" not in request:
            return {"jsonrpc": "2.0", "error": {"code": -32600, "message": "Invalid request"}, "id": None}
        method, params, ident = request["method"], request.get("params") or [], request.get("id")
        self.calls[method] = self.calls.get(method, 0) + 1
        handler = getattr(self, f"rpc_{method}", None)
        if handler is None:
            return {"jsonrpc": "2.0", "error": {"code": -32601, "message": "Method not found"}, "id": ident}
        try:
            return {"jsonrpc": "2.0", "result": handler(*params), "id": ident}
        except RpcError as exc:
            error: dict[str, Any] = {"code": exc.code, "message": exc.message}
            if exc.data is not None:
                error["data"] = exc.data
            return {"jsonrpc": "2.0", "error": error, "id": ident}
        except (TypeError, ValueError, KeyError) as exc:
            return {"jsonrpc": "2.0", "error": {"code": -32602, "message": f"Invalid params: {exc}"}, "id": ident}

    # ---- helpers ------------------------------------------------------------------------------------------

    def _context(self, config: dict[str, Any] | None) -> int:
        wanted = (config or {}).get("minContextSlot")
        if wanted is not None and wanted > self.ledger.head:
            raise RpcError(-32016, "Minimum context slot has not been reached", {"contextSlot": self.ledger.head})
        return self.ledger.head

    def _wrap(self, slot: int, value: Any) -> dict[str, Any]:
        return {"context": {"apiVersion": "2.2.14", "slot": slot}, "value": value}

    @property
    def _first_available(self) -> int:
        return self.faults.first_available if self.faults.first_available is not None else self.ledger.first_slot

    # ---- methods ------------------------------------------------------------------------------------------

    def rpc_getGenesisHash(self) -> str:
        return self.ledger.genesis_hash

    def rpc_getSlot(self, config: dict[str, Any] | None = None) -> int:
        return self._context(config)

    def rpc_getFirstAvailableBlock(self) -> int:
        return self._first_available

    def rpc_getBlock(self, slot: int, config: dict[str, Any] | None = None) -> dict[str, Any]:
        config = config or {}
        if slot > self.ledger.head or slot not in self.ledger.blocks:
            raise RpcError(-32004, f"Block not available for slot {slot}")
        if slot < self._first_available and not self.faults.blocks_kept:
            raise RpcError(-32001, f"Block {slot} cleaned up, does not exist on node. First available block: "
                           f"{self._first_available}")
        blockhash = self.ledger.blocks[slot]
        if blockhash is None:
            raise RpcError(-32007, f"Slot {slot} was skipped, or missing due to ledger jump to recent snapshot")
        produced = [s for s in self.ledger.blocks if s < slot and self.ledger.blocks[s]]
        parent = max(produced) if produced else slot
        block: dict[str, Any] = {"blockHeight": slot - 1000, "blockTime": 1_700_000_000 + slot // 3,
                                 "blockhash": blockhash, "parentSlot": parent,
                                 "previousBlockhash": self.ledger.blocks[parent]}
        if config.get("transactionDetails", "full") == "signatures":
            block["signatures"] = [t.signature for t in self.ledger.transactions if t.slot == slot]
        elif config.get("transactionDetails", "full") != "none":
            raise RpcError(-32602, "this stand-in serves transactionDetails none/signatures only")
        return block

    def rpc_getBlocks(self, start: int, end: int | None = None, config: dict[str, Any] | None = None) -> list[int]:
        top = min(self.ledger.head, end if end is not None else self.ledger.head)
        if top - start > 500_000:
            raise RpcError(-32602, "Slot range too large; max 500000")
        return sorted(s for s, h in self.ledger.blocks.items() if h and start <= s <= top
                      and s >= self._first_available)

    def rpc_getMultipleAccounts(self, keys: list[str], config: dict[str, Any] | None = None) -> dict[str, Any]:
        if len(keys) > 100:
            raise RpcError(-32602, "Too many inputs provided; max 100")
        slot = self._context(config)
        state = self.ledger.states[slot]
        value = []
        for key in keys:
            base58.b58decode(key)  # an invalid key is refused as Invalid params
            lamports = state.lamports.get(key, 0)
            if key in self.faults.malformed:
                value.append({"lamports": "lots", "owner": None})
            elif lamports == 0 and key not in state.programs:
                value.append(None)
            else:
                program = state.programs.get(key, SYSTEM_PROGRAM)
                space = 165 if key in state.tokens else (200 if program == STAKE_PROGRAM else 0)
                value.append({"data": ["", "base64"], "executable": False, "lamports": lamports, "owner": program,
                              "rentEpoch": 18446744073709551615, "space": space})
        return self._wrap(slot, value)

    def rpc_getTokenAccountsByOwner(self, owner: str, selector: dict[str, str],
                                    config: dict[str, Any] | None = None) -> dict[str, Any]:
        config = config or {}
        slot = self._context(config)
        state = self.ledger.states[slot]
        if set(selector) not in ({"mint"}, {"programId"}):
            raise RpcError(-32602, "Invalid params: expected mint or programId")
        if "programId" in selector and selector["programId"] not in (TOKEN_PROGRAM, TOKEN_2022_PROGRAM):
            raise RpcError(-32602, "Invalid param: unrecognized Token program id")
        if config.get("encoding") != "jsonParsed":
            raise RpcError(-32602, "this stand-in serves jsonParsed only")
        value = []
        holder = owner
        if owner in self.faults.foreign_owner:  # a reply about someone else's accounts
            holder = next((t[1] for t in state.tokens.values() if t[1] != owner), owner)
        for pubkey in self._token_accounts_of(slot, holder):
            mint, account_owner, program, amount = state.tokens[pubkey]
            if account_owner != holder or selector.get("mint", mint) != mint or selector.get("programId",
                                                                                            program) != program:
                continue
            token_amount = _ui_amount(amount)
            if owner in self.faults.malformed:
                token_amount["amount"] = "12e3"
            info = {"isNative": False, "mint": mint, "owner": account_owner, "state": "initialized",
                    "tokenAmount": token_amount}
            value.append({"pubkey": pubkey, "account": {
                "data": {"parsed": {"info": info, "type": "account"},
                         "program": "spl-token" if program == TOKEN_PROGRAM else "spl-token-2022", "space": 165},
                "executable": False, "lamports": state.lamports.get(pubkey, 0), "owner": program,
                "rentEpoch": 18446744073709551615, "space": 165}})
        return self._wrap(slot, value)

    def rpc_getProgramAccounts(self, program: str, config: dict[str, Any] | None = None) -> Any:
        """solana.com/docs/rpc/http/getprogramaccounts: accounts owned by `program` whose data pass every filter
        (`dataSize`: the data's length; `memcmp`: base58 `bytes` (or `encoding` base64) equal to the data at
        `offset`), data encoded as asked and cut by `dataSlice`; `withContext` wraps the list in an RpcResponse."""
        config = config or {}
        refused = self.faults.program_accounts_refused
        if refused and refused[0] == "jsonrpc":
            raise RpcError(refused[1], refused[2])
        slot = self._context(config)
        state = self.ledger.states[slot]
        encoding = config.get("encoding", "binary")
        if encoding not in ("base64", "base58"):
            raise RpcError(-32602, "this stand-in serves base64/base58 only")
        filters = config.get("filters") or []
        if len(filters) > 4:
            raise RpcError(-32602, "Too many filters provided; max 4")
        window = config.get("dataSlice")
        value = []
        for pubkey in sorted(a for a, p in state.programs.items() if p == program):
            data = _stake_data(*state.stakes[pubkey]) if pubkey in state.stakes else b""
            if not all(_passes(data, f) for f in filters):
                continue
            if window is not None:
                data = data[window["offset"] : window["offset"] + window["length"]]
            encoded = base64.b64encode(data).decode() if encoding == "base64" else base58.b58encode(data).decode()
            value.append({"pubkey": pubkey, "account": {
                "data": [encoded, encoding], "executable": False, "lamports": state.lamports.get(pubkey, 0),
                "owner": program, "rentEpoch": 18446744073709551615, "space": 200 if pubkey in state.stakes else 0}})
        return self._wrap(slot, value) if config.get("withContext") else value

    def rpc_getSignaturesForAddress(self, address: str, config: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        config = config or {}
        self._context(config)
        limit = config.get("limit", 1000)
        if not 1 <= limit <= 1000:
            raise RpcError(-32602, "Invalid limit; max 1000")
        history = [t for t in reversed(self.ledger.by_account.get(address, [])) if t.slot >= self._first_available]
        if "before" in config:
            positions = [i for i, t in enumerate(history) if t.signature == config["before"]]
            history = history[positions[0] + 1 :] if positions else []
        if "until" in config:
            positions = [i for i, t in enumerate(history) if t.signature == config["until"]]
            history = history[: positions[0]] if positions else history
        return [{"blockTime": 1_700_000_000 + t.slot // 3, "confirmationStatus": "finalized",
                 "err": {"InstructionError": [0, {"Custom": 1}]} if t.failed else None, "memo": None,
                 "signature": t.signature, "slot": t.slot} for t in history[:limit]]

    def rpc_getTransaction(self, signature: str, config: dict[str, Any] | None = None) -> dict[str, Any] | None:
        config = config or {}
        tx = self.ledger.by_signature.get(signature)
        if tx is None or tx.slot < self._first_available or self.faults.transactions_lost:
            return None
        if tx.loaded and config.get("maxSupportedTransactionVersion") is None:
            raise RpcError(-32015, "Transaction version (0) is not supported by the requesting client. Please try "
                           "the request again with the following configuration parameter: "
                           "\"maxSupportedTransactionVersion\": 0")
        static = tx.keys[: len(tx.keys) - tx.loaded]
        message: dict[str, Any] = {
            "accountKeys": static,
            "header": {"numReadonlySignedAccounts": 0, "numReadonlyUnsignedAccounts": 1, "numRequiredSignatures": 1},
            "instructions": [{"accounts": list(range(1, len(tx.keys))), "data": "3Bxs4h24hBtQy9rw",
                              "programIdIndex": len(static) - 1, "stackHeight": None}],
            "recentBlockhash": self.ledger.blocks.get(tx.slot - 1) or _key("recent"),
        }
        if tx.loaded:
            message["addressTableLookups"] = [{"accountKey": _key("lookup table"), "readonlyIndexes": [],
                                               "writableIndexes": [0]}]
        pre, pre_tokens = tx.pre, tx.pre_tokens
        if any(k in self.faults.malformed | self.faults.malformed_transactions for k in tx.keys):
            pre = ["x"] * len(tx.keys)
            pre_tokens = [{**entry, "uiTokenAmount": {"amount": "-1"}} for entry in tx.pre_tokens]
        meta = {
            "computeUnitsConsumed": 150, "err": {"InstructionError": [0, {"Custom": 1}]} if tx.failed else None,
            "fee": FEE, "innerInstructions": [], "logMessages": [],
            "loadedAddresses": {"readonly": [], "writable": tx.keys[len(static):]},
            "postBalances": tx.post, "postTokenBalances": tx.post_tokens, "preBalances": pre,
            "preTokenBalances": pre_tokens, "rewards": [],
            "status": {"Err": {"InstructionError": [0, {"Custom": 1}]}} if tx.failed else {"Ok": None},
        }
        return {"blockTime": 1_700_000_000 + tx.slot // 3, "meta": meta, "slot": tx.slot,
                "transaction": {"message": message, "signatures": [tx.signature]},
                "version": 0 if tx.loaded else "legacy"}


def _passes(data: bytes, rule: dict[str, Any]) -> bool:
    if set(rule) == {"dataSize"}:
        return len(data) == rule["dataSize"]
    if set(rule) == {"memcmp"}:
        memcmp = rule["memcmp"]
        text = memcmp["bytes"]
        wanted = base64.b64decode(text) if memcmp.get("encoding") == "base64" else base58.b58decode(text)
        if len(wanted) > 128:
            raise RpcError(-32602, "Invalid param: memcmp bytes larger than 128")
        offset = int(memcmp["offset"])
        return data[offset : offset + len(wanted)] == wanted
    raise RpcError(-32602, f"Invalid param: unknown filter {sorted(rule)}")


@asynccontextmanager
async def running_server(ledger: SolanaLedger) -> AsyncIterator[SolanaServer]:
    server = SolanaServer(ledger)
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


class ServerThread(StandInThread[SolanaServer]):
    """The server on its own event loop in a daemon thread, for tests that run the CLI."""

    def __init__(self, ledger: SolanaLedger) -> None:
        super().__init__(SolanaServer(ledger))
