"""The nodeos chain API and Hyperion's history API, as typed calls on the shared transport.

nodeos (https://docs.eosnetwork.com/apis/leap/latest/chain.api/): POST JSON bodies to `/v1/chain/get_info`,
`get_block_info` ({"block_num"}), `get_account` ({"account_name", "expected_core_symbol"}: the reply carries
`head_block_num`, the block whose state it read, `core_liquid_balance` ("12.3456 EOS", absent when the account
holds none), `permissions` with each `required_auth` {threshold, keys [{key, weight}]...}, and the staking
fields of the system contract), `get_currency_balance` ({"code", "account", "symbol"}: a list of asset
strings, empty when the account holds none). Errors are HTTP 4xx/5xx with
`{"code", "message", "error": {"code", "name", "what", "details"}}`, e.g. `account_query_exception` for an
account that does not exist and `unknown_block_exception` for a block the node does not have.

Hyperion (https://hyperion.docs.eosrio.io/api/v2/, source eosrio/hyperion-history-api
api/routes/v2-history/get_actions): GET `/v2/history/get_actions?filter=code:name,...&sort=asc&limit=` with generic
filters on indexed fields (ANDed; comma-separated values ORed): `notified=a,b,c` or
`act.authorization.actor=a,b,c`, ranges `block_num=A-B` and `global_sequence=A-B`; the reply is `{"lib", "total",
"actions": [{"@timestamp", "block_num", "trx_id", "global_sequence", "act": {"account", "name",
"authorization", "data"}, "notified": [...]}...]}`, one entry per action (its notifications merged into
`notified`). GET `/v2/health` names the indexed range (`Elasticsearch` service: first_indexed_block,
last_indexed_block, missing_blocks) and the chain (`NodeosRPC` service: chain_id).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from chains.transport import HttpTransport, RequestError

_ASSET = re.compile(r"(-?\d+)(?:\.(\d+))? ([A-Z]{1,7})")
MAX_GLOBAL_SEQUENCE = 2**63 - 1


class EosApiError(RequestError):
    """nodeos or Hyperion answered, but not with what was asked (an error body, a malformed reply)."""


class NoSuchAccount(EosApiError):
    """nodeos says the account does not exist (account_query_exception on get_account)."""


@dataclass(frozen=True, slots=True)
class Asset:
    """An EOS asset string ("12.3456 EOS") as base units, precision and symbol code."""

    amount: int
    precision: int
    symbol: str

    @classmethod
    def parse(cls, text: Any, what: str) -> Asset:
        if not isinstance(text, str):
            raise EosApiError(f"{what}: asset is {text!r}, not a string")
        match = _ASSET.fullmatch(text.strip())
        if not match:
            raise EosApiError(f"{what}: {text!r} is not an asset (\"12.3456 EOS\")")
        whole, fraction, symbol = match.groups()
        fraction = fraction or ""
        sign = -1 if whole.startswith("-") else 1
        amount = sign * (abs(int(whole)) * 10 ** len(fraction) + int(fraction or "0"))
        return cls(amount, len(fraction), symbol)

    def expect(self, symbol: str, precision: int, what: str) -> int:
        """The amount, once symbol and precision are the token's. EosApiError otherwise."""
        if self.symbol != symbol or self.precision != precision:
            raise EosApiError(f"{what}: asset is {self.precision},{self.symbol}, expected {precision},{symbol}")
        return self.amount


@dataclass(frozen=True, slots=True)
class HeadInfo:
    chain_id: str
    head: int
    last_irreversible: int


@dataclass(frozen=True, slots=True)
class Authority:
    """One permission of an account: its threshold and weighted keys."""

    name: str
    threshold: int
    keys: Mapping[str, int]  # public key (legacy EOS form) -> weight


@dataclass(frozen=True, slots=True)
class AccountState:
    """get_account at the block the node read it at (`head_block_num`)."""

    name: str
    block: int
    liquid: Asset | None  # None: no row in eosio.token's table (holds none)
    permissions: Mapping[str, Authority]
    staked_cpu: Asset | None  # self-delegated, from the system contract (None when it reports none)
    staked_net: Asset | None
    refunding: Asset | None  # unstaked, waiting for its refund


@dataclass(frozen=True, slots=True)
class Action:
    """One action of Hyperion's get_actions, reduced to what the roll-back reads."""

    block: int
    global_sequence: int
    contract: str
    name: str
    actors: tuple[str, ...]
    notified: tuple[str, ...]
    data: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class HistoryRange:
    chain_id: str | None
    first_indexed: int
    last_indexed: int
    missing_blocks: int


def _error_name(exc: RequestError) -> str:
    text = str(exc)
    for name in ("account_query_exception", "unknown_block_exception", "block_id_type_exception"):
        if name in text:
            return name
    return ""


def _int(value: Any, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | str) or not str(value).lstrip("-").isdigit():
        raise EosApiError(f"{what} is {value!r}, not an integer")
    return int(value)


class NodeosApi:
    def __init__(self, transport: HttpTransport, url: str) -> None:
        self.transport = transport
        self.base = url.rstrip("/")

    async def _post(self, path: str, body: Mapping[str, Any]) -> Any:
        return await self.transport.request_json("POST", f"{self.base}/v1/chain/{path}", payload=dict(body))

    async def info(self) -> HeadInfo:
        reply = await self._post("get_info", {})
        if not isinstance(reply, dict) or not isinstance(reply.get("chain_id"), str):
            raise EosApiError("get_info: reply has no chain_id")
        return HeadInfo(reply["chain_id"], _int(reply.get("head_block_num"), "get_info head_block_num"),
                        _int(reply.get("last_irreversible_block_num"), "get_info last_irreversible_block_num"))

    async def block_id(self, number: int) -> str | None:
        """The id of block `number`, None when the node does not have it."""
        try:
            reply = await self._post("get_block_info", {"block_num": number})
        except RequestError as exc:
            if _error_name(exc) in ("unknown_block_exception", "block_id_type_exception"):
                return None
            raise
        if not isinstance(reply, dict) or reply.get("block_num") != number or not isinstance(reply.get("id"), str):
            raise EosApiError(f"get_block_info {number}: reply is not block {number}")
        return reply["id"]

    async def account(self, name: str, core_symbol: str) -> AccountState:
        try:
            reply = await self._post("get_account", {"account_name": name, "expected_core_symbol": core_symbol})
        except RequestError as exc:
            if _error_name(exc) == "account_query_exception":
                raise NoSuchAccount(f"account {name!r} does not exist on this chain") from None
            raise
        return parse_account(reply, name)

    async def currency_balance(self, contract: str, account: str, symbol: str) -> list[Any]:
        reply = await self._post("get_currency_balance", {"code": contract, "account": account, "symbol": symbol})
        if not isinstance(reply, list):
            raise EosApiError(f"get_currency_balance {symbol}@{contract} for {account}: reply is not a list")
        return reply


def parse_account(reply: Any, name: str) -> AccountState:
    what = f"get_account {name}"
    if not isinstance(reply, dict):
        raise EosApiError(f"{what}: reply is not an object")
    if reply.get("account_name") != name:  # bind the reply to the request
        raise EosApiError(f"{what}: reply is for account {reply.get('account_name')!r}")
    block = _int(reply.get("head_block_num"), f"{what} head_block_num")
    liquid = reply.get("core_liquid_balance")
    permissions: dict[str, Authority] = {}
    raw_permissions = reply.get("permissions")
    if not isinstance(raw_permissions, list):
        raise EosApiError(f"{what}: permissions is not a list")
    for entry in raw_permissions:
        auth = entry.get("required_auth") if isinstance(entry, dict) else None
        if not isinstance(auth, dict) or not isinstance(auth.get("keys"), list):
            raise EosApiError(f"{what}: a permission has no required_auth.keys")
        keys_: dict[str, int] = {}
        for item in auth["keys"]:
            if not isinstance(item, dict) or not isinstance(item.get("key"), str):
                raise EosApiError(f"{what}: a permission key is malformed")
            keys_[item["key"]] = _int(item.get("weight"), f"{what} key weight")
        perm = str(entry.get("perm_name", ""))
        permissions[perm] = Authority(perm, _int(auth.get("threshold"), f"{what} threshold"), keys_)
    delegated = reply.get("self_delegated_bandwidth") or {}
    refund = reply.get("refund_request") or {}

    def asset(value: Any, field: str) -> Asset | None:
        return None if value in (None, "") else Asset.parse(value, f"{what} {field}")

    refunding = None
    if refund:
        cpu, net = asset(refund.get("cpu_amount"), "refund cpu"), asset(refund.get("net_amount"), "refund net")
        if cpu and net:
            refunding = Asset(cpu.amount + net.amount, cpu.precision, cpu.symbol)
    return AccountState(name, block, asset(liquid, "core_liquid_balance"), permissions,
                        asset(delegated.get("cpu_weight"), "cpu_weight"),
                        asset(delegated.get("net_weight"), "net_weight"), refunding)


class HyperionApi:
    def __init__(self, transport: HttpTransport, url: str) -> None:
        self.transport = transport
        self.base = url.rstrip("/")

    async def health(self) -> HistoryRange:
        reply = await self.transport.request_json("GET", f"{self.base}/v2/health")
        services = reply.get("health") if isinstance(reply, dict) else None
        if not isinstance(services, list):
            raise EosApiError("/v2/health: reply has no health list")
        by_name = {s.get("service"): s for s in services if isinstance(s, dict)}
        elastic = (by_name.get("Elasticsearch") or {}).get("service_data")
        if not isinstance(elastic, dict):
            raise EosApiError("/v2/health: no Elasticsearch service data (first/last indexed block)")
        nodeos = (by_name.get("NodeosRPC") or {}).get("service_data") or {}
        return HistoryRange(
            nodeos.get("chain_id") if isinstance(nodeos.get("chain_id"), str) else None,
            _int(elastic.get("first_indexed_block"), "/v2/health first_indexed_block"),
            _int(elastic.get("last_indexed_block"), "/v2/health last_indexed_block"),
            _int(elastic.get("missing_blocks", 0), "/v2/health missing_blocks"),
        )

    async def actions(self, accounts: Sequence[str], by: str, filters: Sequence[str], first_block: int,
                      last_block: int, page_size: int, max_pages: int) -> list[Action]:
        """Every action of `filters` (code:name) in blocks first..last whose `by` field (`notified`, or
        `act.authorization.actor`) names one of `accounts`, oldest first: one query for a whole group, through
        Hyperion's generic filters (comma-separated values are OR-ed, filters AND-ed).

        Paged by global_sequence (each page starts after the last one seen), so no `skip` window limit
        applies. Each action is checked against the query: one naming none of the accounts, outside the block
        range or of another contract is a malformed reply (EosApiError), never counted."""
        wanted = set(accounts)
        found: list[Action] = []
        after = 0
        for _ in range(max_pages):
            params = {by: ",".join(sorted(wanted)), "filter": ",".join(filters), "sort": "asc",
                      "limit": str(page_size), "block_num": f"{first_block}-{last_block}",
                      "global_sequence": f"{after}-{MAX_GLOBAL_SEQUENCE}"}
            reply = await self.transport.request_json("GET", f"{self.base}/v2/history/get_actions", params=params)
            raw = reply.get("actions") if isinstance(reply, dict) else None
            if not isinstance(raw, list):
                raise EosApiError("get_actions: reply has no actions list")
            page = [parse_action(item, wanted, by, filters, first_block, last_block) for item in raw]
            page = [a for a in page if a.global_sequence >= after]
            if any(b.global_sequence <= a.global_sequence for a, b in itertools.pairwise(page)):
                raise EosApiError("get_actions: actions not in ascending global_sequence order")
            found.extend(page)
            if len(raw) < page_size:
                return found
            after = page[-1].global_sequence + 1
        raise EosApiError(f"get_actions: more than {max_pages} pages of {page_size} actions after the snapshot "
                          "(raise max_history_pages)")


def parse_action(item: Any, accounts: set[str], by: str, filters: Sequence[str], first_block: int,
                 last_block: int) -> Action:
    what = "get_actions"
    if not isinstance(item, dict) or not isinstance(item.get("act"), dict):
        raise EosApiError(f"{what}: an action has no act")
    act = item["act"]
    block = _int(item.get("block_num"), f"{what} block_num")
    sequence = _int(item.get("global_sequence"), f"{what} global_sequence")
    authorization = act.get("authorization") or []
    if not isinstance(authorization, list):
        raise EosApiError(f"{what}: act.authorization is not a list")
    actors = tuple(str(a.get("actor", "")) for a in authorization if isinstance(a, dict))
    notified = item.get("notified") or []
    if not isinstance(notified, list):
        raise EosApiError(f"{what}: notified is not a list")
    contract, name = str(act.get("account", "")), str(act.get("name", ""))
    data = act.get("data")
    if not isinstance(data, dict):
        raise EosApiError(f"{what}: act.data of {contract}::{name} at block {block} is not decoded")
    # bind the reply to the query: the accounts, the block range and the contract filter asked for
    named = set(notified if by == "notified" else actors)
    if not named & accounts:
        raise EosApiError(f"{what}: answered an action of block {block} that involves none of "
                          f"{', '.join(sorted(accounts))}")
    if not first_block <= block <= last_block:
        raise EosApiError(f"{what}: answered an action of block {block}, outside {first_block}..{last_block}")
    if f"{contract}:{name}" not in filters and f"{contract}:*" not in filters:
        raise EosApiError(f"{what}: answered {contract}::{name}, which was not asked for")
    return Action(block, sequence, contract, name, actors, tuple(str(n) for n in notified), data)
