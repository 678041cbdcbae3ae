"""Solana balances at a snapshot slot, over the JSON-RPC API of an RPC node with transaction history.

Solana's RPC reads account state only at its newest slots, so a balance at snapshot slot S is read at a pinned
slot P >= S and rolled back with the account's own transactions after S (solana.com/docs/rpc):

1. SOL: `getMultipleAccounts` (100 keys per call, `minContextSlot` = S) answers at its `context.slot` = P: each
   account's lamports and owning program. A stake or vote account is not read (see below).
   SPL tokens: `getTokenAccountsByOwner(owner, {mint})` (jsonParsed, `minContextSlot`) lists every token account
   of that owner and mint, of the Token or the Token-2022 program (the RPC picks the mint's program), with its
   amount at that reply's own context slot.
2. Roll-back: `getSignaturesForAddress(account)` pages back (newest first, `before` = the last signature of the
   previous page) until a transaction at or below S, giving the first transaction after S that touched the
   account. If there is none, or it lies after the pinned slot, nothing changed the account between S and the
   pin: the figure read is the one at S. Otherwise `getTransaction` gives the account's balance just before that
   transaction: `meta.preBalances` for lamports, `meta.preTokenBalances` (0 if the account was no token account,
   or another owner's, then). Failed transactions appear too: they charged fees, and their pre-balances hold.
3. Token accounts closed or handed to another owner between S and the pin are found in the owner's own
   transactions after S (closing or re-assigning needs its signature) and rolled back too
   (`find_closed_token_accounts`).
4. `balances.csv` says which: method `getMultipleAccounts` (no transaction in between) or
   `getMultipleAccounts-rollback` (the note names each pre-balance used), read at P, and the same for
   `getTokenAccountsByOwner` (the note also counts the token accounts).

The snapshot: identity is `getGenesisHash`; the tip `getSlot`; block S's hash from `getBlock` (no transactions).
A skipped slot has no block and no transactions: the state at S is the state after the last block before it, so
its hash is that block's (found with `getBlocks`), said in the snapshot's hash text. A node whose ledger starts
after S (`getFirstAvailableBlock`) cannot give the transactions after S: refused (NO_STATE) before any read, and
a transaction it cannot return later leaves its row unread, never read at the tip.

Stake and vote accounts are out of scope: their lamports change at epoch boundaries (rewards) without a
transaction, so no roll-back can recover them; such a row is left unread, saying so. A SOL row whose address is
the withdraw authority of stake accounts (`getProgramAccounts` on the Stake program, `find_stake_accounts`) keeps
its own exact figure and gets a note counting them and their lamports at the reply's slot: not counted.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from chains.base import (
    Balance,
    BalanceAdapter,
    BalanceQuery,
    Endpoint,
    Network,
    RequestEstimate,
    RequestProblem,
    Snapshot,
    StateUnavailable,
)
from chains.solana import rpc
from chains.solana.options import SolanaOptions
from chains.transport import JsonRpcClient, JsonRpcError

SKIPPED = (rpc.SLOT_SKIPPED, rpc.LONG_TERM_STORAGE_SLOT_SKIPPED)
MISSING = (rpc.BLOCK_CLEANED_UP, rpc.BLOCK_NOT_AVAILABLE, rpc.TRANSACTION_HISTORY_NOT_AVAILABLE)
OUT_OF_SCOPE = {rpc.STAKE_PROGRAM: "a stake account", rpc.VOTE_PROGRAM: "a vote account"}


@dataclass(frozen=True, slots=True)
class _Holding:
    """An account whose figure at `pin` must be rolled back to the snapshot: a wallet's lamports, or a token
    account's amount of `mint` for `owner`."""

    account: str
    tip: int
    pin: int
    owner: str = ""
    mint: str = ""  # "" for lamports


@dataclass(frozen=True, slots=True)
class _Read:
    """How a row's holdings were found: the call, the pin slot it answered at, a note ("2 accounts")."""

    method: str
    pin: int
    note: str = ""

    def balance(self, snapshot: int, amount: int | None, error: str = "", rollback: Sequence[str] = ()) -> Balance:
        """The row's Balance; `rollback`: the notes of the pre-balances used (none: the pin's figure stood)."""
        notes = [n for n in (self.note, *rollback) if n]
        return Balance(amount, self.method + ("-rollback" if rollback else ""), error,
                       read_at=None if self.pin == snapshot else self.pin, note="; ".join(notes))


@dataclass(frozen=True, slots=True)
class _Rolled:
    amount: int | None
    note: str  # "" when nothing moved between the snapshot and the pin
    error: str = ""


def _sol(lamports: int) -> str:
    """Lamports as exact SOL text (9 decimals, trailing zeros dropped)."""
    whole, fraction = divmod(lamports, 10**9)
    return f"{whole}.{fraction:09d}".rstrip("0").rstrip(".")


class SolanaBalanceAdapter(BalanceAdapter):
    options_type = SolanaOptions
    method = "getMultipleAccounts"
    identity_name = "genesis hash"
    max_batch = 100  # getMultipleAccounts takes at most 100 keys

    def __init__(self, network: Network, endpoint: Endpoint) -> None:
        super().__init__(network, endpoint)
        self._client: JsonRpcClient | None = None

    @property
    def client(self) -> JsonRpcClient:
        if self._client is None:
            self._client = JsonRpcClient(self.transport, self.endpoint.url)
        return self._client

    def _config(self, **extra: Any) -> dict[str, Any]:
        return {"commitment": self.options.commitment, **extra}

    # ---- snapshot hooks -------------------------------------------------------------------------------

    def expected_identity(self) -> str | None:
        genesis = self.network.params.get("genesis_hash")
        return str(genesis) if genesis else None

    async def chain_identity(self) -> str:
        return str(await self.client.call("getGenesisHash"))

    async def tip_height(self) -> int:
        slot = await self.client.call("getSlot", [self._config()])
        if isinstance(slot, bool) or not isinstance(slot, int):
            raise ValueError(f"getSlot answered {str(slot)[:60]!r}")
        return slot

    async def block_hash(self, height: int) -> str | None:
        try:
            return await self._blockhash(height)
        except JsonRpcError as exc:
            if exc.code in MISSING:
                return None
            if exc.code not in SKIPPED:
                raise
        # A skipped slot: the state at it is the state after the last block before it.
        start = max(0, height - self.options.skipped_slot_lookback)
        produced = await self.client.call("getBlocks", [start, height, self._config()])
        if not isinstance(produced, list) or not produced:
            return None
        previous = max(int(s) for s in produced)
        try:
            return f"{await self._blockhash(previous)} (slot {height} skipped: block of slot {previous})"
        except JsonRpcError as exc:
            if exc.code in MISSING:
                return None
            raise

    async def _blockhash(self, slot: int) -> str:
        config = self._config(encoding="json", transactionDetails="none", rewards=False,
                              maxSupportedTransactionVersion=0)
        block = await self.client.call("getBlock", [slot, config])
        if not isinstance(block, Mapping) or not isinstance(block.get("blockhash"), str):
            raise ValueError(f"getBlock {slot}: no blockhash in {str(block)[:120]}")
        return str(block["blockhash"])

    async def check_state(self, snapshot: Snapshot) -> None:
        first = await self.client.call("getFirstAvailableBlock")
        if isinstance(first, bool) or not isinstance(first, int):
            raise ValueError(f"getFirstAvailableBlock answered {str(first)[:60]!r}")
        if first > snapshot.height:
            raise StateUnavailable(f"its ledger starts at slot {first}; rolling balances back to slot "
                                   f"{snapshot.height} needs every transaction after it")

    # ---- cost model ---------------------------------------------------------------------------------------

    def estimate_snapshot_requests(self) -> RequestEstimate:
        """getGenesisHash (when the registry names one) + getSlot + getBlock S + getFirstAvailableBlock; a skipped
        slot S adds getBlocks and getBlock of the block before it."""
        fixed = (1 if self.expected_identity() is not None else 0) + 3
        return RequestEstimate(fixed, fixed + 2, "identity, tip, block, first available block")

    def estimate_requests(self, queries: Sequence[BalanceQuery]) -> RequestEstimate:
        """Per batch of up to 100 rows (b = rpc_batch calls per HTTP request): 1 getMultipleAccounts for its SOL
        rows; with find_stake_accounts ceil(SOL owners / b) getProgramAccounts; ceil(token rows / b)
        getTokenAccountsByOwner; with find_closed_token_accounts ceil(token owners / b)
        getSignaturesForAddress pages; ceil(SOL accounts / b) signature pages for the roll-back at least. More
        pages for busy accounts, and getTransaction per account that moved, and per listed token account: no
        upper bound in advance. + 1 block re-check."""
        rb = max(1, self.options.rpc_batch)
        size = self.batch_size()
        low = 1
        for start in range(0, len(queries), size):
            batch = queries[start : start + size]
            owners = len({q.address for q in batch if q.contract is None})
            tokens = [q for q in batch if q.contract is not None]
            low += (1 + -(-owners // rb)) if owners else 0
            low += -(-owners // rb) if owners and self.options.find_stake_accounts else 0
            low += -(-len(tokens) // rb)
            if tokens and self.options.find_closed_token_accounts:
                low += -(-len({q.address for q in tokens}) // rb)
        return RequestEstimate(low, None, f"{self.batches(len(queries))} batches of {size}: account reads, "
                               "signature pages and pre-balances of what moved + 1 re-check")

    # ---- reads ------------------------------------------------------------------------------------------

    async def read_batch(self, batch: Sequence[BalanceQuery], snapshot: Snapshot) -> Mapping[BalanceQuery, Balance]:
        height = snapshot.height
        results: dict[BalanceQuery, Balance] = {}
        holdings: dict[BalanceQuery, list[_Holding]] = {}
        methods: dict[BalanceQuery, _Read] = {}
        native = [q for q in batch if q.contract is None]
        tokens = [q for q in batch if q.contract is not None]
        if native:
            owners = list(dict.fromkeys(q.address for q in native))
            config = self._config(encoding="base64", dataSlice={"offset": 0, "length": 0}, minContextSlot=height)
            try:
                pin, infos = rpc.accounts(await self.client.call("getMultipleAccounts", [owners, config]), len(owners))
            except (rpc.ReplyError, RequestProblem) as exc:  # the token rows of the batch are still read
                results.update({q: Balance(None, self.method, str(exc)) for q in native})
            else:
                by_owner = dict(zip(owners, infos, strict=True))
                for query in native:
                    info = by_owner[query.address]
                    if isinstance(info, rpc.ReplyError):
                        results[query] = Balance(None, self.method, str(info))
                        continue
                    what = OUT_OF_SCOPE.get(info.owner) if info else None
                    if what:
                        results[query] = Balance(None, self.method, f"{query.address} is {what}: stake and vote "
                                                 "accounts are out of scope (rewards change them without a "
                                                 "transaction, so no roll-back can reach the snapshot)")
                        continue
                    holdings[query] = [_Holding(query.address, info.lamports if info else 0, pin)]
                    methods[query] = _Read("getMultipleAccounts", pin)
                if self.options.find_stake_accounts:
                    wallets = [q for q in native if q in methods]
                    notes = await self._stake_notes(list(dict.fromkeys(q.address for q in wallets)), height)
                    for query in wallets:
                        methods[query] = replace(methods[query], note=notes[query.address])
        if tokens:
            pins = await self._token_holdings(tokens, height, results, holdings, methods)
            if self.options.find_closed_token_accounts and pins:
                await self._closed_token_accounts(pins, height, results, holdings, methods)
        rolled = await self._roll_back([h for hs in holdings.values() for h in hs], height)
        for query, held in holdings.items():
            parts = [rolled[h] for h in held]
            errors = [p.error for p in parts if p.error]
            notes = [p.note for p in parts if p.note]
            if errors:
                results[query] = methods[query].balance(height, None, "; ".join(errors), notes)
            else:
                results[query] = methods[query].balance(height, sum(p.amount or 0 for p in parts), "", notes)
        return results

    async def _stake_notes(self, owners: list[str], height: int) -> dict[str, str]:
        """Per owner, the note on the stake accounts whose withdraw authority it is ("" when none): they are not
        counted (stake accounts are out of scope), only said. A provider refusing getProgramAccounts (many do)
        leaves the note "stake accounts not checked", never the row unread: its own lamports are still exact."""
        config = self._config(encoding="base64", dataSlice={"offset": 0, "length": 0}, withContext=True,
                              minContextSlot=height)
        calls = [("getProgramAccounts", [rpc.STAKE_PROGRAM, {**config, "filters": [
            {"dataSize": rpc.STAKE_ACCOUNT_SIZE},
            {"memcmp": {"offset": rpc.STAKE_WITHDRAWER_OFFSET, "bytes": owner}}]}]) for owner in owners]
        notes: dict[str, str] = {}
        for owner, reply in zip(owners, await self._batch(calls), strict=True):
            try:
                if isinstance(reply, Exception):
                    raise rpc.ReplyError(str(reply))
                slot, found = rpc.stake_accounts(reply)
            except rpc.ReplyError as exc:
                notes[owner] = f"stake accounts not checked: {exc}"
                continue
            lamports = sum(a.lamports for a in found)
            notes[owner] = (f"owns {len(found)} stake account(s) holding {_sol(lamports)} SOL at slot {slot}: not "
                            "counted (stake accounts are out of scope)") if found else ""
        return notes

    async def _token_holdings(self, tokens: list[BalanceQuery], height: int, results: dict[BalanceQuery, Balance],
                              holdings: dict[BalanceQuery, list[_Holding]], methods: dict[BalanceQuery, _Read]
                              ) -> dict[BalanceQuery, int]:
        """Each token row's accounts at the reply's context slot; returns those slots (the rows' pins)."""
        pins: dict[BalanceQuery, int] = {}
        calls = [("getTokenAccountsByOwner",
                  [q.address, {"mint": q.contract}, self._config(encoding="jsonParsed", minContextSlot=height)])
                 for q in tokens]
        for query, reply in zip(tokens, await self._batch(calls), strict=True):
            method = "getTokenAccountsByOwner"
            if isinstance(reply, Exception):
                results[query] = Balance(None, method, str(reply))
                continue
            try:
                pin, found = rpc.token_accounts(reply, query.address, str(query.contract))
            except rpc.ReplyError as exc:
                results[query] = Balance(None, method, str(exc))
                continue
            holdings[query] = [_Holding(a.pubkey, a.amount, pin, query.address, str(query.contract)) for a in found]
            methods[query] = _Read(method, pin, f"{len(found)} accounts")
            pins[query] = pin
        return pins

    async def _closed_token_accounts(self, pins: dict[BalanceQuery, int], height: int,
                                     results: dict[BalanceQuery, Balance], holdings: dict[BalanceQuery, list[_Holding]],
                                     methods: dict[BalanceQuery, _Read]) -> None:
        """Token accounts the owner held at the snapshot but that were closed, or handed to another owner, before
        the pin: `getTokenAccountsByOwner` no longer lists them. Closing an account or changing its owner needs the
        owner's signature (its default close authority), so they appear in the owner's own transactions after the
        snapshot: every one of those is read, and each token account it names as the owner's, of the row's mint,
        is rolled back like the listed ones (from 0 at the pin)."""
        tokens = list(pins)
        keys = list(dict.fromkeys((q.address, pins[q]) for q in tokens))
        histories = await self._history_after(keys, height)
        signatures: dict[str, rpc.SignatureInfo] = {}
        for (_, pin), history in histories.items():
            if isinstance(history, list):
                signatures.update({s.signature: s for s in history if s.slot <= pin})
        config = self._config(encoding="json", maxSupportedTransactionVersion=0)
        listed = list(signatures.values())
        replies = dict(zip((s.signature for s in listed), await self._batch(
            [("getTransaction", [s.signature, config]) for s in listed]), strict=True))

        def accounts_in(signature: rpc.SignatureInfo, owner: str, mint: str) -> set[str]:
            reply = replies[signature.signature]
            if isinstance(reply, Exception):
                raise rpc.ReplyError(f"getTransaction {signature.signature}: {reply}")
            return rpc.token_accounts_of(reply, signature, owner, mint)

        for query in tokens:
            key = (query.address, pins[query])
            history = histories[key]
            if isinstance(history, str):
                results[query] = methods[query].balance(height, None, f"the owner's transactions after the snapshot "
                                                        f"(for token accounts closed since): {history}")
                del holdings[query]
                continue
            known = {h.account for h in holdings[query]}
            try:
                found = {account for s in history if s.slot <= pins[query]
                         for account in accounts_in(s, query.address, str(query.contract))}
            except rpc.ReplyError as exc:
                results[query] = methods[query].balance(height, None,
                                                        f"the owner's transactions after the snapshot: {exc}")
                del holdings[query]
                continue
            gone = sorted(found - known)
            holdings[query] += [_Holding(a, 0, pins[query], query.address, str(query.contract)) for a in gone]
            if gone:
                methods[query] = replace(methods[query], note=f"{methods[query].note}, {len(gone)} closed or handed "
                                                                      "over since")

    async def _batch(self, calls: Sequence[tuple[str, Sequence[Any]]]) -> list[Any]:
        """Results in call order; a failed call (or its whole HTTP request) gives its exception in place."""
        size = self.options.rpc_batch

        async def chunk(part: Sequence[tuple[str, Sequence[Any]]]) -> list[Any]:
            try:
                if size == 1:
                    return [await self.client.call(*part[0])]
                return await self.client.batch(part)
            except RequestProblem as exc:
                return [exc] * len(part)

        parts = await asyncio.gather(*(chunk(calls[i : i + size]) for i in range(0, len(calls), size)))
        return [result for part in parts for result in part]

    async def _roll_back(self, held: list[_Holding], height: int) -> dict[_Holding, _Rolled]:
        histories = await self._history_after(list(dict.fromkeys((h.account, h.pin) for h in held)), height)
        rolled: dict[_Holding, _Rolled] = {}
        fetch: list[tuple[_Holding, rpc.SignatureInfo]] = []
        for holding in held:
            history = histories[(holding.account, holding.pin)]
            if isinstance(history, str):
                rolled[holding] = _Rolled(None, "", f"{holding.account}: transactions after the snapshot: {history}")
                continue
            first = history[-1] if history else None  # the oldest after the snapshot
            if first is None or first.slot > holding.pin:
                rolled[holding] = _Rolled(holding.tip, "")  # nothing touched it between the snapshot and the pin
            else:
                fetch.append((holding, first))
        config = self._config(encoding="json", maxSupportedTransactionVersion=0)
        replies = await self._batch([("getTransaction", [first.signature, config]) for _, first in fetch])
        for (holding, first), reply in zip(fetch, replies, strict=True):
            note = f"pre-balance of {first.signature[:12]}… at slot {first.slot}"
            try:
                if isinstance(reply, Exception):
                    raise rpc.ReplyError(f"getTransaction {first.signature}: {reply}")
                if holding.mint:
                    amount = rpc.pre_token_amount(reply, first, holding.account, holding.owner, holding.mint)
                else:
                    amount = rpc.pre_lamports(reply, first, holding.account)
            except rpc.ReplyError as exc:
                rolled[holding] = _Rolled(None, note, str(exc))
            else:
                rolled[holding] = _Rolled(amount, note)
        return rolled

    async def _history_after(
        self, accounts: list[tuple[str, int]], height: int
    ) -> dict[tuple[str, int], list[rpc.SignatureInfo] | str]:
        """Per (account, pin): every transaction after slot `height` that touched it, newest first, or why they
        could not be listed. Pages of all accounts go out together, one JSON-RPC batch per round."""
        page = self.options.signatures_page
        found: dict[tuple[str, int], list[rpc.SignatureInfo] | str] = {}
        after: dict[tuple[str, int], list[rpc.SignatureInfo]] = {key: [] for key in accounts}
        before: dict[tuple[str, int], str] = {}
        pending = list(accounts)
        for _ in range(self.options.max_signature_pages):
            if not pending:
                break
            calls = []
            for account, pin in pending:
                config = self._config(limit=page, minContextSlot=pin)
                if (account, pin) in before:
                    config["before"] = before[(account, pin)]
                calls.append(("getSignaturesForAddress", [account, config]))
            replies = await self._batch(calls)
            still = []
            for key, reply in zip(pending, replies, strict=True):
                try:
                    if isinstance(reply, Exception):
                        raise rpc.ReplyError(str(reply))
                    entries = rpc.signatures(reply)
                except rpc.ReplyError as exc:
                    found[key] = str(exc)
                    continue
                later = [e for e in entries if e.slot > height]
                after[key] += later
                if len(later) < len(entries) or len(entries) < page:  # reached the snapshot, or the history's start
                    found[key] = after[key]
                else:
                    before[key] = entries[-1].signature
                    still.append(key)
            pending = still
        for key in pending:
            found[key] = (f"more than {self.options.max_signature_pages} pages of {page} transactions after the "
                          "snapshot (raise max_signature_pages)")
        return found
