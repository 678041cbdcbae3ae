"""A local stand-in for toncenter's HTTP API v2 in front of an archival liteserver, for tests and benchmarks.

No TON node or liteserver installs here (the TON binaries are not packaged for Debian or PyPI and nothing
downloads), so this server answers the documented requests of https://toncenter.com/api/v2/ (OpenAPI) and
https://docs.ton.org/ecosystem/api/toncenter/v2/overview that the TON adapter uses, with their shapes:
`{"ok": true, "result": ...}` / `{"ok": false, "error", "code"}` (ton-http-api-cpp: the tonlib error code is the
HTTP status, 651 for LITE_SERVER_NOTREADY), `getMasterchainInfo` (`last`, `init` = the zero state),
`lookupBlock`, `getExtendedAddressInformation` and `runGetMethod` with `seqno` (state at that masterchain
block), tonlib's stack rendering (`["num", "0x.."]`, `["cell", {"bytes": <BOC>}]`) and exit code -13 for a
get-method on an account without code. Addresses and BOCs are built and read with pytoniq-core, an
implementation independent of chains/ton.

Jetton wallets: the real address is the hash of the jetton wallet contract's StateInit; here it is a stand-in
hash of (master, owner), which the adapter never computes itself: it asks the master, as it must on mainnet.

    ledger = TonLedger()
    ledger.credit(alice, 5 * 10**9); ledger.mint(USDT_MASTER, alice, 7_000_000)
    s = ledger.mine()                       # seals the working state as the next masterchain block
    ledger.transfer(alice, bob, 10**9); ledger.jetton_transfer(USDT_MASTER, alice, bob, 1); ledger.mine()
    ledger.balance(alice, s); ledger.jetton_balance(USDT_MASTER, alice, s)
"""

from __future__ import annotations

import base64
import copy
import hashlib
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from pytoniq_core import Address, Cell, begin_cell

from tests.nodes.stand_in import ServerThread as StandInThread

MAINNET_ZERO_ROOT = "F6OpKZKqvqeFp6CQmFomXNMfMj2EnaUSOXN+Mh+wVWk="
MAINNET_ZERO_FILE = "XplPz01CXAps5qeSWUtxcyBfdAo5zVb1N979KLSKD24="
SHARD = "-9223372036854775808"
ELECTOR = "-1:" + "33" * 32
NOT_READY = 651


def raw(address: str) -> str:
    return Address(address).to_str(is_user_friendly=False)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


@dataclass
class _State:
    balances: dict[str, int] = field(default_factory=dict)  # raw address -> nanotons (present: the account exists)
    jettons: dict[tuple[str, str], int] = field(default_factory=dict)  # (master, owner) -> base units


class TonLedger:
    def __init__(self, *, zero_root: str = MAINNET_ZERO_ROOT, first_seqno: int = 45_000_000) -> None:
        self.zero_root = zero_root
        self.working = _State({raw(ELECTOR): 10**15})
        self.head = first_seqno
        self.states: dict[int, _State] = {first_seqno: copy.deepcopy(self.working)}
        self.wallets: dict[str, tuple[str, str]] = {}  # jetton wallet (raw) -> (master, owner)
        self.masters: set[str] = set()  # jetton masters (raw)

    # ---- seeding ------------------------------------------------------------------------------------------

    def credit(self, address: str, nanotons: int) -> None:
        key = raw(address)
        self.working.balances[key] = self.working.balances.get(key, 0) + nanotons

    def transfer(self, sender: str, receiver: str, nanotons: int) -> None:
        if self.working.balances.get(raw(sender), 0) < nanotons:
            raise ValueError(f"{sender} cannot send {nanotons}")
        self.working.balances[raw(sender)] -= nanotons
        self.credit(receiver, nanotons)

    def mint(self, master: str, owner: str, amount: int) -> None:
        key = (raw(master), raw(owner))
        self.working.jettons[key] = self.working.jettons.get(key, 0) + amount
        wallet = self.wallet_of(master, owner)
        self.wallets[wallet] = key
        self.masters.add(key[0])
        self.working.balances.setdefault(wallet, 50_000_000)  # the deployed wallet's own TON

    def jetton_transfer(self, master: str, sender: str, receiver: str, amount: int) -> None:
        key = (raw(master), raw(sender))
        if self.working.jettons.get(key, 0) < amount:
            raise ValueError(f"{sender} holds less than {amount}")
        self.working.jettons[key] -= amount
        self.mint(master, receiver, amount)

    def mine(self) -> int:
        self.head += 1
        self.states[self.head] = copy.deepcopy(self.working)
        return self.head

    # ---- the ledger's own answers ---------------------------------------------------------------------------

    def balance(self, address: str, seqno: int | None = None) -> int:
        return self.states[self.head if seqno is None else seqno].balances.get(raw(address), 0)

    def jetton_balance(self, master: str, owner: str, seqno: int | None = None) -> int:
        return self.states[self.head if seqno is None else seqno].jettons.get((raw(master), raw(owner)), 0)

    @staticmethod
    def wallet_of(master: str, owner: str) -> str:
        return "0:" + hashlib.sha256(f"jetton wallet {raw(master)} {raw(owner)}".encode()).hexdigest()

    def block_id(self, seqno: int) -> dict[str, Any]:
        root = hashlib.sha256(f"root {seqno}".encode()).digest()
        file = hashlib.sha256(f"file {seqno}".encode()).digest()
        return {"@type": "ton.blockIdExt", "workchain": -1, "shard": SHARD, "seqno": seqno,
                "root_hash": _b64(root), "file_hash": _b64(file)}

    def wallet_owner(self, wallet: str, seqno: int) -> tuple[str, str] | None:
        owned = self.wallets.get(wallet)
        return owned if owned is not None and owned in self.states[seqno].jettons else None


@dataclass
class Faults:
    rate_limited: int = 0
    retry_after: str = "1"
    server_errors: int = 0  # answered with 502 (a load balancer's hiccup)
    archive_from: int | None = None  # states of older masterchain blocks are gone (a non-archival liteserver)
    blocks_from: int | None = None  # older blocks are gone too
    malformed: set[str] = field(default_factory=set)  # raw addresses (owners or wallets) answered with garbage
    foreign: set[str] = field(default_factory=set)  # raw addresses answered about another account
    refused_methods: set[str] = field(default_factory=set)  # answered 401 (an API key without access to them)


class TonServer:
    def __init__(self, ledger: TonLedger) -> None:
        self.ledger = ledger
        self.faults = Faults()
        self.requests: dict[str, int] = {}
        self.rate_limited_at: list[float] = []
        self.url = ""
        self._runner: web.AppRunner | None = None

    @property
    def http_requests(self) -> int:
        return sum(self.requests.values())

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        app = web.Application(middlewares=[self._middleware])
        app.router.add_get("/api/v2/getMasterchainInfo", self.get_masterchain_info)
        app.router.add_get("/api/v2/lookupBlock", self.lookup_block)
        app.router.add_get("/api/v2/getExtendedAddressInformation", self.get_extended_address_information)
        app.router.add_post("/api/v2/runGetMethod", self.run_get_method)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, host, port).start()
        bound = self._runner.addresses[0]
        self.url = f"http://{bound[0]}:{bound[1]}/api/v2"
        return self.url

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    @web.middleware
    async def _middleware(self, request: web.Request, handler: Any) -> web.StreamResponse:
        name = request.path.rsplit("/", 1)[-1]
        self.requests[name] = self.requests.get(name, 0) + 1
        if self.faults.rate_limited > 0:
            self.faults.rate_limited -= 1
            self.rate_limited_at.append(time.monotonic())
            return web.json_response({"ok": False, "error": "Ratelimit exceed", "code": 429}, status=429,
                                     headers={"Retry-After": self.faults.retry_after})
        if self.faults.server_errors > 0:
            self.faults.server_errors -= 1
            return web.Response(status=502, text="<html>502 Bad Gateway</html>")
        if name in self.faults.refused_methods:
            return self._error("API key does not exist", 401)
        return await handler(request)

    @staticmethod
    def _ok(result: Any) -> web.Response:
        return web.json_response({"ok": True, "result": result})

    @staticmethod
    def _error(message: str, code: int) -> web.Response:
        return web.json_response({"ok": False, "error": message, "code": code, "@extra": "1700000000.1:0:0.5"},
                                 status=code)

    def _seqno(self, value: Any) -> tuple[int | None, web.Response | None]:
        """The masterchain block a state read asks for (the newest when absent), or the error answering it."""
        if value is None:
            return self.ledger.head, None
        try:
            seqno = int(value)
        except (TypeError, ValueError):
            return None, self._error("Validation error: seqno is not an integer", 422)
        if seqno > self.ledger.head:
            return None, self._error(f"LITE_SERVER_NOTREADY: block ({seqno}) is not ready", NOT_READY)
        if seqno not in self.ledger.states or (self.faults.archive_from or 0) > seqno:
            return None, self._error(f"LITE_SERVER_NOTREADY: state of masterchain block {seqno} already gc'd",
                                     NOT_READY)
        return seqno, None

    # ---- endpoints ----------------------------------------------------------------------------------------

    async def get_masterchain_info(self, request: web.Request) -> web.Response:
        zero = {"@type": "ton.blockIdExt", "workchain": -1, "shard": SHARD, "seqno": 0,
                "root_hash": self.ledger.zero_root, "file_hash": MAINNET_ZERO_FILE}
        return self._ok({"@type": "blocks.masterchainInfo", "last": self.ledger.block_id(self.ledger.head),
                         "state_root_hash": _b64(hashlib.sha256(b"state").digest()), "init": zero,
                         "@extra": "1700000000.1:0:0.5"})

    async def lookup_block(self, request: web.Request) -> web.Response:
        query = request.query
        try:
            workchain, shard, seqno = int(query["workchain"]), int(query["shard"]), int(query["seqno"])
        except (KeyError, ValueError):
            return self._error("Validation error: workchain, shard and seqno are required integers", 422)
        if workchain != -1 or str(shard) != SHARD:
            return self._error("LITE_SERVER_UNKNOWN: this stand-in has the masterchain only", 500)
        if seqno > self.ledger.head or seqno not in self.ledger.states or (self.faults.blocks_from or 0) > seqno:
            return self._error(f"LITE_SERVER_NOTREADY: block (-1,8000000000000000,{seqno}) not in db", NOT_READY)
        return self._ok(self.ledger.block_id(seqno))

    async def get_extended_address_information(self, request: web.Request) -> web.Response:
        try:
            account = raw(request.query["address"])
        except Exception:  # pytoniq raises its own error types for bad addresses
            return self._error("Incorrect address", 416)
        seqno, error = self._seqno(request.query.get("seqno"))
        if error is not None:
            return error
        assert seqno is not None
        state = self.ledger.states[seqno]
        named = account
        if account in self.faults.foreign:
            named = next(a for a in state.balances if a != account)
        balance: Any = state.balances.get(account)
        if account in self.faults.malformed:
            balance = "lots"
        if balance is None:
            balance, account_state = "-1", {"@type": "uninited.accountState", "frozen_hash": ""}
        elif self.ledger.wallet_owner(account, seqno):
            account_state = {"@type": "raw.accountState", "code": _b64(b"jetton wallet code"), "data": "",
                             "frozen_hash": ""}
        else:
            account_state = {"@type": "wallet.v4.accountState", "wallet_id": "698983191", "seqno": 1}
        friendly = Address(named).to_str(is_user_friendly=True, is_bounceable=True, is_url_safe=True)
        return self._ok({
            "@type": "fullAccountState", "address": {"@type": "accountAddress", "account_address": friendly},
            "balance": str(balance), "extra_currencies": [],
            "last_transaction_id": {"@type": "internal.transactionId", "lt": str(seqno * 1000),
                                    "hash": _b64(hashlib.sha256(f"{account}{seqno}".encode()).digest())},
            "block_id": self.ledger.block_id(seqno), "sync_utime": 1_700_000_000 + seqno,
            "account_state": account_state, "revision": 0, "@extra": "1700000000.1:0:0.5",
        })

    async def run_get_method(self, request: web.Request) -> web.Response:
        try:
            body = await request.json()
            account = raw(body["address"])
            method, stack = body["method"], body["stack"]
        except Exception:
            return self._error("Validation error: address, method and stack are required", 422)
        seqno, error = self._seqno(body.get("seqno"))
        if error is not None:
            return error
        assert seqno is not None
        state = self.ledger.states[seqno]
        result: dict[str, Any] = {"@type": "smc.runResult", "gas_used": 0, "stack": [], "exit_code": 0,
                                  "block_id": self.ledger.block_id(seqno),
                                  "last_transaction_id": {"@type": "internal.transactionId", "lt": "0", "hash": ""},
                                  "@extra": "1700000000.1:0:0.5"}
        if method == "get_wallet_address" and account in self.ledger.masters:
            try:
                kind, value = stack[0]
                owner = Cell.one_from_boc(base64.b64decode(value)).begin_parse().load_address()
                assert kind == "tvm.Slice"
            except Exception:
                result["exit_code"] = 7  # type check error: the argument is not a slice holding an address
                return self._ok(result)
            wallet = self.ledger.wallet_of(account, owner.to_str(is_user_friendly=False))
            result.update(gas_used=4567, stack=[_cell_entry(wallet)])
            return self._ok(result)
        owned = self.ledger.wallet_owner(account, seqno)
        if method == "get_wallet_data" and owned is not None and account in state.balances:
            master, owner = owned
            if account in self.faults.foreign:
                owner = next(o for m, o in state.jettons if o != owner)
            amount = state.jettons[owned]
            number = "0xZZ" if account in self.faults.malformed or owner in self.faults.malformed else hex(amount)
            result.update(gas_used=2345, stack=[["num", number], _cell_entry(owner), _cell_entry(master),
                                                ["cell", {"bytes": _b64(b"\xb5\xee\x9c\x72code")}]])
            return self._ok(result)
        if account not in state.balances:
            result["exit_code"] = -13  # no code: tonlib cannot run anything
            return self._ok(result)
        result["exit_code"] = 11  # the contract has no such get-method
        return self._ok(result)


def _cell_entry(address: str) -> list[Any]:
    cell = begin_cell().store_address(Address(address)).end_cell()
    return ["cell", {"bytes": _b64(cell.to_boc()), "object": {"data": {"b64": "", "len": 267}, "refs": []}}]


@asynccontextmanager
async def running_server(ledger: TonLedger) -> AsyncIterator[TonServer]:
    server = TonServer(ledger)
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


class ServerThread(StandInThread[TonServer]):
    """The server on its own event loop in a daemon thread, for tests that run the CLI."""

    def __init__(self, ledger: TonLedger) -> None:
        super().__init__(TonServer(ledger))
