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

import enum
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Self


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

    def __reduce__(self):  # rows go to the signature workers by the 100,000: plain tuples pickle fastest
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
    reason: str = ""  # why it failed or was left unchecked; empty when verified
    # False for owner mode only: a contract wallet proven by its owners' keys (EVM eoa1/eoa2, Aptos eoa1). The
    # pipeline reports such a row unchecked unless the user opts in ([audit] trust_owner_mode). A key that
    # verifies but whose account binding needs the chain (NEAR named, EOS, Starknet) is `unchecked` instead.
    binds_address: bool = True

    def __reduce__(self):
        return (OwnershipProof, (self.status, self.scheme, self.reason, self.binds_address))

    @classmethod
    def verified(cls, scheme: str, note: str = "", binds_address: bool = True) -> OwnershipProof:
        return cls(RowStatus.VERIFIED, scheme, note, binds_address)

    @classmethod
    def failed(cls, reason: str, scheme: str = "") -> OwnershipProof:
        return cls(RowStatus.FAILED, scheme, reason)

    @classmethod
    def unchecked(cls, reason: str, scheme: str = "") -> OwnershipProof:
        """Not decided offline; `scheme` names the check that did run, when one did (a valid key signature)."""
        return cls(RowStatus.UNCHECKED, scheme, reason)


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
    script: str = ""  # UTXO: redeem script hex, so multisig outputs can be scanned by descriptor
    owners: tuple[str, ...] = ()  # owner mode: the proven signers; the adapter checks they control `address`
    # UTXO: the scriptPubKey paying `address`, worked out with the address (a signature worker has just
    # decoded it) so the backend need not decode it again. Not part of the query's identity.
    locking_script: bytes = field(default=b"", compare=False)

    def __reduce__(self):  # pickled by the 100,000 between processes: plain tuples, not dataclass state
        return (BalanceQuery, (self.address, self.contract, self.script, self.owners, self.locking_script))


@dataclass(frozen=True, slots=True)
class Balance:
    """The answer to one BalanceQuery: an amount in base units, or why there is none."""

    amount: int | None
    method: str = ""  # how the figure was obtained, e.g. "multicall3", "trc20-rollback"
    error: str = ""
    owners_bound: bool | None = None  # for a query with owners: do they control the address at the snapshot?
    owners_note: str = ""  # what the chain said about them

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


class DataSourceError(Exception):
    """A data source cannot answer at all (wrong chain, behind the snapshot, no history, unreachable)."""


class BalanceAdapter(ABC):
    """Reads balances of one network from one endpoint. Use as an async context manager."""

    def __init__(self, network: Network, endpoint: Endpoint) -> None:
        self.network = network
        self.endpoint = endpoint

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:  # noqa: B027 - optional hook
        """Release connections."""

    @abstractmethod
    async def snapshot(self, height: int) -> Snapshot:
        """Check that the source can answer at `height` (right chain, not behind, history kept).

        Raises DataSourceError with a message a user can act on.
        """

    @abstractmethod
    async def fetch_balances(self, queries: Sequence[BalanceQuery], height: int) -> dict[BalanceQuery, Balance]:
        """Balances at `height`, one entry per query. A query the source could not answer gets a
        Balance with amount None and an error; it is never reported as 0."""


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
