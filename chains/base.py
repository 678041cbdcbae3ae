"""The adapter protocol every chain family implements.

A family (EVM, UTXO, TRON...) answers two questions for the rows of its networks:

* ownership: does the row's signature prove control of its address? (`ChainFamily.verify_ownership`,
  offline, CPU only)
* balances: what did each address hold at the snapshot height? (`BalanceAdapter.fetch_balances`, async,
  batched, against a node or an indexer named in the config)

Everything above this module (reading files, aggregation, reports) only sees these types, so adding a
chain touches one folder under `chains/` and one line in `chains/registry.py`.
"""

from __future__ import annotations

import asyncio
import enum
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from types import TracebackType
from typing import TYPE_CHECKING, Any, ClassVar, Protocol, Self

from auditor.errors import SourceProblem
from auditor.reasons import Reason, ReasonKind
from chains.options import BackendOptions, NoOptions, OptionsError

if TYPE_CHECKING:
    from chains.transport.policy import RequestCounters


class RowStatus(enum.StrEnum):
    VERIFIED = "verified"
    FAILED = "failed"
    UNCHECKED = "unchecked"
    DUPLICATE = "duplicate"


@dataclass(frozen=True, slots=True)
class AddressRow:
    """One detail row of a published address file, as written there (strings, not yet interpreted)."""

    line: int  # 1-based line number in the input file
    coin: str  # the file's coin code, e.g. "USDT-ERC20" or "USDT"
    network: str  # the file's network code, e.g. "ETH", "TRON", "BTC"
    address: str
    amount: str = ""  # declared amount as written; "" when the layout has none
    amount_in_base_units: bool = False  # 2022 layout: integers in base units; later: whole units
    snapshot_height: int | None = None
    message: str = ""
    signature1: str = ""
    signature2: str = ""
    script: str = ""  # redeem script or public key column (raw; may hold JSON)
    eoa1: str = ""
    eoa2: str = ""
    kind: str = ""  # the 2026 layout's Type column ("Non Staking", "Native ETH Staking"...)
    input_error: str = ""  # set by the reader when the row itself is malformed (field named); never dropped

    # rows go to the signature workers by the 100,000: plain tuples pickle fastest
    def __reduce__(self) -> tuple[type[AddressRow], tuple[Any, ...]]:
        return (AddressRow, (self.line, self.coin, self.network, self.address, self.amount,
                             self.amount_in_base_units, self.snapshot_height, self.message, self.signature1,
                             self.signature2, self.script, self.eoa1, self.eoa2, self.kind, self.input_error))

    def message_utf8(self) -> bytes:
        """The message's UTF-8 bytes, which every scheme signs (or frames). ValueError naming field 'message'
        when the text holds a lone surrogate: no UTF-8 signer can have signed it."""
        try:
            return self.message.encode("utf-8")
        except UnicodeEncodeError as exc:
            code = ord(self.message[exc.start])
            raise ValueError(f"field 'message': not valid Unicode text (lone surrogate U+{code:04X} at character "
                             f"{exc.start + 1})") from None


@dataclass(frozen=True, slots=True)
class OwnershipProof:
    """The outcome of checking one row's ownership signature."""

    status: RowStatus
    scheme: str = ""  # which scheme decided, e.g. "evm-personal-sign-keccak"
    why: Reason | None = None  # why it failed or was left unchecked (a note when verified); None when nothing to say
    # False for owner mode only: a contract wallet proven by its owners' keys (EVM eoa1/eoa2, Aptos eoa1). The
    # pipeline reports such a row unchecked unless the user opts in ([audit] trust_owner_mode). A key that
    # verifies but whose account binding needs the chain (NEAR named, EOS, Starknet) is `unchecked` instead.
    binds_address: bool = True

    def __reduce__(self) -> tuple[type[OwnershipProof], tuple[object, ...]]:
        return (OwnershipProof, (self.status, self.scheme, self.why, self.binds_address))

    @property
    def reason(self) -> str:
        """The reason's words ("" when verified without a note)."""
        return self.why.text if self.why is not None else ""

    @classmethod
    def verified(cls, scheme: str, note: str = "", binds_address: bool = True) -> OwnershipProof:
        why = Reason(ReasonKind.PROOF_NOTE, note, scheme=scheme) if note else None
        return cls(RowStatus.VERIFIED, scheme, why, binds_address)

    @classmethod
    def failed(cls, reason: str, scheme: str = "", *, field: str = "", summary: str = "") -> OwnershipProof:
        """`reason` in words; `field` the input field at fault (the words then follow "field 'F': "); `summary`
        the reason without its particulars when rows failing alike should group under more than the field."""
        return cls(RowStatus.FAILED, scheme, Reason(ReasonKind.PROOF_FAILED, reason, field, summary, scheme))

    @classmethod
    def unchecked(cls, reason: str, scheme: str = "", *, field: str = "", summary: str = "") -> OwnershipProof:
        """Not decided offline; `scheme` names the check that did run, when one did (a valid key signature)."""
        return cls(RowStatus.UNCHECKED, scheme, Reason(ReasonKind.PROOF_UNDECIDED, reason, field, summary, scheme))


@dataclass(frozen=True, slots=True)
class Network:
    """A chain as the registry describes it (`configs/registry.toml`)."""

    code: str  # network code as exchange files spell it: "ETH", "ARBITRUM", "TRON", "LTC"...
    family: str  # key into chains.registry: "evm", "utxo", "tron"
    name: str
    native_asset: str  # asset symbol of the native coin: "ETH", "OKB" (X Layer), "LTC"
    native_decimals: int
    chain_id: int | None = None
    params: Mapping[str, Any] = field(default_factory=dict)  # family-specific (address versions...)


@dataclass(frozen=True, slots=True)
class Token:
    """An asset held on one network: the native coin (contract None) or a token contract."""

    code: str  # exchange coin code: "USDT-ERC20", "ETH", "ETH-ARBITRUM"
    asset: str  # the asset it counts towards across networks: "USDT", "ETH"
    network: str
    contract: str | None
    decimals: int


@dataclass(frozen=True, slots=True)
class Endpoint:
    """Where a network's balances come from. `url` may carry a secret: never log or report it."""

    url: str
    backend: str  # family-specific: "jsonrpc" (EVM), "bitcoind" / "electrum" / "esplora", "tron-http"
    display: str  # scheme://host[:port], safe to print
    chain_id: int | None = None  # expected chain id (EVM); None means take the registry's
    max_concurrency: int = 4
    requests_per_second: float = 20.0
    batch_size: int = 500
    timeout_seconds: float = 30.0
    retries: int = 5
    headers: Mapping[str, str] = field(default_factory=dict)  # e.g. API keys, from env variables
    options: Mapping[str, Any] = field(default_factory=dict)  # backend-specific settings


@dataclass(frozen=True, slots=True)
class BalanceQuery:
    """One balance to read: `address` holds `contract` (None for the native coin)."""

    address: str  # canonical form from ChainFamily.normalize_address
    contract: str | None = None
    # Family-specific data the family's adapter needs: a frozen, hashable dataclass of that family's own (UTXO:
    # the output script; EVM owner mode: the proven signers; EOS: the key to find in the account's permissions),
    # pickled as a plain tuple (`__reduce__`) and keyed in the checkpoint by its repr. The generic pipeline never
    # looks inside.
    detail: Hashable | None = None
    # A query is a dict key ~7 times on its way (chunk sets, answers, checkpoint): its hash is worked out once.
    _hash: int = field(init=False, repr=False, compare=False, default=0)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_hash", hash((self.address, self.contract, self.detail)))

    def __hash__(self) -> int:
        return self._hash

    def __reduce__(self) -> tuple[type[BalanceQuery], tuple[Any, ...]]:  # pickled by the 100,000: plain tuples
        return (BalanceQuery, (self.address, self.contract, self.detail))


@dataclass(frozen=True, slots=True)
class Balance:
    """The answer to one BalanceQuery: an amount in base units, or why there is none."""

    amount: int | None
    method: str = ""  # how the figure was obtained, a stable name: "multicall3", "trc20-balanceOf-rollback"; "" if none
    error: str = ""
    owners_bound: bool | None = None  # for a query with owners: do they control the address at the snapshot?
    owners_note: str = ""  # what the chain said about them
    # Where the figure was read when that is not the snapshot block itself: the later block a roll-back started
    # from, the first tipset after it, the ledger version or slot it maps to. None: read at the snapshot block.
    read_at: int | None = None
    note: str = ""  # this row's detail, for people: "reserve 1200000 drops locked", "3 events", "no account"

    @property
    def ok(self) -> bool:
        return self.amount is not None


@dataclass(frozen=True, slots=True)
class Snapshot:
    """The block a network's balances were read at, as the node reported it."""

    network: str
    height: int
    block_hash: str
    endpoint: str  # Endpoint.display, never the secret-bearing url


class RequestProblem(Exception):
    """Base of the transport's per-request failures (chains.transport.RequestError derives from it)."""


class Refusal(enum.StrEnum):
    """Why a source cannot answer at the snapshot: one kind, one wording (`SourceRefusal.text`)."""

    UNREACHABLE = "unreachable"  # no usable answer to the snapshot check after the transport's retries
    WRONG_CHAIN = "wrong-chain"  # the source serves another chain (chain id, genesis hash)
    BEHIND = "behind"  # its tip is below the snapshot height
    NO_BLOCK = "no-block"  # it has no block at the snapshot height
    NO_STATE = "no-state"  # it has the block but not the state or history at it (pruned, not an archive)
    NOT_FINAL = "not-final"  # the snapshot block is not final (solidified, irreversible) on it yet
    REORG = "reorg"  # the block at the snapshot height changed while balances were read
    SPLIT = "split"  # a quorum's endpoints report different blocks at the snapshot height (chains.quorum)


_REFUSAL_TEXT = {
    Refusal.UNREACHABLE: "{where} could not be asked about block {height}: {detail}",
    Refusal.WRONG_CHAIN: "{where} serves another chain: {detail}",
    Refusal.BEHIND: "{where} is at block {detail}, behind the snapshot height {height}: wait for it to sync",
    Refusal.NO_BLOCK: "{where} has no block {height}{detail_suffix}",
    Refusal.NO_STATE: "{where} cannot read balances at block {height} ({detail}): it must keep the state or "
    "history of past blocks (an archive or full-history server)",
    Refusal.NOT_FINAL: "{where}: snapshot block {height} is not final yet ({detail}): retry later",
    Refusal.REORG: "{where}: block {height} changed during the run ({detail}): a chain reorganisation; the "
    "balances read are not the snapshot's",
    Refusal.SPLIT: "{where}: the endpoints disagree on block {height} ({detail}): they do not follow the same "
    "chain there, so their figures cannot be compared",
}


@dataclass(frozen=True, slots=True)
class SourceRefusal:
    """A source refused for a (network, height), as data: reports group and count by `kind`."""

    kind: Refusal
    network: str
    endpoint: str  # Endpoint.display: never the secret-bearing url
    height: int | None
    detail: str = ""

    @property
    def text(self) -> str:
        where = f"{self.network} endpoint {self.endpoint}"
        suffix = f" ({self.detail})" if self.detail else ""
        return _REFUSAL_TEXT[self.kind].format(where=where, height=self.height, detail=self.detail,
                                               detail_suffix=suffix)


class DataSourceError(SourceProblem):
    """A data source cannot answer at all (wrong chain, behind the snapshot, no history, unreachable).

    Raised with a `SourceRefusal` by the snapshot template (`DataSourceError.refuse`), or with a plain message
    by a transport that gave up on a request.
    """

    def __init__(self, message: str, refusal: SourceRefusal | None = None) -> None:
        super().__init__(message)
        self.refusal = refusal

    @classmethod
    def refuse(cls, kind: Refusal, network: str, endpoint: str, height: int | None, detail: str = "") -> Self:
        refusal = SourceRefusal(kind, network, endpoint, height, detail)
        return cls(refusal.text, refusal)


class StateUnavailable(Exception):
    """Raised by `BalanceAdapter.check_state`: the source has the block but cannot read state at it."""


class Transport(Protocol):
    """What the lifecycle needs of a transport: a count of requests and a way to close it. Transports that count
    more (chains.transport.RequestCounters) expose them as `counters`."""

    @property
    def requests_sent(self) -> int: ...

    async def aclose(self) -> None: ...


@dataclass(frozen=True, slots=True)
class RequestEstimate:
    """Requests an adapter will send for some work, before sending any: `low` at least, `high` at most (None: no
    bound is known in advance, e.g. a roll-back whose cost grows with each account's history). `formula` says in
    words how the figure was worked out."""

    low: int
    high: int | None
    formula: str = ""

    @classmethod
    def exactly(cls, count: int, formula: str = "") -> RequestEstimate:
        return cls(count, count, formula)

    def __add__(self, other: RequestEstimate) -> RequestEstimate:
        high = None if self.high is None or other.high is None else self.high + other.high
        formula = " + ".join(f for f in (self.formula, other.formula) if f)
        return RequestEstimate(self.low + other.low, high, formula)

    def covers(self, count: int) -> bool:
        return self.low <= count and (self.high is None or count <= self.high)

    def text(self) -> str:
        if self.high == self.low:
            return f"{self.low:,}"
        return f"{self.low:,}-{self.high:,}" if self.high is not None else f"{self.low:,} or more"


def check_endpoint_limits(endpoint: Endpoint, where: str) -> None:
    """The transport settings every adapter relies on, in range; OptionsError (a ValueError) naming the key."""
    if not endpoint.timeout_seconds > 0:  # 0 would mean no timeout at all: a hanging endpoint hangs the run
        raise OptionsError(f"{where} timeout_seconds: must be more than 0, got {endpoint.timeout_seconds}")
    for key in ("retries", "batch_size", "max_concurrency"):
        if getattr(endpoint, key) < 1:
            raise OptionsError(f"{where} {key}: must be at least 1, got {getattr(endpoint, key)}")
    if endpoint.requests_per_second < 0:
        raise OptionsError(f"{where} requests_per_second: must not be negative (0: no limit), got "
                           f"{endpoint.requests_per_second}")


class BalanceAdapter(ABC):
    """Reads balances of one network from one endpoint. Use as an async context manager.

    The lifecycle is the same for every family, and lives here:

    * `__init__` parses the backend's options (`options_type`), so a bad option fails before any request;
    * `__aenter__` opens the transport once (`open_transport`), inside the running event loop;
    * `snapshot(height)` is a template: chain identity, tip, the block's hash, the state at it, finality,
      each refused with one wording per `Refusal` kind; a family writes only the small hooks below;
    * `fetch_balances` / `stream_balances` check the snapshot, read in batches (`read_batch`, or a whole
      `read_balances` for families that need their own scheduling), yield answers as each batch arrives, and
      check afterwards that the block at the height is still the snapshot's (else a REORG refusal).
    """

    options_type: ClassVar[type[BackendOptions]] = NoOptions  # the backend's `[networks.X.options]`
    method: ClassVar[str] = ""  # Balance.method of the figures this backend gives
    identity_name: ClassVar[str] = "chain id"  # what `chain_identity` returns, for the WRONG_CHAIN wording
    max_batch: ClassVar[int | None] = None  # the API's own limit of queries per request, if any
    recheck_block: ClassVar[bool] = True  # ask the block hash again after reading (reorg detection)

    def __init__(self, network: Network, endpoint: Endpoint) -> None:
        self.network = network
        self.endpoint = endpoint
        check_endpoint_limits(endpoint, f"[networks.{network.code}]")
        self.options: Any = self.options_type.parse(endpoint.options, f"[networks.{network.code}.options]")
        self._transport: Transport | None = None
        self._snapshots: dict[int, Snapshot] = {}

    # ---- lifecycle ------------------------------------------------------------------------------------

    async def __aenter__(self) -> Self:
        if self._transport is None:
            self._transport = self.open_transport()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()

    def open_transport(self) -> Transport:
        """The transport, created once when the adapter is entered (inside the running loop)."""
        from chains.transport import HttpTransport  # the transport module imports this one

        return HttpTransport(self.endpoint)

    @property
    def transport(self) -> Any:
        if self._transport is None:
            raise RuntimeError(f"{type(self).__name__} used outside `async with`: the transport is not open")
        return self._transport

    @property
    def requests_sent(self) -> int:
        return self._transport.requests_sent if self._transport is not None else 0

    def extra_transports(self) -> dict[str, Transport]:
        """Transports besides the main one (a separate history or events service), by display form."""
        return {}

    def request_counters(self) -> dict[str, RequestCounters]:
        """What this adapter asked so far, per endpoint (display form, never the secret url): requests, retries,
        rate-limit waits, bytes received. A transport that counts nothing has no entry."""
        found: dict[str, RequestCounters] = {}
        transports = ({self.endpoint.display: self._transport} if self._transport is not None else {}) \
            | self.extra_transports()
        for display, transport in transports.items():
            counters = getattr(transport, "counters", None)
            if counters is not None:
                found[display] = counters
        return found

    # ---- the cost model (`auditor plan`) -----------------------------------------------------------------

    def estimate_open_requests(self) -> RequestEstimate:
        """Requests once per adapter, before any other (a protocol handshake); none by default."""
        return RequestEstimate.exactly(0)

    def estimate_snapshot_requests(self) -> RequestEstimate:
        """Requests of `snapshot(height)` for one height. Families with a cost model override it, with their
        formula; the default says the cost is not known."""
        raise NotImplementedError(f"{type(self).__name__} has no request cost model")

    def estimate_requests(self, queries: Sequence[BalanceQuery]) -> RequestEstimate:
        """Requests of one `stream_balances(queries, height)` after its snapshot check (the reads and the block
        re-check), for distinct `queries`, as the default scheduling batches them."""
        raise NotImplementedError(f"{type(self).__name__} has no request cost model")

    def batches(self, count: int) -> int:
        """How many `batch_size()` batches the default `read_balances` makes of `count` queries."""
        return -(-count // self.batch_size())

    async def aclose(self) -> None:
        """Release connections."""
        if self._transport is not None:
            await self._transport.aclose()

    def refuse(self, kind: Refusal, height: int | None, detail: str = "") -> DataSourceError:
        return DataSourceError.refuse(kind, self.network.code, self.endpoint.display, height, detail)

    # ---- the snapshot template ------------------------------------------------------------------------

    async def snapshot(self, height: int) -> Snapshot:
        """Check that the source can answer at `height`; the block's hash as the source reports it.

        Raises DataSourceError (with its `refusal`) with a message a user can act on. Checked once per height.
        """
        known = self._snapshots.get(height)
        if known is not None:
            return known
        try:
            expected = self.expected_identity()
            if expected is not None:
                found = await self.chain_identity()
                if found.lower() != expected.lower():
                    raise self.refuse(Refusal.WRONG_CHAIN, height, f"its {self.identity_name} is {found}, "
                                      f"expected {expected} for {self.network.name}")
            tip = await self.tip_height()
            if tip < height:
                raise self.refuse(Refusal.BEHIND, height, str(tip))
            block_hash = await self.block_hash(height)
            if not block_hash:
                raise self.refuse(Refusal.NO_BLOCK, height)
            final = await self.final_height()
            if final is not None and final < height:
                raise self.refuse(Refusal.NOT_FINAL, height, f"final up to block {final}")
            snapshot = Snapshot(self.network.code, height, block_hash, self.endpoint.display)
            try:
                await self.check_state(snapshot)
            except StateUnavailable as exc:
                raise self.refuse(Refusal.NO_STATE, height, str(exc)) from None
        except DataSourceError as exc:
            if exc.refusal is not None:
                raise
            raise self.refuse(Refusal.UNREACHABLE, height, str(exc)) from exc
        except (RequestProblem, ValueError, TypeError, KeyError) as exc:
            raise self.refuse(Refusal.UNREACHABLE, height, f"{type(exc).__name__}: {exc}") from exc
        self._snapshots[height] = snapshot
        return snapshot

    def expected_identity(self) -> str | None:
        """The chain identity the source must report (config first, then registry); None: not checked."""
        if self.endpoint.chain_id is not None:
            return str(self.endpoint.chain_id)
        if self.network.chain_id is not None:
            return str(self.network.chain_id)
        return None

    async def chain_identity(self) -> str:
        """The source's own chain identity (chain id, genesis hash...), compared with `expected_identity`."""
        raise NotImplementedError(f"{type(self).__name__} does not report its chain identity")

    @abstractmethod
    async def tip_height(self) -> int:
        """The source's newest block (or ledger, slot...) height."""

    @abstractmethod
    async def block_hash(self, height: int) -> str | None:
        """The hash of the block at `height`, or None when the source does not have it."""

    async def final_height(self) -> int | None:
        """The newest final (irreversible) height where the family's reads need one; None: not checked."""
        return None

    async def check_state(self, snapshot: Snapshot) -> None:  # noqa: B027 - optional hook
        """Raise StateUnavailable when state at the snapshot cannot be read (a pruned node)."""

    # ---- reading balances ------------------------------------------------------------------------------

    async def fetch_balances(self, queries: Sequence[BalanceQuery], height: int) -> dict[BalanceQuery, Balance]:
        """Balances at `height`, one entry per query. A query the source could not answer gets a
        Balance with amount None and an error; it is never reported as 0."""
        answers: dict[BalanceQuery, Balance] = {}
        async for part in self.stream_balances(queries, height):
            answers.update(part)
        return answers

    async def stream_balances(
        self, queries: Sequence[BalanceQuery], height: int
    ) -> AsyncIterator[Mapping[BalanceQuery, Balance]]:
        """Answers as they arrive (the caller checkpoints each part). Raises DataSourceError when the source
        cannot answer at `height` at all, or when the block changed during the read (REORG)."""
        snapshot = await self.snapshot(height)
        if not queries:
            return
        # Callers pass distinct queries (BalanceSources reads each once); a repeated one is merely read twice.
        async for part in self.read_balances(queries, snapshot):
            yield part
        if self.recheck_block:
            try:
                now = await self.block_hash(height)
            except (RequestProblem, DataSourceError, ValueError, TypeError) as exc:
                raise self.refuse(Refusal.UNREACHABLE, height, f"block hash re-check failed: {exc}") from exc
            if now != snapshot.block_hash:
                self._snapshots.pop(height, None)
                raise self.refuse(Refusal.REORG, height, f"was {snapshot.block_hash}, now {now or 'missing'}")

    def batch_size(self) -> int:
        size = max(1, self.endpoint.batch_size)
        return min(size, self.max_batch) if self.max_batch else size

    async def read_balances(
        self, queries: Sequence[BalanceQuery], snapshot: Snapshot
    ) -> AsyncIterator[Mapping[BalanceQuery, Balance]]:
        """Default scheduling: batches of `batch_size()` read concurrently (the transport bounds how many are
        in flight), each yielded when it completes. A batch whose request fails after the transport's retries
        leaves only its own queries unread, with the reason; what other batches read is kept."""
        size = self.batch_size()
        batches = [list(queries[i : i + size]) for i in range(0, len(queries), size)]
        tasks = [asyncio.ensure_future(self._read_batch_or_errors(batch, snapshot)) for batch in batches]
        try:
            for next_done in asyncio.as_completed(tasks):
                yield await next_done
        finally:
            for task in tasks:
                task.cancel()

    async def _read_batch_or_errors(
        self, batch: list[BalanceQuery], snapshot: Snapshot
    ) -> Mapping[BalanceQuery, Balance]:
        try:
            read = await self.read_batch(batch, snapshot)
            answers = read if isinstance(read, dict) else dict(read)
        except DataSourceError as exc:
            if exc.refusal is not None:
                raise  # the source as a whole cannot answer: not a per-row matter
            return {q: Balance(None, "", str(exc)) for q in batch}
        except RequestProblem as exc:
            return {q: Balance(None, "", f"request failed: {exc}") for q in batch}
        if len(answers) < len(batch):  # an adapter that forgot a query must not make it vanish
            forgot = Balance(None, "", "the source gave no answer for this query")
            for query in batch:
                if query not in answers:
                    answers[query] = forgot
        return answers

    async def read_batch(self, batch: Sequence[BalanceQuery], snapshot: Snapshot) -> Mapping[BalanceQuery, Balance]:
        """The balances of one batch at the snapshot. Families using the default `read_balances` write this."""
        raise NotImplementedError(f"{type(self).__name__} implements neither read_batch nor read_balances")


class ChainFamily(ABC):
    """Offline knowledge of a family of chains: address forms and ownership-signature schemes."""

    name: str

    @abstractmethod
    def normalize_address(self, address: str, network: Network) -> str:
        """Canonical form of `address` on `network` (used for de-duplication and queries).

        Raises ValueError with the reason when it is not a valid address of that network.
        """

    @abstractmethod
    def verify_ownership(self, row: AddressRow, network: Network) -> OwnershipProof:
        """Check the row's signature(s). Never raises for bad row data: that is a failed proof."""

    @abstractmethod
    def open_adapter(self, network: Network, endpoint: Endpoint) -> BalanceAdapter:
        """A balance adapter for the endpoint's backend. Raises ValueError for an unknown backend."""

    def balance_query(self, row: AddressRow, token: Token, address: str) -> BalanceQuery:
        """The query that reads `token` for this row; families needing more than the address override it."""
        return BalanceQuery(address=address, contract=token.contract)


class OfflineOnlyFamily(ChainFamily):
    """A family whose ownership is checked offline but whose balances no backend reads yet: the pipeline
    reports its rows' balances as not read (one wording for all of them)."""

    def open_adapter(self, network: Network, endpoint: Endpoint) -> BalanceAdapter:
        raise ValueError(f"no balance backend exists yet for {network.name} ({network.code}; backend "
                         f"{endpoint.backend!r}): its balances are not read, ownership is checked offline only")
