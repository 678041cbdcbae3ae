"""The rippled / Clio JSON-RPC API (xrpl.org/docs/references/http-websocket-apis), as typed calls on HttpTransport.

Requests are `{"method": M, "params": [{...}]}` POSTed to the server's root; every answer is `{"result": {...}}`
with `status` "success" or "error" (an error names itself in `error`, e.g. `actNotFound`, `lgrNotFound`, with
`error_code` and `error_message`), mostly with HTTP 200. This is not JSON-RPC 2.0, so JsonRpcClient does not fit.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from chains.transport import HttpTransport, RequestError

# The FeeSettings ledger entry has this fixed index on every XRP Ledger network (xrpl.org, FeeSettings).
FEE_SETTINGS_INDEX = "4BC50C9B0D8515D3EAAE1E74B29A95804346C491EE1A95BF25E4AAB854A6A651"
LSF_DISABLE_MASTER = 0x00100000  # AccountRoot flag: the master key may not sign for the account
_HASH = re.compile(r"[0-9A-Fa-f]{64}")
_CURRENCY_HEX = re.compile(r"[0-9A-Fa-f]{40}")


# Universal errors of a server that cannot answer right now (xrpl.org error-formatting, "universal errors"): asked
# again after a pause, like an HTTP 503, rather than leaving the row unread at once.
TRANSIENT_ERRORS = frozenset({"tooBusy", "slowDown", "noNetwork", "noCurrent", "noClosed"})


def _busy(reply: Any) -> str | None:
    """The error code of a reply that asks to be asked again later (the server is busy or not synced)."""
    result = reply.get("result") if isinstance(reply, dict) else None
    error = result.get("error") if isinstance(result, dict) else None
    return f"rippled answered {error}" if error in TRANSIENT_ERRORS else None


class XrplError(RequestError):
    """The server answered `status: error`; `error` is its code word (`actNotFound`, `lgrNotFound`...), `result`
    the whole result object (rippled puts the ledger it looked in there too)."""

    def __init__(self, method: str, error: str, message: str = "", result: Mapping[str, Any] | None = None) -> None:
        super().__init__(f"{method}: {error}" + (f" ({message})" if message else ""))
        self.error = error
        self.result: Mapping[str, Any] = result or {}


@dataclass(frozen=True, slots=True)
class ServerState:
    """What `server_info` says about the ledgers the server has."""

    network_id: int | None  # absent on servers that do not report it (Clio, older rippled)
    validated: int  # newest validated ledger
    newest: int  # newest closed ledger (>= validated)
    complete_ledgers: str  # e.g. "32570-90000000", "empty"

    def has_ledger(self, index: int) -> bool:
        return any(lo <= index <= hi for lo, hi in ledger_ranges(self.complete_ledgers))


@dataclass(frozen=True, slots=True)
class LedgerHeader:
    index: int
    ledger_hash: str
    closed: bool
    validated: bool


@dataclass(frozen=True, slots=True)
class Reserves:
    """The reserve requirement at a ledger (FeeSettings), in drops."""

    base: int
    increment: int

    def locked(self, owner_count: int) -> int:
        return self.base + owner_count * self.increment


@dataclass(frozen=True, slots=True)
class AccountRoot:
    account: str
    balance: int  # drops
    owner_count: int
    flags: int


@dataclass(frozen=True, slots=True)
class TrustLine:
    peer: str  # the other party of the line (the issuer, for a holder)
    currency: str
    balance: Decimal  # from the queried account's side: positive = the peer owes it
    frozen_by_peer: bool


def ledger_ranges(text: str) -> list[tuple[int, int]]:
    """`complete_ledgers` ("32570-100,105-200", "empty") as (first, last) pairs."""
    ranges = []
    for part in text.split(","):
        part = part.strip()
        if not part or part == "empty":
            continue
        lo, _, hi = part.partition("-")
        if not lo.isdigit() or (hi and not hi.isdigit()):
            raise RequestError(f"server_info: complete_ledgers {text!r} is not a range list")
        ranges.append((int(lo), int(hi or lo)))
    return ranges


def _int(value: Any, what: str) -> int:
    """A JSON integer, or a decimal string of one (rippled writes some counts and all drops as strings)."""
    if isinstance(value, bool):
        raise RequestError(f"{what} is {value!r}, not an integer")
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.isdigit():
        return int(value)
    raise RequestError(f"{what} is {value!r}, not an integer")


def currency_matches(found: str, wanted: str) -> bool:
    """A 3-character code compares exactly (the ledger stores its bytes: "usd" is not "USD", xrpl.org currency
    formats), a 40-hex-digit code case-insensitively (the same 20 bytes)."""
    if len(found) == 40 and len(wanted) == 40:
        return found.upper() == wanted.upper()
    return found == wanted


def parse_currency(code: str) -> str:
    """A currency code as the ledger writes it: 3 characters (not "XRP"), or 40 hex digits."""
    if len(code) == 3 and code.upper() != "XRP" and code.isascii() and code.isprintable():
        return code
    if _CURRENCY_HEX.fullmatch(code):
        return code.upper()
    raise ValueError(f"{code!r} is not an XRP Ledger currency code (3 characters or 40 hex digits)")


class XrplRpc:
    """Calls of one rippled or Clio JSON-RPC endpoint."""

    def __init__(self, transport: HttpTransport, url: str) -> None:
        self.transport = transport
        self.url = url

    async def call(self, method: str, **params: Any) -> dict[str, Any]:
        """One method call. A server too busy to answer (TRANSIENT_ERRORS, in an HTTP 200) is asked again by the
        transport's own retry policy, as for an HTTP 429/503, and counted as a retry."""
        reply = await self.transport.request_json("POST", self.url, payload={"method": method, "params": [params]},
                                                  busy=_busy)
        result = reply.get("result") if isinstance(reply, dict) else None
        if not isinstance(result, dict):
            raise RequestError(f"{method}: reply has no result object: {str(reply)[:200]}")
        if result.get("status") == "error" or "error" in result:
            raise XrplError(method, str(result.get("error")), str(result.get("error_message") or ""), result)
        if result.get("status") != "success":
            raise RequestError(f"{method}: status is {result.get('status')!r}, not success")
        return result

    async def server_state(self) -> ServerState:
        info = (await self.call("server_info")).get("info")
        if not isinstance(info, dict):
            raise RequestError("server_info: reply has no info object")
        validated = info.get("validated_ledger")
        if not isinstance(validated, dict):
            raise RequestError("server_info: no validated ledger (the server is not synced)")
        seq = _int(validated.get("seq"), "server_info validated_ledger.seq")
        closed = info.get("closed_ledger")  # present only while the newest closed ledger is not validated
        newest = _int(closed.get("seq"), "server_info closed_ledger.seq") if isinstance(closed, dict) else seq
        network_id = info.get("network_id")
        complete = info.get("complete_ledgers")
        if not isinstance(complete, str):
            raise RequestError("server_info: reply has no complete_ledgers")
        return ServerState(None if network_id is None else _int(network_id, "server_info network_id"), seq,
                           max(seq, newest), complete)

    async def ledger(self, index: int) -> LedgerHeader | None:
        """The header of ledger `index`; None when the server does not have it (lgrNotFound)."""
        try:
            result = await self.call("ledger", ledger_index=index, transactions=False, expand=False)
        except XrplError as exc:
            if exc.error == "lgrNotFound":
                return None
            raise
        header = result.get("ledger")
        if not isinstance(header, dict):
            raise RequestError(f"ledger {index}: reply has no ledger object")
        found = _int(header.get("ledger_index", result.get("ledger_index")), f"ledger {index}: ledger_index")
        if found != index:
            raise RequestError(f"ledger {index}: the server answered ledger {found}")
        ledger_hash = header.get("ledger_hash") or result.get("ledger_hash")
        if not isinstance(ledger_hash, str) or not _HASH.fullmatch(ledger_hash):
            raise RequestError(f"ledger {index}: ledger_hash {ledger_hash!r} is not 64 hex digits")
        return LedgerHeader(index, ledger_hash.upper(), header.get("closed") is True, result.get("validated") is True)

    async def reserves(self, index: int) -> Reserves:
        """The reserve settings in force at ledger `index` (FeeSettings, either field generation)."""
        result = await self.call("ledger_entry", index=FEE_SETTINGS_INDEX, ledger_index=index)
        node = result.get("node")
        if not isinstance(node, dict) or node.get("LedgerEntryType") != "FeeSettings":
            raise RequestError(f"ledger_entry FeeSettings at {index}: reply has no FeeSettings node")
        if "ReserveBaseDrops" in node:  # since the XRPFees amendment: amounts in drops, as strings
            return Reserves(_int(node["ReserveBaseDrops"], "ReserveBaseDrops"),
                            _int(node.get("ReserveIncrementDrops"), "ReserveIncrementDrops"))
        return Reserves(_int(node.get("ReserveBase"), "ReserveBase"), _int(node.get("ReserveIncrement"),
                                                                              "ReserveIncrement"))

    async def account_root(self, account: str, index: int) -> AccountRoot | None:
        """The account's AccountRoot at validated ledger `index`; None when it did not exist there (actNotFound).

        The reply is bound to the request: it must be for `account`, at `index`, validated."""
        try:  # no `strict`: deprecated (xrpl.org account_info), the account is always a classic address here
            result = await self.call("account_info", account=account, ledger_index=index)
        except XrplError as exc:
            if exc.error == "actNotFound":
                _check_not_found_ledger(exc.result, index, f"account_info {account}: actNotFound")
                return None
            raise
        _check_ledger(result, index, f"account_info {account}")
        data = result.get("account_data")
        if not isinstance(data, dict):
            raise RequestError(f"account_info {account}: reply has no account_data")
        if data.get("Account") != account:
            raise RequestError(f"account_info {account}: the reply is for account {data.get('Account')!r}")
        balance = data.get("Balance")
        if not isinstance(balance, str) or not balance.isdigit():  # XRP amounts are strings of drops
            raise RequestError(f"account_info {account}: Balance {balance!r} is not a whole number of drops")
        return AccountRoot(account, int(balance), _int(data.get("OwnerCount", 0), "OwnerCount"),
                           _int(data.get("Flags", 0), "Flags"))

    async def trust_lines(
        self, account: str, issuer: str, index: int, *, limit: int, max_pages: int
    ) -> list[TrustLine] | None:
        """The account's trust lines with `issuer` at ledger `index`; None when the account did not exist."""
        lines: list[TrustLine] = []
        marker: Any = None
        what = f"account_lines {account}"
        for _page in range(max_pages):
            params: dict[str, Any] = {"account": account, "peer": issuer, "ledger_index": index, "limit": limit}
            if marker is not None:
                params["marker"] = marker
            try:
                result = await self.call("account_lines", **params)
            except XrplError as exc:
                if exc.error == "actNotFound":
                    _check_not_found_ledger(exc.result, index, f"{what}: actNotFound")
                    return None
                raise
            _check_ledger(result, index, what)
            if result.get("account") != account:
                raise RequestError(f"{what}: the reply is for account {result.get('account')!r}")
            page = result.get("lines")
            if not isinstance(page, list):
                raise RequestError(f"{what}: reply has no lines list")
            for item in page:
                lines.append(_trust_line(item, issuer, what))
            marker = result.get("marker")
            if marker is None:
                return lines
        raise RequestError(f"{what}: more than {max_pages} pages of trust lines with {issuer}")


def _check_ledger(result: Mapping[str, Any], index: int, what: str) -> None:
    """The reply (or an error reply: rippled names the ledger it looked in there too) is for validated ledger
    `index`: an answer from the open ledger (`ledger_current_index`) or another one is not the snapshot's."""
    found = result.get("ledger_index")
    if found != index:
        raise RequestError(f"{what}: the reply is for ledger {found!r}, not {index}")
    if result.get("validated") is not True:
        raise RequestError(f"{what}: ledger {index} is not validated on this server")


def _check_not_found_ledger(result: Mapping[str, Any], index: int, what: str) -> None:
    """Not found *where*? rippled's error reply names the ledger it looked in (`ledger_index`, `validated`; the
    open ledger's `ledger_current_index` when it ignored the one asked): that must be the snapshot's. A reply
    naming none (Clio's may not) is bound by the request, which named the ledger."""
    if any(key in result for key in ("ledger_index", "ledger_current_index", "validated")):
        _check_ledger(result, index, what)


def _trust_line(item: Any, issuer: str, what: str) -> TrustLine:
    if not isinstance(item, dict):
        raise RequestError(f"{what}: a line is not an object")
    if item.get("account") != issuer:
        raise RequestError(f"{what}: asked for lines with {issuer}, got one with {item.get('account')!r}")
    currency, balance = item.get("currency"), item.get("balance")
    if not isinstance(currency, str) or not isinstance(balance, str):
        raise RequestError(f"{what}: line has no currency/balance strings")
    try:
        amount = Decimal(balance)  # rippled writes up to 16 significant digits, sometimes as 1.5e-7
    except InvalidOperation:
        raise RequestError(f"{what}: balance {balance!r} is not a number") from None
    if not amount.is_finite():
        raise RequestError(f"{what}: balance {balance!r} is not a number")
    return TrustLine(issuer, currency, amount, item.get("freeze_peer") is True)


@dataclass(frozen=True, slots=True)
class IssuedCurrency:
    """A trust-line token as the registry names it: contract "CURRENCY.ISSUER", and its decimals (an issued
    amount is a decimal with up to 16 significant digits; the report counts it in units of 10^-decimals)."""

    currency: str
    issuer: str
    decimals: int

    @classmethod
    def parse(cls, contract: str, decimals: int) -> IssuedCurrency:
        currency, dot, issuer = contract.strip().rpartition(".")
        if not dot:
            raise ValueError(f"trust-line token {contract!r}: expected CURRENCY.ISSUER")
        return cls(parse_currency(currency), issuer, decimals)
