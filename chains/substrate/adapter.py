"""Balances of Substrate accounts at the snapshot block, over a node's JSON-RPC (Polkadot, Kusama, Asset Hub).

The snapshot is pinned by hash: `chain_getBlockHash(height)`, then every read is `state_queryStorageAt(keys,
hash)`, the state of that very block (no roll-back needed). A node keeps the state of old blocks only in archive
mode (`--state-pruning archive`); a pruned one answers "State already discarded for 0x…" and is refused
(NO_STATE), never read at the tip. The storage keys are built here (chains.substrate.storage), up to
`max_batch` per request; each key the node echoes ends with the account id, so each answer is bound to its row.
A provider that does not serve `state_queryStorageAt` (method unknown, or refused as unsafe) is asked with one
JSON-RPC batch of `state_getStorage(key, hash)` per batch instead, each answer bound to its key by its id.

* native coin (DOT, KSM): `System.Account`, free + reserved counted; frozen (locks: staking, vesting,
  governance) is part of them and is reported in the row's note, not subtracted;
* Assets-pallet tokens (USDT 1984, USDC 1337 on Polkadot Asset Hub): `Assets.Account(asset id, account)`,
  the balance counted, a frozen or blocked account reported in the note.

An account without a storage entry at the snapshot holds nothing there: its figure is 0, said so in the note.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping, Sequence
from typing import Any

from chains.base import (
    Balance,
    BalanceAdapter,
    BalanceQuery,
    Endpoint,
    Network,
    Refusal,
    Snapshot,
    StateUnavailable,
)
from chains.substrate import addresses, storage
from chains.substrate.options import SubstrateOptions
from chains.transport import JsonRpcClient, JsonRpcError, RequestError

# What substrate nodes say for a block whose state they pruned (the wording changed over the years:
# "UnknownBlock: State already discarded for BlockId::Hash(0x…)", "Api called for an unknown Block: State
# already discarded for 0x…").
_PRUNED_WORDS = ("state already discarded", "unknown block", "unknownblock")
# Most keys per state_queryStorageAt: nodes bound a request's size (--rpc-max-request-size, 15 MiB) and its
# reply's (--rpc-max-response-size); 1,000 keys are ~200 KB asked and ~400 KB answered.
MAX_KEYS = 1000


# A node or provider that does not serve state_queryStorageAt: the method unknown, or refused as unsafe.
_UNAVAILABLE_WORDS = ("method not found", "unsafe", "not supported", "not allowed")
Stored = str | None | RequestError  # a storage value as read: 0x-hex, None (no entry), or why it was not read


def _is_unavailable(error: JsonRpcError) -> bool:
    return error.code == -32601 or any(word in str(error).lower() for word in _UNAVAILABLE_WORDS)


def _is_pruned(error: JsonRpcError) -> bool:
    text = f"{error} {error.data or ''}".lower()
    return any(word in text for word in _PRUNED_WORDS)


def _hex_bytes(value: Any, what: str) -> bytes:
    if not isinstance(value, str) or not value.startswith("0x"):
        raise ValueError(f"{what} is not 0x-hex: {str(value)[:80]!r}")
    try:
        return bytes.fromhex(value[2:])
    except ValueError:
        raise ValueError(f"{what} is not 0x-hex: {value[:80]!r}") from None


def _block_hash(value: Any, what: str) -> str:
    raw = _hex_bytes(value, what)
    if len(raw) != 32:
        raise ValueError(f"{what} is {len(raw)} bytes, not a 32-byte block hash")
    return "0x" + raw.hex()


def _header_number(header: Any) -> int:
    if not isinstance(header, dict) or not isinstance(header.get("number"), str):
        raise ValueError(f"chain_getHeader: no block number in {str(header)[:200]}")
    return int(header["number"], 16)


class SubstrateBalanceAdapter(BalanceAdapter):
    options_type = SubstrateOptions
    method = "System.Account"
    identity_name = "genesis hash"
    max_batch = MAX_KEYS

    def __init__(self, network: Network, endpoint: Endpoint) -> None:
        super().__init__(network, endpoint)
        self.options: SubstrateOptions
        if endpoint.chain_id is not None:
            raise ValueError(f"[networks.{network.code}] chain_id: a Substrate chain is named by its genesis hash "
                             f"(the registry's, or [networks.{network.code}.options] genesis_hash), not a chain id")
        param = "asset_hub_genesis_hash" if self.options.source == "asset-hub" else "genesis_hash"
        self._genesis = self.options.genesis_hash or str(network.params.get(param) or "")
        if self.options.source == "asset-hub" and not self._genesis:
            raise ValueError(f"[networks.{network.code}.options] source = \"asset-hub\": the registry has no "
                             f"asset_hub_genesis_hash for {network.name}")
        self._rpc: JsonRpcClient | None = None
        self._per_key = False  # set once the source refuses state_queryStorageAt

    @property
    def rpc(self) -> JsonRpcClient:
        if self._rpc is None:
            self._rpc = JsonRpcClient(self.transport, self.endpoint.url)
        return self._rpc

    # ---- snapshot hooks -------------------------------------------------------------------------------

    def expected_identity(self) -> str | None:
        return self._genesis.lower() or None

    async def chain_identity(self) -> str:
        return _block_hash(await self.rpc.call("chain_getBlockHash", [0]), "chain_getBlockHash(0)")

    async def tip_height(self) -> int:
        return _header_number(await self.rpc.call("chain_getHeader", []))

    async def block_hash(self, height: int) -> str | None:
        found = await self.rpc.call("chain_getBlockHash", [height])
        return None if found is None else _block_hash(found, f"chain_getBlockHash({height})")

    async def final_height(self) -> int | None:
        if not self.options.require_final:
            return None
        head = _block_hash(await self.rpc.call("chain_getFinalizedHead", []), "chain_getFinalizedHead")
        return _header_number(await self.rpc.call("chain_getHeader", [head]))

    async def check_state(self, snapshot: Snapshot) -> None:
        """The block's own state must be readable: its System.Number is the snapshot height. For the coin of a
        relay chain (one the registry gives an Asset Hub for), the block must also be on the side of the Asset Hub
        migration that `source` names (see `_check_migration_side`)."""
        number_key = "0x" + storage.SYSTEM_NUMBER.hex()
        migration = self._migration_keys()
        changes = await self._query(snapshot, [number_key, *migration], checking=True)
        value = changes.get(number_key)
        if isinstance(value, RequestError):
            raise value
        if value is None:
            raise StateUnavailable("System.Number is missing from the block's state")
        number = storage.decode_block_number(_hex_bytes(value, "System.Number"))
        if number != snapshot.height:
            raise ValueError(f"the state at {snapshot.block_hash} says block {number}, not {snapshot.height}")
        if migration:
            self._check_migration_side(snapshot, {key: changes.get(key) for key in migration})

    def _migration_keys(self) -> list[str]:
        if not self.network.params.get("asset_hub_genesis_hash"):
            return []  # not a relay chain's coin: nothing moved
        if self.options.source == "own":
            return ["0x" + storage.RC_MIGRATED_BALANCE.hex(), "0x" + storage.RC_MIGRATED_BALANCE_ARCHIVE.hex()]
        return ["0x" + storage.TIMESTAMP_NOW.hex(), "0x" + storage.AH_MIGRATION_STAGE.hex()]

    def _check_migration_side(self, snapshot: Snapshot, values: Mapping[str, Stored]) -> None:
        """Relay node: refused once RcMigrator's balance bookkeeping exists (balances had begun to leave). Asset
        Hub node: refused for a block from before the registry's migration date whose AhMigrator stage is still
        Pending (or absent): the relay chain still held the balances."""
        date = str(self.network.params.get("asset_hub_migration") or "")
        coin, name = self.network.native_asset, self.network.name
        if self.options.source == "own":
            if any(isinstance(value, str) for value in values.values()):
                raise self.refuse(Refusal.WRONG_CHAIN, snapshot.height, (
                    f"at block {snapshot.height} the {name} relay chain had begun moving account balances to its "
                    f"Asset Hub (RcMigrator.RcMigratedBalance is set; migration of {date or 'unknown date'}): read "
                    f"{coin} from an Asset Hub node ([networks.{self.network.code}.options] source = \"asset-hub\", "
                    "the height an Asset Hub block)"))
            return
        now_value, stage_value = (values.get("0x" + storage.TIMESTAMP_NOW.hex()),
                                  values.get("0x" + storage.AH_MIGRATION_STAGE.hex()))
        if not date or not isinstance(now_value, str) or isinstance(stage_value, RequestError):
            return
        moment = storage.decode_moment(_hex_bytes(now_value, "Timestamp.Now"))
        migration_over = datetime.date.fromisoformat(date) + datetime.timedelta(days=1)
        pending = stage_value is None or _hex_bytes(stage_value, "AhMigrator.AhMigrationStage")[:1] == b"\x00"
        if pending and moment.date() < migration_over:
            raise self.refuse(Refusal.WRONG_CHAIN, snapshot.height, (
                f"Asset Hub block {snapshot.height} ({moment:%Y-%m-%d %H:%M} UTC) is from before the {name} "
                f"balances moved there (migration of {date}, AhMigrator stage still pending): read {coin} from a "
                f"relay-chain node ([networks.{self.network.code}.options] source = \"own\", the height a relay "
                "block)"))

    async def _query(self, snapshot: Snapshot, keys: list[str], checking: bool = False) -> dict[str, Stored]:
        """The keys' values in the snapshot block's state: key -> 0x-hex, None (no entry) or the RequestError of
        that key alone. A key missing from the result was not answered. A reply for another block raises
        ValueError; a pruned state a NO_STATE refusal (StateUnavailable during the snapshot check)."""
        if not self._per_key:
            try:
                return await self._query_at(snapshot, keys)
            except JsonRpcError as exc:
                if _is_pruned(exc):
                    raise self._no_state(snapshot, exc, checking) from exc
                if not _is_unavailable(exc):
                    raise
                self._per_key = True  # a provider that does not serve state_queryStorageAt: ask key by key
        return await self._query_per_key(snapshot, keys, checking)

    def _no_state(self, snapshot: Snapshot, error: JsonRpcError, checking: bool) -> Exception:
        if checking:
            return StateUnavailable(str(error))
        return self.refuse(Refusal.NO_STATE, snapshot.height, str(error))

    async def _query_at(self, snapshot: Snapshot, keys: list[str]) -> dict[str, Stored]:
        reply = await self.rpc.call("state_queryStorageAt", [keys, snapshot.block_hash])
        if not isinstance(reply, list) or len(reply) != 1 or not isinstance(reply[0], dict):
            raise ValueError(f"state_queryStorageAt: expected one change set, got {str(reply)[:200]}")
        answered = str(reply[0].get("block", "")).lower()
        if answered != snapshot.block_hash.lower():
            raise ValueError(f"state_queryStorageAt answered for block {answered or 'none'}, not the snapshot's "
                             f"{snapshot.block_hash}")
        changes = reply[0].get("changes")
        if not isinstance(changes, list):
            raise ValueError(f"state_queryStorageAt: no changes list in {str(reply[0])[:200]}")
        wanted = set(keys)
        found: dict[str, Stored] = {}
        for entry in changes:
            if isinstance(entry, list) and len(entry) == 2 and isinstance(entry[0], str):
                key = entry[0].lower()
                if key in wanted:
                    found[key] = entry[1]
        return found

    async def _query_per_key(self, snapshot: Snapshot, keys: list[str], checking: bool) -> dict[str, Stored]:
        """One JSON-RPC batch of state_getStorage(key, hash): each answer is bound to its key by its id."""
        answers = await self.rpc.batch([("state_getStorage", [key, snapshot.block_hash]) for key in keys])
        found: dict[str, Stored] = {}
        for key, answer in zip(keys, answers, strict=True):
            if isinstance(answer, JsonRpcError) and _is_pruned(answer):
                raise self._no_state(snapshot, answer, checking)
            found[key] = answer
        return found

    # ---- balances -------------------------------------------------------------------------------------

    def _key(self, query: BalanceQuery) -> str:
        _, account = addresses.decode(query.address)
        if query.contract is None:
            return "0x" + storage.system_account_key(account).hex()
        return "0x" + storage.assets_account_key(storage.parse_asset_id(query.contract), account).hex()

    async def read_batch(self, batch: Sequence[BalanceQuery], snapshot: Snapshot) -> Mapping[BalanceQuery, Balance]:
        answers: dict[BalanceQuery, Balance] = {}
        keys: dict[BalanceQuery, str] = {}
        for query in batch:
            try:
                keys[query] = self._key(query)
            except ValueError as exc:
                answers[query] = Balance(None, self._method(query), f"storage key: {exc}")
        if keys:
            try:
                values = await self._query(snapshot, list(dict.fromkeys(keys.values())))
            except ValueError as exc:
                raise RequestError(str(exc)) from exc  # the whole batch's reply is unusable: its rows unread
            for query, key in keys.items():
                answers[query] = self._balance(query, snapshot, key, values)
        return answers

    @staticmethod
    def _method(query: BalanceQuery) -> str:
        """Read at the snapshot block itself (pinned by its hash): the storage item is the whole story."""
        return "System.Account" if query.contract is None else "Assets.Account"

    def _balance(self, query: BalanceQuery, snapshot: Snapshot, key: str,
                 values: Mapping[str, Stored]) -> Balance:
        if key not in values:
            return Balance(None, self._method(query),
                           "the node's reply has no entry for this account's storage key")
        value = values[key]
        if isinstance(value, RequestError):
            return Balance(None, self._method(query), f"state_getStorage: {value}")
        if value is None:
            return Balance(0, self._method(query), note="no account")
        try:
            raw = _hex_bytes(value, "storage value")
            if query.contract is None:
                account = storage.decode_account_info(raw)
                note = f"frozen {account.frozen}" if account.frozen else ""
                return Balance(account.total, self._method(query), note=note)
            asset = storage.decode_asset_account(raw)
            return Balance(asset.balance, self._method(query), note="frozen" if asset.frozen else "")
        except ValueError as exc:
            return Balance(None, self._method(query), str(exc))
