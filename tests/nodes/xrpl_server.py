"""A local stand-in for a rippled (or Clio) JSON-RPC server, for tests: no XRP Ledger server installs here.

It answers the documented requests of the methods the XRPL adapter uses, with the documented shapes
(xrpl.org/docs/references/http-websocket-apis):

* `server_info` (.../server-info-methods/server_info): `info.complete_ledgers` ("32570-90000000"),
  `info.validated_ledger.seq/hash`, `info.network_id`, `info.closed_ledger` while the newest is not validated;
* `ledger` (.../ledger-methods/ledger): `ledger.ledger_hash`, `ledger.ledger_index` (a string, API v1),
  `ledger.closed`, `validated`; `lgrNotFound` (error_code 21, "ledgerNotFound") for a ledger it does not have;
* `account_info` (.../account-methods/account_info): `account_data` (an AccountRoot: `Account`, `Balance` as a
  string of drops, `Flags`, `OwnerCount`...), `ledger_index`, `ledger_hash`, `validated`; `actNotFound`
  (error_code 19, "Account not found.") for an account that does not exist at that ledger, `actMalformed`;
* `account_lines` (.../account-methods/account_lines): `account`, `lines[]` (`account` = the peer, `balance` as a
  decimal string, `currency`, `limit`, `limit_peer`, `no_ripple`, `freeze_peer`...), `peer` filter, `limit`
  (10..400) and `marker` paging;
* `ledger_entry` (.../ledger-methods/ledger_entry) by `index`: the FeeSettings entry
  (.../ledger-entry-types/feesettings: `ReserveBaseDrops`/`ReserveIncrementDrops` as drops strings, or the legacy
  format before the XRPFees amendment, `ReserveBase`/`ReserveIncrement` as numbers), `entryNotFound` otherwise.

Errors come back, as rippled sends them, with HTTP 200 and `result.status = "error"`, `error`, `error_code`,
`error_message` and the `request` echoed (.../api-conventions/error-formatting), plus, as rippled's handlers
do, the ledger it looked in (`ledger_index`, `validated`). rippled's own rate limit is HTTP 503 with the text
body "Server is overloaded" (.../api-conventions/rate-limiting); the 429 + Retry-After fault is a rate-limiting
proxy in front of it (hosted endpoints); `tooBusy` (HTTP 200) is the universal busy error. Shapes were checked
against the documented example responses (tests/chains/xrpl/test_api.py parses those verbatim).

Seeding (drops for XRP, Decimal for issued currencies)::

    chain = XrplChain()
    chain.fund(alice, 50_000_000)
    chain.set_line(alice, issuer, "USD", Decimal("12.5"))
    h = chain.close()                         # seals the pending state into the next ledger; its index
    chain.pay(alice, bob, 1_000_000); chain.close()
    chain.balance(alice, h)                   # the ledger's own answer at h

    with XrplServerThread(chain) as server: server.url
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

from aiohttp import web

from chains.xrpl import addresses
from chains.xrpl.api import FEE_SETTINGS_INDEX, LSF_DISABLE_MASTER
from tests.nodes.stand_in import ServerThread

FIRST_LEDGER = 90_000_000
MAINNET_NETWORK_ID = 0


@dataclass(frozen=True)
class AccountState:
    balance: int  # drops
    owner_count: int = 0
    flags: int = 0


@dataclass
class Ledger:
    index: int
    ledger_hash: str
    accounts: dict[str, AccountState]
    lines: dict[tuple[str, str, str], tuple[Decimal, bool]]  # (holder, issuer, currency) -> (balance, frozen)
    _by_holder: dict[str, list[tuple[str, str, str]]] | None = None

    def lines_of(self, holder: str) -> list[tuple[str, str, str]]:
        """The keys of `holder`'s trust lines, sorted (indexed once: a sealed ledger never changes)."""
        if self._by_holder is None:
            self._by_holder = {}
            for key in sorted(self.lines):
                self._by_holder.setdefault(key[0], []).append(key)
        return self._by_holder.get(holder, [])


class XrplChain:
    """Validated ledgers, each a full copy of the account and trust-line state."""

    def __init__(self, *, first: int = FIRST_LEDGER, reserve_base: int = 1_000_000, reserve_increment: int = 200_000,
                 validated_lag: int = 0) -> None:
        genesis = hashlib.sha512(b"xrpl-test" + first.to_bytes(8, "big")).hexdigest()[:64].upper()
        self.ledgers: list[Ledger] = [Ledger(first, genesis, {}, {})]
        self.accounts: dict[str, AccountState] = {}
        self.lines: dict[tuple[str, str, str], tuple[Decimal, bool]] = {}
        self.reserve_base = reserve_base
        self.reserve_increment = reserve_increment
        self.validated_lag = validated_lag

    # seeding (the open ledger; `close` seals it)
    def fund(self, account: str, drops: int) -> None:
        old = self.accounts.get(account, AccountState(0))
        self.accounts[account] = replace(old, balance=old.balance + drops)

    def pay(self, sender: str, receiver: str, drops: int) -> None:
        if self.accounts[sender].balance < drops:
            raise ValueError(f"{sender} cannot send {drops} drops")
        self.fund(sender, -drops)
        self.fund(receiver, drops)

    def set_line(self, holder: str, issuer: str, currency: str, balance: Decimal, frozen: bool = False) -> None:
        key = (holder, issuer, currency)
        if key not in self.lines:
            old = self.accounts[holder]
            self.accounts[holder] = replace(old, owner_count=old.owner_count + 1)
        self.lines[key] = (balance, frozen)

    def set_flags(self, account: str, flags: int) -> None:
        self.accounts[account] = replace(self.accounts[account], flags=flags)

    def delete(self, account: str) -> None:
        del self.accounts[account]

    def close(self, count: int = 1) -> int:
        for _ in range(count):
            previous = self.ledgers[-1]
            index = previous.index + 1
            ledger_hash = hashlib.sha512(bytes.fromhex(previous.ledger_hash) + index.to_bytes(8, "big")).hexdigest()
            self.ledgers.append(Ledger(index, ledger_hash[:64].upper(), dict(self.accounts), dict(self.lines)))
        return self.head

    # reading
    @property
    def head(self) -> int:
        return self.ledgers[-1].index

    @property
    def validated(self) -> int:
        return self.head - self.validated_lag

    def ledger(self, index: int) -> Ledger | None:
        offset = index - self.ledgers[0].index
        return self.ledgers[offset] if 0 <= offset < len(self.ledgers) else None

    def balance(self, account: str, index: int | None = None) -> int:
        ledger = self.ledger(self.head if index is None else index)
        assert ledger is not None
        state = ledger.accounts.get(account)
        return state.balance if state else 0

    def line_balance(self, holder: str, issuer: str, currency: str, index: int | None = None) -> Decimal:
        ledger = self.ledger(self.head if index is None else index)
        assert ledger is not None
        return ledger.lines.get((holder, issuer, currency), (Decimal(0), False))[0]


@dataclass
class Faults:
    """Misbehaviours a test can switch on while the server runs."""

    history_from: int | None = None  # the oldest ledger the server keeps (None: all of them)
    network_id: int | None = MAINNET_NETWORK_ID  # None: server_info omits it (as Clio does)
    rate_limited: int = 0  # answer this many next requests with 429 + Retry-After
    retry_after: str = "1"
    server_errors: int = 0  # answer this many next requests with 503
    malformed: set[str] = field(default_factory=set)  # accounts whose Balance / line balance is garbage
    other_account: set[str] = field(default_factory=set)  # accounts answered with another account's data
    legacy_fees: bool = False  # FeeSettings in the format before the XRPFees amendment (ReserveBase: number)
    busy: int = 0  # answer this many next method calls with the universal error `tooBusy` (HTTP 200)
    # accounts whose actNotFound comes from the open ledger (`ledger_current_index`, not validated), as a server
    # that ignores `ledger_index` would answer: not the snapshot ledger's answer
    not_found_in_open_ledger: set[str] = field(default_factory=set)
    on_request: Callable[[str, dict[str, Any]], None] | None = None


class XrplServer:
    def __init__(self, chain: XrplChain) -> None:
        self.chain = chain
        self.faults = Faults()
        self.requests: dict[str, int] = {}  # method -> count
        self.http_requests = 0
        self.rate_limited_at: list[float] = []
        self.url = ""
        self._runner: web.AppRunner | None = None

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/", self.handle)
        return app

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        self._runner = web.AppRunner(self.app(), access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, host, port).start()
        bound = self._runner.addresses[0]
        self.url = f"http://{bound[0]}:{bound[1]}/"
        return self.url

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def handle(self, request: web.Request) -> web.Response:
        self.http_requests += 1
        if self.faults.rate_limited > 0:  # a rate-limiting proxy in front of the server (hosted endpoints)
            self.faults.rate_limited -= 1
            self.rate_limited_at.append(time.monotonic())
            return web.Response(status=429, text="Too Many Requests", headers={"Retry-After": self.faults.retry_after})
        if self.faults.server_errors > 0:  # rippled's own rate limit: 503 with a text body (xrpl.org rate-limiting)
            self.faults.server_errors -= 1
            return web.Response(status=503, text="Server is overloaded")
        try:
            body = await request.json()
        except ValueError:
            return web.Response(status=400, text="Unable to parse request")
        method = body.get("method") if isinstance(body, dict) else None
        params = (body.get("params") or [{}])[0] if isinstance(body, dict) else {}
        self.requests[str(method)] = self.requests.get(str(method), 0) + 1
        if self.faults.on_request is not None:
            self.faults.on_request(str(method), params)
        if self.faults.busy > 0:
            self.faults.busy -= 1
            return self._error("tooBusy", 9, "The server is too busy to help you now.", params)
        handler = {
            "server_info": self.server_info, "ledger": self.ledger, "account_info": self.account_info,
            "account_lines": self.account_lines, "ledger_entry": self.ledger_entry,
        }.get(str(method))
        if handler is None:
            return self._error("unknownCmd", 32, "Unknown method.", params)
        return handler(params)

    # ---- helpers ------------------------------------------------------------------------------------

    @staticmethod
    def _reply(result: dict[str, Any]) -> web.Response:
        return web.json_response({"result": {**result, "status": "success"}})

    @staticmethod
    def _error(error: str, code: int, message: str, params: dict[str, Any], **extra: Any) -> web.Response:
        return web.json_response({"result": {"error": error, "error_code": code, "error_message": message,
                                             "request": params, "status": "error", **extra}})

    def _kept(self, index: int) -> bool:
        return self.faults.history_from is None or index >= self.faults.history_from

    def _find(self, params: dict[str, Any]) -> tuple[Ledger | None, web.Response | None]:
        """The ledger a request names (`ledger_index` number or "validated"/"closed"/"current"), as rippled looks
        it up: lgrNotFound when it does not have it."""
        wanted = params.get("ledger_index", "current")
        if wanted in ("validated",):
            wanted = self.chain.validated
        elif wanted in ("closed", "current"):
            wanted = self.chain.head
        if isinstance(wanted, str) and wanted.isdigit():
            wanted = int(wanted)
        if not isinstance(wanted, int) or isinstance(wanted, bool):
            return None, self._error("invalidParams", 31, "ledgerIndexMalformed", params)
        ledger = self.chain.ledger(wanted)
        if ledger is None or not self._kept(wanted):
            return None, self._error("lgrNotFound", 21, "ledgerNotFound", params)
        return ledger, None

    def _ledger_fields(self, ledger: Ledger) -> dict[str, Any]:
        return {"ledger_hash": ledger.ledger_hash, "ledger_index": ledger.index,
                "validated": ledger.index <= self.chain.validated}

    # ---- methods ------------------------------------------------------------------------------------

    def server_info(self, params: dict[str, Any]) -> web.Response:
        chain = self.chain
        first = chain.ledgers[0].index if self.faults.history_from is None else self.faults.history_from
        validated = chain.ledger(chain.validated)
        assert validated is not None
        info: dict[str, Any] = {
            "build_version": "2.3.0",
            "complete_ledgers": f"{first}-{chain.head}" if first <= chain.head else "empty",
            "server_state": "full",
            "load_factor": 1,
            "peers": 21,
            "validation_quorum": 28,
            "validated_ledger": {"age": 2, "base_fee_xrp": 0.00001, "hash": validated.ledger_hash,
                                 "reserve_base_xrp": chain.reserve_base / 10**6,
                                 "reserve_inc_xrp": chain.reserve_increment / 10**6, "seq": validated.index},
        }
        if chain.head != chain.validated:
            head = chain.ledger(chain.head)
            assert head is not None
            info["closed_ledger"] = {"age": 0, "base_fee_xrp": 0.00001, "hash": head.ledger_hash, "seq": head.index}
        if self.faults.network_id is not None:
            info["network_id"] = self.faults.network_id
        return self._reply({"info": info})

    def ledger(self, params: dict[str, Any]) -> web.Response:
        found, error = self._find(params)
        if error is not None:
            return error
        assert found is not None
        header = {"account_hash": hashlib.sha256(found.ledger_hash.encode()).hexdigest().upper(),
                  "close_time": 780000000 + found.index, "closed": True, "ledger_hash": found.ledger_hash,
                  "ledger_index": str(found.index), "parent_hash": "0" * 64, "total_coins": "99986000000000000",
                  "transaction_hash": "0" * 64}
        return self._reply({"ledger": header, **self._ledger_fields(found)})

    def _account(self, params: dict[str, Any], key: str = "account") -> tuple[str | None, web.Response | None]:
        account = params.get(key)
        try:
            return addresses.canonical(str(account)), None
        except ValueError:
            return None, self._error("actMalformed", 35, "Account malformed.", params)

    def account_info(self, params: dict[str, Any]) -> web.Response:
        account, error = self._account(params)
        if error is not None:
            return error
        found, error = self._find(params)
        if error is not None:
            return error
        assert found is not None and account is not None
        shown = account
        if account in self.faults.other_account:
            shown = next(a for a in found.accounts if a != account)
        if account in self.faults.not_found_in_open_ledger:
            return self._error("actNotFound", 19, "Account not found.", params, account=account,
                               ledger_current_index=self.chain.head + 1, validated=False)
        state = found.accounts.get(shown)
        if state is None:
            return self._error("actNotFound", 19, "Account not found.", params, account=account,
                               **self._ledger_fields(found))
        balance = "12x4" if account in self.faults.malformed else str(state.balance)
        data = {"Account": shown, "Balance": balance, "Flags": state.flags, "LedgerEntryType": "AccountRoot",
                "OwnerCount": state.owner_count, "PreviousTxnID": "0" * 64, "PreviousTxnLgrSeq": found.index - 1,
                "Sequence": 1, "index": hashlib.sha256(shown.encode()).hexdigest().upper()}
        return self._reply({"account_data": data, **self._ledger_fields(found)})

    def account_lines(self, params: dict[str, Any]) -> web.Response:
        account, error = self._account(params)
        if error is not None:
            return error
        found, error = self._find(params)
        if error is not None:
            return error
        assert found is not None and account is not None
        if account in self.faults.not_found_in_open_ledger:
            return self._error("actNotFound", 19, "Account not found.", params, account=account,
                               ledger_current_index=self.chain.head + 1, validated=False)
        if account not in found.accounts:
            return self._error("actNotFound", 19, "Account not found.", params, account=account,
                               **self._ledger_fields(found))
        peer = params.get("peer")
        limit = max(10, min(400, int(params.get("limit", 200))))
        start = int(str(params.get("marker", "0")).split(",")[0] or 0)
        shown = account
        if account in self.faults.other_account:
            shown = next(a for a in found.accounts if a != account)
        lines = []
        for key in found.lines_of(shown):
            _, issuer, currency = key
            balance, frozen = found.lines[key]
            if peer is not None and issuer != peer:
                continue
            text = "1.2.3" if account in self.faults.malformed else _iou_text(balance)
            line = {"account": issuer, "balance": text, "currency": currency, "limit": "1000000000",
                    "limit_peer": "0", "no_ripple": True, "no_ripple_peer": False, "quality_in": 0, "quality_out": 0}
            if frozen:
                line["freeze_peer"] = True
            lines.append(line)
        page = lines[start:start + limit]
        result: dict[str, Any] = {"account": shown, "lines": page, **self._ledger_fields(found)}
        if start + limit < len(lines):
            result["marker"] = f"{start + limit},{found.ledger_hash[:16]}"
            result["limit"] = limit
        return self._reply(result)

    def ledger_entry(self, params: dict[str, Any]) -> web.Response:
        found, error = self._find(params)
        if error is not None:
            return error
        assert found is not None
        if str(params.get("index", "")).upper() != FEE_SETTINGS_INDEX:
            return self._error("entryNotFound", 21, "Entry not found.", params)
        if self.faults.legacy_fees:
            node = {"BaseFee": "000000000000000A", "Flags": 0, "LedgerEntryType": "FeeSettings",
                    "ReferenceFeeUnits": 10, "ReserveBase": self.chain.reserve_base,
                    "ReserveIncrement": self.chain.reserve_increment, "index": FEE_SETTINGS_INDEX}
        else:
            node = {"BaseFeeDrops": "10", "Flags": 0, "LedgerEntryType": "FeeSettings",
                    "PreviousTxnID": "4EEDB01BB943CE32E97BB468AC179ABF933B272D6FF990E76B6721FB48E069FC",
                    "PreviousTxnLgrSeq": self.chain.ledgers[0].index, "ReserveBaseDrops": str(self.chain.reserve_base),
                    "ReserveIncrementDrops": str(self.chain.reserve_increment), "index": FEE_SETTINGS_INDEX}
        return self._reply({"index": FEE_SETTINGS_INDEX, "node": node, **self._ledger_fields(found)})


def _iou_text(amount: Decimal) -> str:
    """An issued amount as rippled writes it: plain digits, or mantissa + "e" + exponent when very small/large."""
    if amount != 0 and (abs(amount) < Decimal("1e-10") or abs(amount) >= Decimal("1e20")):
        sign, digits, exponent = amount.normalize().as_tuple()
        return f"{'-' if sign else ''}{''.join(map(str, digits))}e{exponent}"
    return format(amount.normalize(), "f")


@asynccontextmanager
async def running_server(chain: XrplChain) -> AsyncIterator[XrplServer]:
    server = XrplServer(chain)
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


class XrplServerThread(ServerThread[XrplServer]):
    """The server on its own event loop in a daemon thread, for tests that run the CLI."""

    def __init__(self, chain: XrplChain) -> None:
        super().__init__(XrplServer(chain))


__all__ = ["LSF_DISABLE_MASTER", "XrplChain", "XrplServer", "XrplServerThread", "running_server"]
