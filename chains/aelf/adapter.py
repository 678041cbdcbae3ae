"""ELF (and registry-listed MultiToken symbols) at the snapshot block from an aelf node's web API, backend
`aelf-web`.

aelf answers contract reads only at its best chain head (`executeTransaction` runs a signed read-only
`GetBalance` on the MultiToken contract there), so each balance is read at a pinned point and rolled back to the
snapshot block H with the token contract's events in the blocks after H (chains.aelf.events), exactly as the
TRON adapter does for TRC-20:

1. Reads go in groups of `pin_group_size`, each between two reads of the head (`chainStatus`: height and hash):
   a balance is the state after some block T with before <= T <= after.
2. The blocks H+1..after are read once per adapter, for every chunk of rows the pipeline asks about (some at
   once): `blockByHeight`, then `transactionResults?blockHash=` in pages of 100, which is the API's limit. All
   their token events are kept, by account (a later chunk rolls its own accounts back over the same blocks).
   Each block's results must be all of its transactions, each bound to the block by BlockNumber and
   BlockHash, and the blocks must link (PreviousBlockHash) from the snapshot block up: one branch (after a branch
   switch during the scan, the blocks from the break up are read again, once).
3. The head hashes at `before` and `after` must be the blocks scanned at those heights (a fork switch between
   read and scan means the read came from another branch); an account with an event in (before, after] is
   ambiguous (T unknown). Either way the account is read again, alone, in the next round (`pin_rounds`), then
   left unread with the reason, never guessed.
4. balance(H) = balance(T) - received + sent over the events in H+1..after; a negative result is an error.

The snapshot block must be irreversible (LastIrreversibleBlockHeight >= H: NOT_FINAL otherwise), and a node
that has the blocks but not their transaction results (what the roll-back needs) is refused with NO_STATE.
The read-only calls are signed with a fixed, public throwaway key (no funds, no secret: the node only checks
that the signature matches the From address).
"""

from __future__ import annotations

import asyncio
import hashlib
import re
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from coincurve import PrivateKey

from chains.aelf import addresses
from chains.aelf.api import AelfApiError, AelfWebApi, BlockRef, Head, json_transport
from chains.aelf.events import EventError, RollbackError, TokenMove, balance_before, move_of
from chains.aelf.messages import ReadOnlyCall, get_balance_input, get_balance_output
from chains.aelf.options import AelfOptions
from chains.aelf.protobuf import ProtobufError
from chains.base import (
    Balance,
    BalanceAdapter,
    BalanceQuery,
    DataSourceError,
    Endpoint,
    Network,
    Snapshot,
    StateUnavailable,
    Transport,
)
from chains.transport import RequestError

MAINNET_TOKEN_CONTRACT = "JRmBduh4nXWi1aXgdUsj5gJrzeZb2LxmrAbf7W99faZSvoAaE"
READER_KEY = PrivateKey(hashlib.sha256(b"auditor: aelf read-only GetBalance calls (no funds)").digest())
_SYMBOL = re.compile(r"[A-Z0-9]{1,40}(?:-[0-9]{1,20})?")
SCAN_CHUNK = 2000  # blocks whose requests are in flight (queued on the transport) at once
ROLLBACK_METHOD = "GetBalance-rollback"  # GetBalance at a later head, rolled back with the token events since


@dataclass(frozen=True, slots=True)
class _Read:
    query: BalanceQuery
    account: bytes
    symbol: str
    amount: int | None
    error: str
    before: Head
    after: Head


class AelfBalanceAdapter(BalanceAdapter):
    options_type = AelfOptions
    method = "GetBalance"
    identity_name = "chain id"

    def __init__(self, network: Network, endpoint: Endpoint) -> None:
        super().__init__(network, endpoint)
        self._api: AelfWebApi | None = None
        self.chain = str(network.params.get("chain", addresses.MAIN_CHAIN))
        contract = self.options.token_contract or str(network.params.get("token_contract") or "")
        self.token_contract = addresses.canonical(contract or MAINNET_TOKEN_CONTRACT)
        self.native_symbol = str(network.params.get("symbol", network.native_asset))
        # Blocks after the snapshot, each scanned once per adapter whichever call (chunk of rows) asks first:
        # the pipeline reads one network's rows in several chunks, some at once, on this one adapter.
        self._scans: dict[int, asyncio.Future[BlockRef]] = {}
        self._blocks: dict[int, BlockRef] = {}  # scanned blocks after the snapshot
        # every account named by a token event in a scanned block -> its moves; not only the accounts of the
        # chunk that scanned the block, since a later chunk rolls its own accounts back over the same blocks
        self._moves: dict[bytes, list[TokenMove]] = {}
        self.rollback_requests = 0

    def open_transport(self) -> Transport:
        return json_transport(self.endpoint)

    @property
    def api(self) -> AelfWebApi:
        if self._api is None:
            self._api = AelfWebApi(self.transport, self.endpoint.url)
        return self._api

    # ---- snapshot hooks ------------------------------------------------------------------------------

    def expected_identity(self) -> str | None:
        return self.chain

    async def chain_identity(self) -> str:
        return (await self.api.chain_status()).chain_id

    async def tip_height(self) -> int:
        return (await self.api.chain_status()).best.height

    async def block_hash(self, height: int) -> str | None:
        block = await self.api.block(height)
        return block.block_hash if block else None

    async def final_height(self) -> int | None:
        return (await self.api.chain_status()).irreversible_height

    async def check_state(self, snapshot: Snapshot) -> None:
        """The roll-back needs the transaction results of the blocks after H: a node without them is refused."""
        status = await self.api.chain_status()
        if status.best.height <= snapshot.height:
            return
        block = await self.api.block(snapshot.height + 1)
        if block is None:
            raise StateUnavailable(f"it has no block {snapshot.height + 1} to roll balances back with")
        try:
            results = await self.api.transaction_results(block.block_hash, 0, 1)
        except AelfApiError as exc:
            raise StateUnavailable(f"no transaction results for block {block.height}: {exc}") from None
        if block.transactions and not results:
            raise StateUnavailable(f"block {block.height} has {block.transactions} transactions but the node "
                                   "returns no transaction results for it")

    # ---- balances ------------------------------------------------------------------------------------

    def _symbol(self, query: BalanceQuery) -> str:
        symbol = query.contract or self.native_symbol
        if not _SYMBOL.fullmatch(symbol):
            raise ValueError(f"not an aelf token symbol: {symbol!r}")
        return symbol

    async def read_balances(
        self, queries: Sequence[BalanceQuery], snapshot: Snapshot
    ) -> AsyncIterator[Mapping[BalanceQuery, Balance]]:
        pending: list[tuple[BalanceQuery, bytes, str]] = []
        refused: dict[BalanceQuery, Balance] = {}
        for query in queries:
            try:
                pending.append((query, addresses.decode(query.address, self.chain), self._symbol(query)))
            except ValueError as exc:
                refused[query] = Balance(None, self.method, str(exc))
        if refused:
            yield refused
        for round_number in range(self.options.pin_rounds):
            if not pending:
                break
            group = self.options.pin_group_size if round_number == 0 else 1
            reads = await self._pinned_reads(pending, group)
            top = max(read.after.height for read in reads)
            scan_error = await self._scan(snapshot, top)
            decided: dict[BalanceQuery, Balance] = {}
            again: list[tuple[BalanceQuery, bytes, str]] = []
            for read in reads:
                balance = self._roll_back(read, snapshot, scan_error)
                if balance is None:
                    again.append((read.query, read.account, read.symbol))
                else:
                    decided[read.query] = balance
            if decided:
                yield decided
            pending = again
        if pending:
            yield {query: Balance(None, ROLLBACK_METHOD,
                                  f"the head kept moving or forking around this account's read "
                                  f"({self.options.pin_rounds} attempts): cannot tell which block the read "
                                  "belongs to") for query, _, _ in pending}

    async def _head(self) -> Head:
        try:
            return (await self.api.chain_status()).best
        except RequestError as exc:
            raise DataSourceError(f"{self.endpoint.display}: cannot read the head ({exc})") from exc

    async def _pinned_reads(self, pending: list[tuple[BalanceQuery, bytes, str]], group: int) -> list[_Read]:
        reads: list[_Read] = []
        before = await self._head()
        for start in range(0, len(pending), group):
            chunk = pending[start : start + group]
            answers = await asyncio.gather(*(self._get_balance(account, symbol, before)
                                             for _, account, symbol in chunk))
            after = await self._head()
            reads.extend(_Read(query, account, symbol, amount, error, before, after)
                         for (query, account, symbol), (amount, error) in zip(chunk, answers, strict=True))
            before = after
        return reads

    async def _get_balance(self, account: bytes, symbol: str, ref: Head) -> tuple[int | None, str]:
        call = ReadOnlyCall(addresses.decode(self.token_contract), "GetBalance", get_balance_input(symbol, account),
                            ref.height, ref.block_hash)
        try:
            output = get_balance_output(await self.api.execute(call.signed(READER_KEY)))
        except (RequestError, ProtobufError) as exc:
            return None, f"GetBalance: {exc}"
        if output.owner != account or output.symbol != symbol:
            return None, (f"GetBalance answered for {addresses.encode(output.owner)} {output.symbol}, not "
                          f"{addresses.encode(account)} {symbol}: reply refused")
        return output.balance, ""

    async def _scan(self, snapshot: Snapshot, top: int) -> str:
        """Read the token events of blocks H+1..top not read yet; '' or why the roll-back cannot be done."""
        height = snapshot.height
        if top - height > self.options.max_rollback_blocks:
            return (f"the roll-back from block {top} to the snapshot {height} spans {top - height} blocks, more "
                    f"than max_rollback_blocks ({self.options.max_rollback_blocks})")
        broken = 0
        for attempt in range(2):
            try:
                for start in range(height + 1, top + 1, SCAN_CHUNK):
                    await asyncio.gather(*(self._scanned(h) for h in range(start, min(start + SCAN_CHUNK, top + 1))))
            except (RequestError, EventError) as exc:
                return f"roll-back history: {exc}"
            broken = self._broken_link(snapshot, top)
            if not broken:
                return ""
            if attempt == 0:  # read the blocks from the break up again, once, from the branch the node is on now
                self._forget_from(max(height + 1, broken - 1))
        return (f"roll-back history: block {broken} does not follow block {broken - 1} read before it (the node "
                "switched branches during the scan)")

    def _broken_link(self, snapshot: Snapshot, top: int) -> int:
        """The first block of H+1..top that does not follow the one below it (0: none). The blocks were read one
        by one from the node's best chain: a branch switch during the scan mixes two branches' events."""
        previous = snapshot.block_hash
        for h in range(snapshot.height + 1, top + 1):
            block = self._blocks[h]
            if block.previous_hash != previous:
                return h
            previous = block.block_hash
        return 0

    def _forget_from(self, height: int) -> None:
        """Drop the scanned blocks from `height` up, and their events."""
        for h in [h for h in self._scans if h >= height]:
            del self._scans[h]
            self._blocks.pop(h, None)
        for account, moves in self._moves.items():
            self._moves[account] = [move for move in moves if move.height < height]

    async def _scanned(self, height: int) -> BlockRef:
        """Block `height`, scanned once: concurrent callers share one scan; a failed scan is tried afresh."""
        task = self._scans.get(height)
        if task is None or (task.done() and (task.cancelled() or task.exception() is not None)):
            task = self._scans[height] = asyncio.ensure_future(self._block_moves(height))
        return await asyncio.shield(task)  # a cancelled caller must not cancel the scan the others wait for

    async def _block_moves(self, height: int) -> BlockRef:
        block = await self.api.block(height)
        self.rollback_requests += 1
        if block is None:
            raise AelfApiError(f"the node has no block {height} any more")
        moves: list[TokenMove] = []
        count = 0
        page = self.options.results_page_size
        for offset in range(0, max(block.transactions, 1), page):
            results = await self.api.transaction_results(block.block_hash, offset, page)
            self.rollback_requests += 1
            for result in results:
                count += 1
                moves.extend(self._result_moves(result, block))
            if len(results) < page:
                break
        if count != block.transactions:
            raise AelfApiError(f"block {height} has {block.transactions} transactions, the node returned "
                               f"{count} results: its history is incomplete")
        # registered here, once: this coroutine runs once per block that succeeds
        self._blocks[height] = block
        for move in moves:
            for party in {move.sender, move.receiver, move.unnamed_payer} - {None}:
                self._moves.setdefault(party, []).append(move)  # type: ignore[arg-type]
        return block

    def _result_moves(self, result: dict[str, Any], block: BlockRef) -> list[TokenMove]:
        if result.get("BlockNumber") != block.height or result.get("BlockHash") != block.block_hash:
            raise AelfApiError(f"a transaction result of block {block.height} names block "
                               f"{result.get('BlockNumber')} {result.get('BlockHash')}")
        logs = result.get("Logs") or []
        if not isinstance(logs, list):
            raise EventError(f"block {block.height}: Logs is not a list")
        transaction = result.get("Transaction")
        transaction = transaction if isinstance(transaction, dict) else {}
        sender = str(transaction.get("From", ""))
        moves = []
        for log in logs:
            if not isinstance(log, dict):
                raise EventError(f"block {block.height}: a log is not an object")
            move = move_of(log, block.height, self.token_contract, sender)
            if move is not None:
                moves.append(move)
        return moves

    def _roll_back(self, read: _Read, snapshot: Snapshot, scan_error: str) -> Balance | None:
        """The balance at the snapshot, or None when the read must be repeated."""
        if read.amount is None:
            return Balance(None, self.method, read.error)
        if scan_error:
            return Balance(None, ROLLBACK_METHOD, scan_error)
        for head in (read.before, read.after):
            if head.height < snapshot.height:
                return Balance(None, self.method, f"the node's head {head.height} is below the snapshot")
            known = snapshot.block_hash if head.height == snapshot.height else self._blocks[head.height].block_hash
            if known != head.block_hash:
                return None  # read on a branch the chain has left: read again
        if read.after.height < read.before.height:
            return None
        moves = [m for m in self._moves.get(read.account, ())
                 if snapshot.height < m.height <= read.after.height and m.symbol == read.symbol]
        if read.before != read.after and any(m.height > read.before.height for m in moves):
            return None
        pinned, note = read.before.height, f"{len(moves)} events"  # read at `pinned`, rolled back to the snapshot
        try:
            return Balance(balance_before(read.amount, read.account, read.symbol, moves), ROLLBACK_METHOD,
                           read_at=pinned, note=note)
        except RollbackError as exc:
            return Balance(None, ROLLBACK_METHOD, str(exc), read_at=pinned, note=note)
