"""TRON balances at the snapshot block through the java-tron HTTP API (a FullNode, or TronGrid).

Two ways, per kind (TRX, TRC-20) and per run, as the `rollback` option says ("accounts", "blocks") or, by
default ("auto"), whichever costs fewer requests for the blocks since the snapshot (`_scan_pays`).

Per account. TRX: `/wallet/getaccountbalance` at block H (hash and number from `/wallet/getblockbynum`), one
request per account. It needs a node started with `storage.balance.history.lookup = true`; a node without it
does not fail but answers 0 for every account, so `snapshot` asks `/wallet/getblockbalance` for block H's balance
trace, which such a node does not have (ItemNotFoundException), and refuses the endpoint (DataSourceError) instead
of reporting zero reserves. Optionally `history_probe_address`, an account known to hold TRX at H, must read
non-zero. TRC-20: contract state cannot be read at a past block on TRON, so each balance is read at the tip with
`triggerconstantcontract balanceOf(address)` and rolled back to H with the token's Transfer events after H
(chains.tron.rollback), one TronGrid history request (or more pages) per account. With a Multicall contract (the
registry's `multicall`, or the `multicall` option), a whole group's balanceOf go in one constant call of its
`aggregate`, executed on one state: one request per `batch_size` balances instead of one per balance (a group
whose aggregate fails is read one by one). The tip reads and the events must cover exactly the same blocks, or a
transfer is counted twice or missed:

1. Tip reads run in groups, each between two reads of the head: `before` (head read before the group's
   first request; the previous group's `after`) and `after` (read once every balanceOf of the group has
   answered). A node's head only moves forward, so each balance is the state after some block T with
   before <= T <= after.
2. The events fetched for an account are those in blocks H < b <= after (by block timestamp: TRON blocks
   have distinct timestamps, 3 s apart; TronGrid lists events by block_timestamp, not number).
3. If one of them lies in before < b <= after, T is ambiguous: the account is read again in a later round,
   alone, (up to `pin_rounds` times, then it gets an error, never a guess). Otherwise no transfer happened
   in (before, after] and balance(H) = balance(T) - received + sent over the listed events exactly.

In batches with a block scan. TRX balances are read at the tip too, by the Multicall's own
`getEthBalance(address)` (the TVM's BALANCE opcode: the TRX balance in sun) inside the same `aggregate` calls as
the TRC-20 balanceOf, in the same groups between two head reads (so each is the balance after some T with
H <= before <= T <= after; the registry's Multicall, bolpol/tron-multicall, has getEthBalance; should an aggregate
fail on it, TRX goes per account for the rest of the run and the group's TRC-20 rows are asked again without
it). Then each block of (H, after] (after: the last group's) is read once, for all
accounts: `/wallet/getblockbynum` (its hash and transaction count), and for a block with transactions
`/wallet/getblockbalance` (every TRX balance change of its transactions: transfers, fees, internal transfers)
and `/wallet/gettransactioninfobyblocknum` (its TransactionInfo, one per transaction, with every log, internal
calls' included: the TRC-20 Transfer(from, to, value) logs). An account that no block of (H, after] names has
balance(T) = balance(H): the batch value stands ("multicall-getEthBalance" / "trc20-balanceOf-unmoved", note
"unchanged since block H"). An account that is named is read per account as above: TRX with getaccountbalance
at H, TRC-20 rolled back with its own history (re-read alone when a transfer fell inside its read). A block
that cannot be read, or whose trace or TransactionInfo list is not that block's (another block's identifier,
not one TransactionInfo per transaction), sends every account of that kind to the per-account path: nothing is
concluded from a gap. The scan costs ~2-3 requests a block (blocks are 3 s apart: an hour is 1,200 blocks, a
day 28,800), per account ~1 request: "auto" scans while the lag is short next to the number of accounts.
Limits of the scan: java-tron's block trace records the balance changes made inside transactions; a balance
change outside any (none is known on mainnet: block rewards go to `allowance` and are withdrawn by a
transaction) would not name its account. A token balance that changes without a Transfer log (USDT's
`issue`/`redeem`/`destroyBlackFunds`) is invisible to the scan as it is to the event roll-back.

With `confirmed` (the default) heads and tip reads come from `/walletsolidity/*` (irreversible blocks) and
events are `only_confirmed`, so a fork cannot remove a counted transfer (the scanned blocks are at or below the
solidified head). The event query waits until `events_settle_seconds` after `after`'s block time so the event
index has caught up with it. Behind a load balancer (TronGrid), successive requests may hit nodes at slightly
different heads; point the endpoint at one node when exactness matters for busy accounts.

The roll-back is only as complete as the event source: a TRC-20 history that misses a transfer gives a
wrong figure (a negative result is caught and reported as an error, a too-high one is not). TronGrid's
per-account history has been reported to drop events (TRON-US/trongrid#16); for busy accounts prefer an
event service you run, through `events_url`. Per-account history is used rather than the contract's event
stream (`/v1/contracts/{contract}/events`) because USDT emits millions of Transfer events a day.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from chains.base import (
    Balance,
    BalanceAdapter,
    BalanceQuery,
    Endpoint,
    Network,
    Refusal,
    RequestEstimate,
    Snapshot,
    StateUnavailable,
    Transport,
)
from chains.transport import HttpTransport, RequestError, display_url
from chains.tron import addresses
from chains.tron.api import BlockRef, TronApiError, TronHttpApi
from chains.tron.options import TronOptions
from chains.tron.rollback import RollbackError, balance_before

HISTORY_HINT = (
    "TRX balances at a past block need a FullNode running with storage.balance.history.lookup = true "
    "(--history-balance-lookup) since before the snapshot"
)
ROLLBACK_METHOD = "trc20-balanceOf-rollback"  # balanceOf at a later block, rolled back with the transfers since
EMPTY_BLOCK_LOOKBACK = 20  # blocks without transactions may have no balance trace: check an earlier one
TRX_BATCH_METHOD = "multicall-getEthBalance"  # read after the snapshot, no balance change since (block scan)
TRC20_BATCH_METHOD = "trc20-balanceOf-unmoved"  # read after the snapshot, no Transfer since (block scan)
SCAN_REQUESTS_PER_BLOCK = 2  # getblockbynum + getblockbalance (TRX) or gettransactioninfobyblocknum (TRC-20)
SCAN_WINDOW_PER_CONNECTION = 8  # blocks asked at once in a scan, per allowed connection


@dataclass(frozen=True, slots=True)
class _TipRead:
    """A balanceOf answer and the head reads around it."""

    query: BalanceQuery
    amount: int | None
    error: str
    before: BlockRef
    after: BlockRef


@dataclass(slots=True)
class _Scanned:
    """What the blocks snapshot+1..top said about one kind: the accounts (TRX) or (contract, account) pairs
    (TRC-20) they name, or None once a block could not be read (then that kind is read per account)."""

    top: int
    movers: set[Any] | None


class TronBalanceAdapter(BalanceAdapter):
    options_type = TronOptions
    options: TronOptions
    method = "getaccountbalance"
    identity_name = "genesis block id"

    def __init__(self, network: Network, endpoint: Endpoint) -> None:
        super().__init__(network, endpoint)
        self._events_transport: HttpTransport | None = None
        self._api_client: TronHttpApi | None = None
        self._blocks: dict[int, BlockRef] = {}  # the block each snapshot height was checked at
        # per (snapshot height, "trx" | "trc20"): who moved in the blocks scanned so far, kept across the reads of a
        # run's chunks so each block is scanned once
        self._scans: dict[tuple[int, str], _Scanned] = {}
        self._scan_lock = asyncio.Lock()
        self._eth_balance_works = True  # False once an aggregate with getEthBalance calls failed

    def open_transport(self) -> HttpTransport:
        transport = HttpTransport(self.endpoint)
        if self.options.events_url:
            self._events_transport = HttpTransport(replace(self.endpoint, url=self.options.events_url))
        self._api_client = TronHttpApi(
            transport,
            self.endpoint.url,
            solidity_url=self.options.solidity_url or None,
            events_transport=self._events_transport,
            events_url=self.options.events_url or None,
        )
        return transport

    def _api(self) -> TronHttpApi:
        if self._api_client is None:
            raise RuntimeError("TronBalanceAdapter used outside `async with`: the transport is not open")
        return self._api_client

    @property
    def requests_sent(self) -> int:
        return super().requests_sent + (self._events_transport.requests_sent if self._events_transport else 0)

    def extra_transports(self) -> dict[str, Transport]:
        if self._events_transport is None or not self.options.events_url:
            return {}
        return {f"{display_url(self.options.events_url)} (events)": self._events_transport}

    # ---- cost model -------------------------------------------------------------------------------

    def estimate_snapshot_requests(self) -> RequestEstimate:
        """getblockbynum 0 (when a genesis id is expected) + getnowblock + getblockbynum H + the solidified head
        (with `confirmed`) + getblockbalance (with `check_history`; up to 20 earlier blocks looked at first when
        the snapshot block has no transaction) + getaccountbalance of the history probe (when set)."""
        fixed = (1 if self.expected_identity() is not None else 0) + 2 + (1 if self.options.confirmed else 0)
        if self.options.check_history:
            fixed += 1 + (1 if self.options.history_probe_address else 0)
        lookback = EMPTY_BLOCK_LOOKBACK - 1 if self.options.check_history else 0
        return RequestEstimate(fixed, fixed + lookback, "identity, tip, block, solid head, history check")

    def estimate_requests(self, queries: Sequence[BalanceQuery]) -> RequestEstimate:
        """Per account (`rollback = "accounts"`, or what `auto` picks when the scan would cost more): TRX one
        getaccountbalance each (the API reads one account per call); TRC-20, m balances, 1 head read +
        ceil(m / group) head reads + the balances (ceil(m / group) Multicall aggregates of `batch_size`, or m
        balanceOf without one; a failed aggregate is asked again one by one) + m event pages at least (one per
        account; more for an account with more than `events_page_size` transfers since the snapshot, and a
        further round, alone, for an account whose transfers landed while it was read). + 1 re-check.

        In batches (`rollback = "blocks"`, or `auto` when it costs less): TRX joins the TRC-20 groups
        (getEthBalance in the same aggregates; without TRC-20, 1 + groups head reads), then per block since the
        snapshot (B blocks up to the last group's head): getblockbynum, and for a block with transactions
        getblockbalance (TRX) and gettransactioninfobyblocknum (TRC-20); then getaccountbalance for each TRX
        account and an event page for each TRC-20 account the scan names. The plan cannot know B nor who moves:
        `low` is the figure with nobody moving and B = 0 (a snapshot at the head), which also decides `auto`
        here; the run decides it again with the real B."""
        native = sum(1 for query in queries if query.contract is None)
        tokens = len(queries) - native
        scan_trx = self._scan_pays(native, 0, trx=True)
        scan_tokens = self._scan_pays(tokens, 0, trx=False)
        tips = tokens + (native if scan_trx else 0)
        per_account_trx = 0 if scan_trx else native
        low = per_account_trx + 1
        formula = f"{per_account_trx} TRX reads + 1 re-check"
        if tips:
            group = self._group(0)
            groups = -(-tips // group)
            heads = 1 + groups
            batched = self._multicall() is not None and (group > 1 or scan_trx)
            reads = groups if batched else tips
            pages = 0 if scan_tokens else tokens
            low += heads + reads + pages
            kind = "Multicall aggregates" if batched else "balanceOf"
            what = "TRX and TRC-20" if scan_trx and tokens else "TRX" if scan_trx else "TRC-20"
            formula += f" + {heads} head reads + {reads} {kind} ({what})"
            if pages:
                formula += f" + {pages} event pages or more"
        elif native and self._trx_batchable() and self.options.rollback == "auto":
            low += 1  # the head read that tells how many blocks a scan would cost
            formula += " + 1 head read"
        if scan_trx or scan_tokens:
            per_block = "1 + 1 if it has transactions" if not (scan_trx and scan_tokens) else "1 + 2 if it has " \
                "transactions"
            formula += (f" + per block since the snapshot: {per_block}; + per account that moved since: "
                        "getaccountbalance (TRX) or event pages (TRC-20)")
        unbounded = bool(tokens) or scan_trx
        return RequestEstimate(low, None if unbounded else low, formula)

    async def aclose(self) -> None:
        await super().aclose()
        if self._events_transport is not None:
            await self._events_transport.aclose()

    # ---- snapshot hooks ---------------------------------------------------------------------------

    def expected_identity(self) -> str | None:
        expected = self.options.genesis_hash or self.network.params.get("genesis_block_id")
        return str(expected).lower() if expected else None

    async def chain_identity(self) -> str:
        genesis = await self._api().block_by_num(0)
        return genesis.block_id if genesis else "missing"

    async def tip_height(self) -> int:
        return (await self._api().now_block()).number

    async def block_hash(self, height: int) -> str | None:
        """The id of block `height`. The first time, the whole block (its transaction count and time are used
        later); a re-check after the reads needs only the id, so it asks for the header (`getblock`, detail
        false): a block's transactions can be megabytes of JSON, and the re-check runs after every chunk."""
        api = self._api()
        block = await (api.block_header(height) if height in self._blocks else api.block_by_num(height))
        if block is None:
            return None  # a lite FullNode without old blocks
        if block.number != height:
            raise TronApiError(f"answered block {block.number} when asked for block {height}")
        self._blocks.setdefault(height, block)
        return block.block_id

    async def final_height(self) -> int | None:
        """With `confirmed`, TRC-20 balances count only solidified (irreversible) blocks' events."""
        return (await self._api().now_block(solid=True)).number if self.options.confirmed else None

    async def check_state(self, snapshot: Snapshot) -> None:
        if self.options.check_history:
            await self._check_history(self._api(), self._blocks[snapshot.height])

    async def _check_history(self, api: TronHttpApi, block: BlockRef) -> None:
        probe = block
        for _ in range(EMPTY_BLOCK_LOOKBACK):
            if probe.transaction_count or probe.number == 0:
                break
            earlier = await api.block_by_num(probe.number - 1)
            if earlier is None:
                break
            probe = earlier
        try:
            await api.block_balance_trace(probe)
        except TronApiError as exc:
            raise StateUnavailable(f"no balance history at block {probe.number}: {exc}; {HISTORY_HINT}") from None
        probe_address = self.options.probe_address()
        if probe_address:
            balance, _ = await api.account_balance(probe_address, block)
            if balance == 0:
                raise StateUnavailable(f"it reads 0 TRX for the history probe {probe_address} at block "
                                       f"{block.number}; {HISTORY_HINT}")

    # ---- balances ---------------------------------------------------------------------------------

    async def read_balances(
        self, queries: Sequence[BalanceQuery], snapshot: Snapshot
    ) -> AsyncIterator[Mapping[BalanceQuery, Balance]]:
        """TRX and TRC-20 reads go out together: they are independent, and the transport's concurrency limit
        stays full while the TRC-20 side waits between its head reads. Each kind is read per account or in
        batches with a block scan (see the module docstring), as `rollback` says or as costs fewer requests."""
        block = self._blocks[snapshot.height]
        native = [q for q in queries if q.contract is None]
        tokens = [q for q in queries if q.contract is not None]
        head: BlockRef | None = None
        if tokens or (native and self._trx_batchable()):
            head = await self._read_head(block)
        scan_trx = self._scan_pays(len(native), self._unscanned(block, head, "trx"), trx=True)
        scan_tokens = self._scan_pays(len(tokens), self._unscanned(block, head, "trc20"), trx=False)
        per_account_trx = [] if scan_trx else native
        size = self.batch_size()
        parts = [per_account_trx[start : start + size] for start in range(0, len(per_account_trx), size)]
        tasks = [asyncio.ensure_future(self._trx_part(part, block)) for part in parts]
        if scan_trx or scan_tokens:
            tips = (native if scan_trx else []) + tokens
            tasks.append(asyncio.ensure_future(self._scanned_balances(tips, block, head, scan_trx, scan_tokens)))
        elif tokens:
            tasks.append(asyncio.ensure_future(self._trc20_balances(tokens, block, head)))
        try:
            for next_done in asyncio.as_completed(tasks):
                yield await next_done
        finally:
            for task in tasks:
                task.cancel()

    # ---- which way: per account, or batches and a block scan -----------------------------------------

    def _trx_batchable(self) -> bool:
        """TRX can be read in batches: a Multicall (getEthBalance) that has not failed on it, and the option."""
        return self.options.rollback != "accounts" and self._multicall() is not None and self._eth_balance_works

    def _scan_pays(self, count: int, lag: int, *, trx: bool) -> bool:
        """Read this kind (`count` balances, `lag` blocks since the snapshot) in batches with a block scan?
        Per account costs `count` requests (TRX: getaccountbalance; TRC-20: one history page each). The scan
        costs ~2 requests a block (getblockbynum, then its balance trace or its TransactionInfo list), TRX also
        its aggregates (TRC-20 tips are read in aggregates either way), plus the accounts that moved."""
        if count == 0 or (trx and not self._trx_batchable()):
            return False
        if self.options.rollback != "auto":
            return self.options.rollback == "blocks"
        aggregates = -(-count // self._group(0)) if trx else 0
        return aggregates + SCAN_REQUESTS_PER_BLOCK * lag < count

    def _unscanned(self, block: BlockRef, head: BlockRef | None, kind: str) -> int:
        """Blocks up to `head` that a scan of this kind would still have to read (an earlier chunk's scan counts)."""
        if head is None:
            return 0
        scanned = self._scans.get((block.number, kind))
        if scanned is not None and scanned.movers is None:
            return head.number - block.number  # its scan failed: per account is the only way left
        return max(0, head.number - (scanned.top if scanned else block.number))

    async def _read_head(self, block: BlockRef) -> BlockRef:
        try:
            head = await self._api().now_block(solid=self.options.confirmed)
        except RequestError as exc:
            raise self.refuse(Refusal.UNREACHABLE, block.number, f"cannot read the head block: {exc}") from exc
        if head.number < block.number:
            raise self.refuse(Refusal.BEHIND, block.number, str(head.number))
        return head

    # ---- per account ------------------------------------------------------------------------------

    async def _trx_part(self, part: list[BalanceQuery], block: BlockRef) -> dict[BalanceQuery, Balance]:
        return dict(zip(part, await asyncio.gather(*(self._trx_balance(q, block) for q in part)), strict=True))

    async def _trx_balance(self, query: BalanceQuery, block: BlockRef) -> Balance:
        method = "getaccountbalance"  # asked at the snapshot block itself
        try:
            address = addresses.canonical(query.address)
            amount, answered = await self._api().account_balance(address, block)
        except (RequestError, ValueError) as exc:
            return Balance(None, method, str(exc))
        if answered > block.number:
            return Balance(None, method, f"node answered for block {answered}, after the snapshot {block.number}")
        return Balance(amount, method)

    async def _trc20_balances(
        self, queries: list[BalanceQuery], block: BlockRef, head: BlockRef | None = None, first_round: int = 0
    ) -> dict[BalanceQuery, Balance]:
        results: dict[BalanceQuery, Balance] = {}
        pending = queries
        for round_number in range(first_round, self.options.pin_rounds):
            if not pending:
                break
            # The first round reads in groups; accounts that moved during their read retry one by one,
            # which narrows (before, after] to a single request. A group's histories are fetched while the
            # next groups' tips are read (a group needs only its own head reads).
            group = self._group(round_number)
            deciding: list[asyncio.Future[list[tuple[_TipRead, Balance | None]]]] = []
            try:
                async for reads in self._tip_reads(pending, block, group, head if round_number == 0 else None):
                    deciding.append(asyncio.ensure_future(self._decide(reads, block)))
                decided = await asyncio.gather(*deciding)
            except BaseException:
                for task in deciding:
                    task.cancel()
                raise
            pending = []
            for read, balance in (pair for pairs in decided for pair in pairs):
                if balance is None:
                    pending.append(read.query)
                else:
                    results[read.query] = balance
        for query in pending:
            results[query] = self._unsettled(query)
        return results

    def _unsettled(self, query: BalanceQuery) -> Balance:
        return Balance(
            None,
            ROLLBACK_METHOD,
            f"transfers kept landing while the balance was read ({self.options.pin_rounds} attempts); "
            "cannot tell which block the tip balance belongs to",
        )

    # ---- batches and a block scan -----------------------------------------------------------------

    async def _scanned_balances(
        self, tips: list[BalanceQuery], block: BlockRef, head: BlockRef | None, scan_trx: bool, scan_tokens: bool
    ) -> dict[BalanceQuery, Balance]:
        """All tips read in groups between head reads (TRX by getEthBalance, TRC-20 by balanceOf, together in
        the Multicall's aggregates), then blocks H+1..after (the last group's `after`) scanned once for who
        moved. A balance read at T (H <= before <= T <= after) of an account no block of (H, after] names is its
        balance at H. The others: TRX read at H (getaccountbalance), TRC-20 rolled back with their own history
        (the per-account path, re-read alone when a transfer fell inside their read). A block that cannot be
        read makes every account of that kind go the per-account way: nothing is concluded from a gap."""
        reads: list[_TipRead] = []
        async for chunk in self._tip_reads(tips, block, self._group(0), head):
            reads.extend(chunk)
        last = reads[-1].after if reads else block
        trx_movers, token_movers = await self._scan(block, last.number, scan_trx, scan_tokens)
        results: dict[BalanceQuery, Balance] = {}
        trx_again: list[BalanceQuery] = []
        roll_back: list[_TipRead] = []
        unchanged = f"unchanged since block {block.number} (no change in blocks {block.number + 1}..{last.number})"
        for read in reads:
            query = read.query
            if query.contract is None:
                if read.amount is not None and trx_movers is not None \
                        and addresses.canonical(query.address) not in trx_movers:
                    results[query] = Balance(read.amount, TRX_BATCH_METHOD, read_at=read.before.number,
                                             note=unchanged)
                else:
                    trx_again.append(query)  # moved, or unread: at the snapshot, per account
                continue
            if read.amount is None:  # the addresses of a read that answered are well-formed
                results[query] = Balance(None, "trc20-balanceOf", read.error)
            elif token_movers is not None and (addresses.canonical(query.contract),
                                               addresses.canonical(query.address)) not in token_movers:
                results[query] = Balance(read.amount, TRC20_BATCH_METHOD, read_at=read.before.number, note=unchanged)
            else:
                roll_back.append(read)
        if trx_again:
            results.update(await self._trx_part(trx_again, block))
        if roll_back:
            again: list[BalanceQuery] = []
            for read, balance in await self._decide(roll_back, block):
                if balance is None:
                    again.append(read.query)
                else:
                    results[read.query] = balance
            results.update(await self._trc20_balances(again, block, first_round=1))
        return results

    async def _scan(
        self, block: BlockRef, last: int, scan_trx: bool, scan_tokens: bool
    ) -> tuple[set[str] | None, set[tuple[str, str]] | None]:
        """Who moved in blocks block+1..last: (TRX accounts, (TRC-20 contract, account) pairs); None for a kind
        whose scan could not read some block. Each block: getblockbynum (its hash and transaction count, which
        the other two requests are bound to); a block with transactions then getblockbalance (TRX) and
        gettransactioninfobyblocknum (TRC-20). Blocks an earlier read of this run scanned are not asked again (the
        movers found so far are kept: a mover of a later block only sends its account per account, never wrong).
        Blocks are asked SCAN_WINDOW_PER_CONNECTION x max_concurrency at a time (the transport bounds the requests
        in flight); the loop is bounded by last - block."""
        async with self._scan_lock:  # chunks read concurrently share one scan
            states = {kind: self._scans.setdefault((block.number, kind), _Scanned(block.number, set()))
                      for kind, wanted in (("trx", scan_trx), ("trc20", scan_tokens)) if wanted}
            todo = {kind: state for kind, state in states.items() if state.movers is not None and state.top < last}
            if todo:
                await self._scan_blocks(todo, last)
        trx = states["trx"].movers if "trx" in states else None
        tokens = states["trc20"].movers if "trc20" in states else None
        return trx, tokens

    async def _scan_blocks(self, todo: dict[str, _Scanned], last: int) -> None:
        api = self._api()

        async def one(number: int) -> dict[str, set[Any] | None]:
            kinds = [kind for kind, state in todo.items() if state.top < number]
            try:
                ref = await api.block_by_num(number)
                if ref is None or ref.number != number:
                    raise TronApiError(f"getblockbynum {number}: no such block")
            except RequestError:
                return dict.fromkeys(kinds)
            found: dict[str, set[Any] | None] = {}
            for kind in kinds:
                if ref.transaction_count == 0:  # no transaction: no balance change and no log
                    found[kind] = set()
                    continue
                try:
                    if kind == "trx":
                        found[kind] = await api.trx_movers(ref)
                    else:
                        found[kind] = {(contract, party) for contract, t in await api.transfer_logs(ref)
                                       for party in (t.sender, t.receiver)}
                except RequestError:
                    found[kind] = None
            return found

        first = min(state.top for state in todo.values()) + 1
        window = max(1, SCAN_WINDOW_PER_CONNECTION * self.endpoint.max_concurrency)
        for start in range(first, last + 1, window):
            stop = min(last + 1, start + window)
            for found in await asyncio.gather(*(one(n) for n in range(start, stop))):
                for kind, movers in found.items():
                    state = todo[kind]
                    if movers is None:
                        state.movers = None
                    elif state.movers is not None:
                        state.movers.update(movers)
            for state in todo.values():
                state.top = max(state.top, stop - 1)
            if all(state.movers is None for state in todo.values()):
                break  # every kind goes per account: the rest of the scan would change nothing

    async def _decide(self, reads: list[_TipRead], block: BlockRef) -> list[tuple[_TipRead, Balance | None]]:
        """Each tip read rolled back to the snapshot (None: read it again), once the event index has its blocks."""
        await self._let_events_settle(max(read.after.timestamp for read in reads))
        decided = await asyncio.gather(*(self._roll_back(read, block) for read in reads))
        return list(zip(reads, decided, strict=True))

    async def _tip_reads(
        self, queries: list[BalanceQuery], block: BlockRef, group: int, head: BlockRef | None = None
    ) -> AsyncIterator[list[_TipRead]]:
        """Balances of the queries, `group` at a time between two head reads (the first `before` is `head`
        when just read); yields each group's reads."""
        api = self._api()
        solid = self.options.confirmed
        before = head if head is not None else await self._read_head(block)
        for start in range(0, len(queries), group):
            chunk = queries[start : start + group]
            answers = await self._balances_of(chunk)
            try:
                after = await api.now_block(solid=solid)
            except RequestError as exc:
                raise self.refuse(Refusal.UNREACHABLE, block.number, f"cannot read the head block: {exc}") from exc
            if after.number < before.number:
                raise self.refuse(Refusal.UNREACHABLE, block.number,
                                  f"its head went back from {before.number} to {after.number} (a load balancer "
                                  "mixing nodes?); point the endpoint at one node")
            yield [_TipRead(query, amount, error, before, after)
                   for query, (amount, error) in zip(chunk, answers, strict=True)]
            before = after

    def _multicall(self) -> str | None:
        """The Multicall contract for batched balanceOf (option, else the registry's; "" turns it off)."""
        chosen = self.options.multicall
        if chosen is None:
            chosen = self.network.params.get("multicall")
        return addresses.canonical(str(chosen)) if chosen else None

    def _group(self, round_number: int) -> int:
        """balanceOf reads between two head reads: with a Multicall, one constant call of `batch_size` (the window
        a transfer can fall in is one request long); without, `pin_group_size` requests; a repeated round, one."""
        if round_number:
            return 1
        if self._multicall():
            return self.options.pin_group_size or self.batch_size()
        return self.options.group_size(self.endpoint.max_concurrency)

    async def _balances_of(self, chunk: list[BalanceQuery]) -> list[tuple[int | None, str]]:
        """The chunk's balances: one aggregate through the Multicall when there is one and more than one row (or
        a TRX row: getEthBalance has no other way); each on its own otherwise, or when the aggregate fails (a
        contract reverting sinks the whole call, and the per-row calls then say which)."""
        multicall = self._multicall()
        if multicall and (len(chunk) > 1 or any(q.contract is None for q in chunk)):
            try:
                holdings = [(addresses.canonical(q.contract) if q.contract else None, addresses.canonical(q.address))
                            for q in chunk]
                _, amounts = await self._api().aggregate_balances(multicall, holdings, solid=self.options.confirmed)
                return [(amount, "") for amount in amounts]
            except (RequestError, ValueError):
                pass
            if any(q.contract is None for q in chunk):
                # A Multicall without getEthBalance (or one failing on it) sinks the TRX calls: TRX goes per account
                # from now on, and this group's TRC-20 rows are asked again in one aggregate without them
                self._eth_balance_works = False
                tokens = [q for q in chunk if q.contract is not None]
                answers = dict(zip(tokens, await self._balances_of(tokens), strict=True)) if tokens else {}
                return [answers.get(q, (None, "getEthBalance through the Multicall failed")) for q in chunk]
        return list(await asyncio.gather(*(self._balance_of(q) for q in chunk)))

    async def _balance_of(self, query: BalanceQuery) -> tuple[int | None, str]:
        if query.contract is None:  # TRX alone after a failed aggregate: read at the snapshot instead
            return None, "getEthBalance through the Multicall failed"
        try:
            contract = addresses.canonical(query.contract or "")
            address = addresses.canonical(query.address)
            return await self._api().trc20_balance(contract, address, solid=self.options.confirmed), ""
        except (RequestError, ValueError) as exc:
            return None, str(exc)

    async def _let_events_settle(self, last_block_ms: int) -> None:
        wait = last_block_ms / 1000 + self.options.events_settle_seconds - time.time()
        if wait > 0:
            await asyncio.sleep(min(wait, self.options.events_settle_seconds))

    async def _roll_back(self, read: _TipRead, block: BlockRef) -> Balance | None:
        """The balance at the snapshot, or None when the read must be repeated (see the module docstring)."""
        if read.amount is None:
            return Balance(None, "trc20-balanceOf", read.error)
        try:
            contract = addresses.canonical(read.query.contract or "")
            address = addresses.canonical(read.query.address)
            transfers = await self._api().trc20_transfers(
                address,
                contract,
                after_timestamp=block.timestamp,
                until_timestamp=read.after.timestamp,
                confirmed=self.options.confirmed,
                page_size=self.options.events_page_size,
                max_pages=self.options.max_event_pages,
            )
        except (RequestError, ValueError) as exc:
            return Balance(None, ROLLBACK_METHOD, f"TRC-20 history: {exc}")
        if read.after.number != read.before.number and any(
            t.block_timestamp > read.before.timestamp for t in transfers
        ):
            return None
        pinned, note = read.before.number, f"{len(transfers)} events"  # read at `pinned`, rolled back to the snapshot
        try:
            return Balance(balance_before(read.amount, address, transfers), ROLLBACK_METHOD, read_at=pinned, note=note)
        except RollbackError as exc:
            return Balance(None, ROLLBACK_METHOD, str(exc), read_at=pinned, note=note)
