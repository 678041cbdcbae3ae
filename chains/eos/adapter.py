"""EOS/Vaulta balances at the snapshot block, and each row's proven key bound to its account, from nodeos and
Hyperion.

nodeos answers at its head only, so every figure is read at a pinned block P after the snapshot S and rolled
back with the account's actions in S+1..P from a Hyperion history server (chains.eos.rollback):

* the core token (EOS) and the account's permissions come from one `get_account`, whose `head_block_num` is
  P exactly: the node must run `read-mode = head` (or `irreversible`): a speculative node's state also holds
  transactions that are in no block yet, which no block range of history can undo;
* other tokens (`SYMBOL@contract` in the registry) come from `get_currency_balance`, which names no block: a
  group of reads runs between two `get_info` heads h1 <= h2, so each balance is the state after some block
  in h1..h2; if the account moved that token in h1+1..h2 the block is ambiguous and the account is read again
  alone (`pin_rounds` times, then the row is unread with the reason, never guessed);
* the history is asked once per group for S+1..max(P, h2) (`notified=` the group's accounts; and
  `act.authorization.actor=` them for what notifies no holder: issue/retire, updateauth/deleteauth), each
  action bound to the query (accounts, block range, contract), after Hyperion's index has reached that block
  (`/v2/health`); a server whose index starts after S, has holes, or serves another chain is refused for the
  network (NO_STATE / WRONG_CHAIN).

The key binding: a row's proven key (BalanceQuery.detail, from chains.eos.EosFamily.balance_query) is looked
up in the account's `owner` and `active` permissions at P. Weight >= threshold: bound (the row becomes
verified); absent, or only part of a multi-key threshold: not bound (the row fails). An `updateauth` or
`deleteauth` of those permissions in S+1..P means P's permissions are not the snapshot's: left undecided
(the row stays unchecked, with the reason). Staked CPU/NET and pending refunds are reported in the figure's
note (Balance.note), at P, not counted. A figure's method is `eos-get_account-rollback` or
`eos-get_currency_balance-rollback`, read_at P, its note the number of actions undone.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from chains.base import (
    Balance,
    BalanceAdapter,
    BalanceQuery,
    Endpoint,
    Network,
    Snapshot,
    StateUnavailable,
    Transport,
)
from chains.eos import keys
from chains.eos.api import AccountState, Action, Asset, EosApiError, HeadInfo, HyperionApi, NodeosApi, NoSuchAccount
from chains.eos.options import EosOptions, token_spec
from chains.eos.rollback import TOKEN_ACTIONS, RollbackError, balance_at_snapshot
from chains.transport import HttpTransport, RequestError, display_url

AUTH_ACTIONS = ("eosio:updateauth", "eosio:deleteauth")
BOUND_PERMISSIONS = ("owner", "active")


@dataclass(frozen=True, slots=True)
class EosKeyDetail:
    """BalanceQuery.detail of an EOS row: the public key its signature proved (legacy `EOS...` form)."""

    key: str


@dataclass(frozen=True, slots=True)
class _TokenRead:
    amount: int | None  # base units at some block in before..after
    error: str


class EosBalanceAdapter(BalanceAdapter):
    options_type = EosOptions
    method = "eos-get_account"
    identity_name = "chain id"

    def __init__(self, network: Network, endpoint: Endpoint) -> None:
        super().__init__(network, endpoint)
        self.options: EosOptions
        self.core_contract = str(network.params.get("core_contract", "eosio.token"))
        self.core_symbol = network.native_asset
        self.core_precision = network.native_decimals
        self._history_transport: HttpTransport | None = None
        self._indexed_to = 0  # the highest block Hyperion said it has indexed

    # ---- lifecycle ------------------------------------------------------------------------------------

    def open_transport(self) -> HttpTransport:
        if self.options.history_url and self.options.history_url != self.endpoint.url:
            self._history_transport = HttpTransport(replace(self.endpoint, url=self.options.history_url))
        return HttpTransport(self.endpoint)

    @property
    def requests_sent(self) -> int:
        extra = self._history_transport.requests_sent if self._history_transport is not None else 0
        return super().requests_sent + extra

    def extra_transports(self) -> dict[str, Transport]:
        """The Hyperion history service, counted apart (report.json's run.requests)."""
        if self._history_transport is None or not self.options.history_url:
            return {}
        return {f"{display_url(self.options.history_url)} (history)": self._history_transport}

    async def aclose(self) -> None:
        await super().aclose()
        if self._history_transport is not None:
            await self._history_transport.aclose()

    @property
    def nodeos(self) -> NodeosApi:
        return NodeosApi(self.transport, self.endpoint.url)

    @property
    def history(self) -> HyperionApi:
        if self._history_transport is not None:
            return HyperionApi(self._history_transport, self.options.history_url)
        return HyperionApi(self.transport, self.endpoint.url)

    # ---- snapshot hooks -------------------------------------------------------------------------------

    def expected_identity(self) -> str | None:
        return self.options.chain_id or self.network.params.get("chain_id_hex") or None

    async def chain_identity(self) -> str:
        return (await self.nodeos.info()).chain_id

    async def tip_height(self) -> int:
        return (await self.nodeos.info()).head

    async def block_hash(self, height: int) -> str | None:
        return await self.nodeos.block_id(height)

    async def final_height(self) -> int | None:
        return (await self.nodeos.info()).last_irreversible

    async def check_state(self, snapshot: Snapshot) -> None:
        """nodeos has no past state: the history after the snapshot must be complete, and the same chain's."""
        indexed = await self.history.health()
        expected = self.expected_identity()
        if indexed.chain_id and expected and indexed.chain_id.lower() != expected.lower():
            raise StateUnavailable(f"its history server indexes chain {indexed.chain_id}, not {expected}")
        if indexed.first_indexed > snapshot.height + 1:
            raise StateUnavailable(f"its history (Hyperion) starts at block {indexed.first_indexed}, after the "
                                   "snapshot, so balances cannot be rolled back to it")
        if indexed.missing_blocks:
            raise StateUnavailable(f"its history (Hyperion) misses {indexed.missing_blocks} blocks")
        self._indexed_to = max(self._indexed_to, indexed.last_indexed)

    # ---- reading --------------------------------------------------------------------------------------

    def batch_size(self) -> int:
        return max(1, min(self.endpoint.batch_size, self.options.group_size))

    async def read_batch(self, batch: Sequence[BalanceQuery], snapshot: Snapshot) -> Mapping[BalanceQuery, Balance]:
        answers = await self._read_group(batch, snapshot)
        pending = [q for q in batch if q not in answers]
        for _ in range(self.options.pin_rounds):
            if not pending:
                return answers
            # these accounts moved a token while it was read: again, one at a time, for a tighter pin
            for part in await asyncio.gather(*(self._read_group([q], snapshot) for q in pending)):
                answers.update(part)
            pending = [q for q in pending if q not in answers]
        for query in pending:
            answers[query] = Balance(None, self._method(query), f"account {query.address} moved the token while "
                                     f"it was read, {self.options.pin_rounds + 1} times: its block is ambiguous")
        return answers

    def _method(self, query: BalanceQuery) -> str:
        return self.method if query.contract is None else "eos-get_currency_balance"

    async def _read_group(self, group: Sequence[BalanceQuery], snapshot: Snapshot
                          ) -> dict[BalanceQuery, Balance]:
        """Answers for `group`; a token query whose pinned block is ambiguous is left out (read again)."""
        names = sorted({q.address for q in group})
        before = await self.nodeos.info()
        states = await asyncio.gather(*(self._account(name) for name in names))
        state_of = dict(zip(names, states, strict=True))
        token_queries = [q for q in group if q.contract is not None]
        token_reads = await asyncio.gather(*(self._token(q) for q in token_queries))
        after = await self.nodeos.info()
        pinned = [s.block for s in states if isinstance(s, AccountState)]
        last = max([after.head, *pinned])
        answers: dict[BalanceQuery, Balance] = {}
        ready = await self._history_ready(last)
        histories: dict[str, list[Action] | str] = {}
        if ready:
            found = await self._actions(group, names, snapshot.height + 1, last)
            for name in names:
                histories[name] = found if isinstance(found, str) else [
                    a for a in found if name in a.notified or name in a.actors]
        for query in group:
            state = state_of[query.address]
            history = histories[query.address] if ready else (
                f"the history server has not indexed block {last} after {self.options.history_wait_seconds:g} s")
            if query.contract is None:
                answers[query] = self._native(query, state, history, snapshot, after)
            else:
                read = token_reads[token_queries.index(query)]
                answer = self._token_answer(query, read, state, history, snapshot, before, after)
                if answer is not None:
                    answers[query] = answer
        return answers

    async def _account(self, name: str) -> AccountState | str:
        try:
            return await self.nodeos.account(name, f"{self.core_precision},{self.core_symbol}")
        except NoSuchAccount as exc:
            return f"missing: {exc}"
        except RequestError as exc:
            return f"get_account failed: {exc}"

    async def _token(self, query: BalanceQuery) -> _TokenRead:
        symbol, precision, contract = token_spec(query.contract or "")
        try:
            reply = await self.nodeos.currency_balance(contract, query.address, symbol)
            if not reply:
                return _TokenRead(0, "")  # no row in the contract's table: holds none
            if len(reply) != 1:
                raise EosApiError(f"get_currency_balance {symbol}@{contract}: {len(reply)} assets for one symbol")
            return _TokenRead(Asset.parse(reply[0], "get_currency_balance").expect(
                symbol, precision, f"get_currency_balance {query.address}"), "")
        except RequestError as exc:
            return _TokenRead(None, f"get_currency_balance failed: {exc}")

    async def _history_ready(self, block: int) -> bool:
        """Wait (bounded) until Hyperion has indexed `block`."""
        deadline = time.monotonic() + self.options.history_wait_seconds
        while self._indexed_to < block:
            self._indexed_to = max(self._indexed_to, (await self.history.health()).last_indexed)
            if self._indexed_to >= block:
                break
            if time.monotonic() >= deadline:
                return False
            await asyncio.sleep(0.25)
        return True

    async def _actions(self, group: Sequence[BalanceQuery], names: list[str], first: int, last: int
                       ) -> list[Action] | str:
        """The group's actions in blocks first..last, by global_sequence: token actions by notified account
        (transfers notify both sides), and by authorizer the ones that notify no holder: `issue`/`retire` (the
        issuer's balance) and `updateauth`/`deleteauth` (which notify only eosio)."""
        if last < first:
            return []
        contracts = sorted({self.core_contract if q.contract is None else token_spec(q.contract)[2] for q in group})
        notifying = [f"{c}:{name}" for c in contracts for name in TOKEN_ACTIONS]
        authorized = [f"{c}:{name}" for c in contracts for name in ("issue", "retire")] + list(AUTH_ACTIONS)
        size, pages = self.options.history_page_size, self.options.max_history_pages
        try:
            found = await self.history.actions(names, "notified", notifying, first, last, size, pages)
            found += await self.history.actions(names, "act.authorization.actor", authorized, first, last, size,
                                                pages)
        except RequestError as exc:
            return f"history (get_actions) failed: {exc}"
        return sorted({a.global_sequence: a for a in found}.values(), key=lambda a: a.global_sequence)

    # ---- answers --------------------------------------------------------------------------------------

    def _native(self, query: BalanceQuery, state: AccountState | str, history: list[Action] | str,
                snapshot: Snapshot, after: HeadInfo) -> Balance:
        if isinstance(state, str):
            return self._no_state(query, state, after)
        if state.block < snapshot.height:
            return Balance(None, self.method, f"get_account read block {state.block}, before the snapshot")
        if isinstance(history, str):
            return Balance(None, self.method, history)
        bound, note = self._binding(query, state, history, snapshot)
        method, pinned = f"{self.method}-rollback", state.block  # read at P = state.block, rolled back to S
        try:
            liquid = 0 if state.liquid is None else state.liquid.expect(
                self.core_symbol, self.core_precision, f"get_account {query.address} core_liquid_balance")
            undone = [a for a in history if a.block <= state.block]
            amount = balance_at_snapshot(liquid, query.address, self.core_contract, self.core_symbol,
                                         self.core_precision, undone)
        except (EosApiError, RollbackError) as exc:
            return Balance(None, method, str(exc), bound, note, read_at=pinned)
        detail = "; ".join(part for part in (f"{len(undone)} actions", self._staked(state)) if part)
        return Balance(amount, method, "", bound, note, read_at=pinned, note=detail)

    def _token_answer(self, query: BalanceQuery, read: _TokenRead, state: AccountState | str,
                      history: list[Action] | str, snapshot: Snapshot, before: HeadInfo, after: HeadInfo
                      ) -> Balance | None:
        method = "eos-get_currency_balance"
        if isinstance(state, str):
            return self._no_state(query, state, after)
        if read.amount is None:
            return Balance(None, method, read.error)
        if isinstance(history, str):
            return Balance(None, method, history)
        symbol, precision, contract = token_spec(query.contract or "")
        mine = [a for a in history if a.contract == contract]
        if any(before.head < a.block <= after.head and _moves(a, symbol) for a in mine):
            return None  # the read's block is somewhere in before..after, and the balance moved there
        bound, note = self._binding(query, state, history, snapshot)
        undone = [a for a in mine if a.block <= after.head]
        try:
            amount = balance_at_snapshot(read.amount, query.address, contract, symbol, precision, undone)
        except (EosApiError, RollbackError) as exc:
            return Balance(None, f"{method}-rollback", str(exc), bound, note, read_at=after.head)
        return Balance(amount, f"{method}-rollback", "", bound, note, read_at=after.head,
                       note=f"{len(undone)} actions")

    def _no_state(self, query: BalanceQuery, state: str, after: HeadInfo) -> Balance:
        method = self._method(query)
        if state.startswith("missing: "):
            # an account cannot be deleted: missing now, it did not exist at the snapshot either
            note = f"account {query.address!r} does not exist on the chain (block {after.head})"
            bound = False if isinstance(query.detail, EosKeyDetail) else None
            return Balance(0, method, "", bound, note, read_at=after.head, note="no such account")
        return Balance(None, method, state)

    def _binding(self, query: BalanceQuery, state: AccountState, history: list[Action], snapshot: Snapshot
                 ) -> tuple[bool | None, str]:
        detail = query.detail
        if not isinstance(detail, EosKeyDetail):
            return None, ""
        changed: dict[str, int] = {}  # permission -> first block after the snapshot that changed it
        for action in history:
            if f"{action.contract}:{action.name}" in AUTH_ACTIONS and action.block <= state.block \
                    and action.data.get("account") == state.name:
                changed.setdefault(str(action.data.get("permission")), action.block)
        wanted = keys.parse_public_key(detail.key)
        partial = ""
        for name in BOUND_PERMISSIONS:
            authority = state.permissions.get(name)
            if authority is None or name in changed:  # a changed permission at P says nothing of S
                continue
            for text, weight in authority.keys.items():
                try:
                    same = keys.parse_public_key(text) == wanted
                except ValueError:
                    continue
                if same and weight >= authority.threshold:
                    return True, (f"key {detail.key!r} is in account {state.name!r}'s {name} permission at block "
                                  f"{state.block} (weight {weight}, threshold {authority.threshold}; unchanged "
                                  f"since the snapshot {snapshot.height})")
                if same:
                    partial = (f"; it holds weight {weight} of threshold {authority.threshold} in {name}, not "
                               "enough alone")
        touched = sorted(p for p in changed if p in BOUND_PERMISSIONS)
        if touched:
            which = " and ".join(f"{p} (block {changed[p]})" for p in touched)
            return None, (f"account {state.name!r}'s {which} permission changed after the snapshot "
                          f"{snapshot.height}: its keys at block {state.block} are not the snapshot's, so whether "
                          f"key {detail.key!r} controlled it then is not decided")
        return False, (f"key {detail.key!r} does not control account {state.name!r}: not in its owner or active "
                       f"permission at block {state.block}{partial}")

    def _staked(self, state: AccountState) -> str:
        parts = []
        for label, asset in (("cpu", state.staked_cpu), ("net", state.staked_net), ("refunding", state.refunding)):
            if asset is not None and asset.amount:
                parts.append(f"{label} {_text(asset)}")
        if not parts:
            return ""
        return f"staked at block {state.block}, not counted: {', '.join(parts)}"


def _moves(action: Action, symbol: str) -> bool:
    quantity = action.data.get("quantity")
    return action.name in ("transfer", "issue", "retire") and isinstance(quantity, str) and \
        quantity.strip().endswith(f" {symbol}")


def _text(asset: Asset) -> str:
    if not asset.precision:
        return f"{asset.amount} {asset.symbol}"
    whole, fraction = divmod(asset.amount, 10 ** asset.precision)
    return f"{whole}.{fraction:0{asset.precision}d} {asset.symbol}"
