"""Aptos balances at the snapshot block through a fullnode's REST API.

The snapshot height is a block height. `snapshot` checks the node's `chain_id` (GET /v1; mainnet 1) and that it
keeps the block (`/v1/blocks/by_height/{h}`: 404 = no block, 410 `block_pruned` = refused), and takes the block's
`last_version`: the ledger version whose state is the block's end state. Every balance is read at that
`ledger_version`, so figures are the snapshot's whatever moved since; a node that has pruned that version
(`oldest_ledger_version` above it, or 410 `version_pruned` on the probe view call) is refused, never read at the tip.
Aptos blocks are final once committed (BFT), so there is no finality wait.

APT is held in two places since the fungible-asset migration (AIP-63): the `0x1::coin::CoinStore<AptosCoin>`
resource (absent for migrated and new accounts: 404 `resource_not_found`, 0) and the primary fungible store of
APT's paired metadata 0xa (`0x1::primary_fungible_store::balance` view, 0 when the store does not exist). The figure
is their sum: method `aptos-coin+fa`, read at ledger version V, its note naming both parts (`coin 5 + fa 7`).
Fungible-asset tokens (USDT, USDC: the registry's contract is the FA metadata address) are the primary store's
balance alone (`aptos-fa`, read at V). Secondary (non-primary) stores of an account are not counted.

Binding: the resource reply echoes its `type`, checked; view replies echo nothing (a one-element list), so they are
bound by the request alone.

Owner mode (a row proven by the key whose authentication key is `eoa1`, the address being another account): the
`0x1::account::Account` resource at the same version must hold `authentication_key` = eoa1 (the key was rotated
to it); then the chain binds the row (`Balance.owners_bound`), else the row says what the chain holds instead.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import replace

from chains.aptos import addresses
from chains.aptos.api import AptosApiError, AptosRest, BlockInfo, LedgerInfo, u64
from chains.aptos.options import AptosOptions
from chains.aptos.query import owners_of
from chains.base import (
    Balance,
    BalanceAdapter,
    BalanceQuery,
    DataSourceError,
    Endpoint,
    Network,
    Refusal,
    RequestEstimate,
    RequestProblem,
    Snapshot,
    StateUnavailable,
)

APT_COIN_STORE = "0x1::coin::CoinStore<0x1::aptos_coin::AptosCoin>"
ACCOUNT = "0x1::account::Account"
PRIMARY_STORE_BALANCE = "0x1::primary_fungible_store::balance"
FA_METADATA = "0x1::fungible_asset::Metadata"


class AptosBalanceAdapter(BalanceAdapter):
    options_type = AptosOptions
    method = "aptos-fa"
    identity_name = "chain id"

    options: AptosOptions

    def __init__(self, network: Network, endpoint: Endpoint) -> None:
        super().__init__(network, endpoint)
        self._blocks: dict[int, BlockInfo] = {}
        self._info: LedgerInfo | None = None

    @property
    def rest(self) -> AptosRest:
        return AptosRest(self.transport, self.endpoint.url)

    def version_at(self, height: int) -> int:
        """The ledger version balances at snapshot `height` are read at (the block's last version)."""
        return self._blocks[height].last_version

    # ---- snapshot hooks ---------------------------------------------------------------------------

    async def snapshot(self, height: int) -> Snapshot:
        self._info = None  # one GET /v1 per snapshot check, shared by the hooks below
        return await super().snapshot(height)

    async def _ledger_info(self) -> LedgerInfo:
        if self._info is None:
            self._info = await self.rest.ledger_info()
        return self._info

    async def chain_identity(self) -> str:
        return str((await self._ledger_info()).chain_id)

    async def tip_height(self) -> int:
        return (await self._ledger_info()).block_height

    async def block_hash(self, height: int) -> str | None:
        try:
            block = await self.rest.block(height)
        except AptosApiError as exc:
            if exc.pruned:
                raise self.refuse(Refusal.NO_STATE, height, str(exc)) from None
            raise
        if block is None:
            return None
        self._blocks[height] = block
        return block.block_hash

    async def check_state(self, snapshot: Snapshot) -> None:
        version = self.version_at(snapshot.height)
        info = await self._ledger_info()
        if info.oldest_ledger_version > version:
            raise StateUnavailable(f"its oldest ledger version is {info.oldest_ledger_version}, the block ends at "
                                   f"version {version}")
        if self.options.probe_state:
            try:
                await self._fa_balance("0x1", self.options.native_fa_metadata, version)
            except AptosApiError as exc:
                if exc.pruned:
                    raise StateUnavailable(str(exc)) from None
                raise

    # ---- cost model -------------------------------------------------------------------------------

    def estimate_snapshot_requests(self) -> RequestEstimate:
        """GET /v1 (shared by the identity, tip and pruning checks) + the block by height + one view call at its
        version (`probe_state`)."""
        return RequestEstimate.exactly(2 + (1 if self.options.probe_state else 0), "ledger info, block, probe")

    def estimate_requests(self, queries: Sequence[BalanceQuery]) -> RequestEstimate:
        """APT: the CoinStore resource and the fungible-asset view (2); a fungible-asset token: its view (1); a
        Move coin type: none (not read); owner mode: the Account resource (1 more); + 1 block re-check. The REST
        API has no multi-account read."""
        low = 1
        for query in queries:
            if query.contract is not None and "::" in query.contract:
                continue
            low += (2 if query.contract is None else 1) + (1 if owners_of(query) else 0)
        return RequestEstimate.exactly(low, f"{len(queries)} rows: 2 per APT row, 1 per token row, 1 per owner check"
                                       " + 1 re-check")

    # ---- balances ---------------------------------------------------------------------------------

    async def read_batch(self, batch: Sequence[BalanceQuery], snapshot: Snapshot) -> Mapping[BalanceQuery, Balance]:
        version = self.version_at(snapshot.height)
        answers = await asyncio.gather(*(self._read(query, version) for query in batch))
        return dict(zip(batch, answers, strict=True))

    async def _read(self, query: BalanceQuery, version: int) -> Balance:
        method = "aptos-coin+fa" if query.contract is None else "aptos-fa"  # read at `version`, the block's last
        try:
            address = addresses.encode(addresses.decode(query.address))
            if query.contract is None:
                coin, fa = await asyncio.gather(self._coin_store(address, version),
                                                self._fa_balance(address, self.options.native_fa_metadata, version))
                balance = Balance(coin + fa, method, read_at=version, note=f"coin {coin} + fa {fa}")
            elif "::" in query.contract:
                return Balance(None, method, f"coin type {query.contract}: only fungible-asset tokens (a metadata "
                                             "address) are read", read_at=version)
            else:
                metadata = addresses.encode(addresses.decode(query.contract))
                balance = Balance(await self._fa_balance(address, metadata, version), method, read_at=version)
            owners = owners_of(query)
            if owners:
                bound, note = await self._owner_check(address, owners, version)
                balance = replace(balance, owners_bound=bound, owners_note=note)
            return balance
        except (RequestProblem, DataSourceError, ValueError) as exc:
            return Balance(None, method, str(exc), read_at=version)

    async def _owner_check(self, address: str, owners: tuple[str, ...], version: int) -> tuple[bool, str]:
        """Was the account's authentication key at `version` the proven signer's (eoa1)?"""
        data = await self.rest.resource(address, ACCOUNT, version)
        if data is None:
            return False, f"account {address} did not exist at ledger version {version}"
        key = data.get("authentication_key")
        if not isinstance(key, str):
            raise ValueError(f"Account of {address}: authentication_key is {key!r}")
        current = addresses.encode(addresses.decode(key))
        if current in owners:
            return True, (f"the signer's authentication key {current} was the authentication key of account "
                          f"{address} at ledger version {version}")
        return False, (f"account {address} had authentication key {current} at ledger version {version}, not the "
                       f"signer's {', '.join(owners)}")

    async def _coin_store(self, address: str, version: int) -> int:
        data = await self.rest.resource(address, APT_COIN_STORE, version)
        if data is None:
            return 0
        coin = data.get("coin")
        return u64(coin.get("value") if isinstance(coin, dict) else None, f"CoinStore of {address} coin.value")

    async def _fa_balance(self, address: str, metadata: str, version: int) -> int:
        return await self.rest.view_u64(PRIMARY_STORE_BALANCE, [FA_METADATA], [address, metadata], version)
