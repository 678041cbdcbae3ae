"""Stage 3 of the pipeline: read every row's balance at its network's snapshot height.

One adapter per configured network, opened on first use and kept for the run; one snapshot check per
(network, height); queries of a chunk grouped per (network, height) and read concurrently across networks.
A query is read once even when several rows of a chunk need it.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace

from auditor.assets import AssetRegistry
from auditor.config import ConfigError, NetworkSettings
from auditor.formats import SummaryRow
from auditor.money import whole_units
from auditor.ownership import UNBOUND_NOTE, RowResult
from chains.base import Balance, BalanceAdapter, BalanceQuery, DataSourceError, Network, RowStatus, Snapshot
from chains.registry import get_family
from chains.transport import scrub


@dataclass
class SnapshotHeights:
    """The height each row is read at: the config's pin for the network, else the row's own Snapshot Height,
    else the summary section's height for the row's coin."""

    pinned: Mapping[str, int]
    summary: Mapping[str, int]  # token code -> height from the summary section

    @classmethod
    def build(cls, networks: Mapping[str, NetworkSettings], summary: Iterable[SummaryRow], registry: AssetRegistry):
        pinned = {}
        for code, settings in networks.items():
            network = registry.network(code)
            if settings.snapshot_height is not None:
                pinned[network.code if network else code] = settings.snapshot_height
        by_token = {}
        for row in summary:
            token = registry.resolve(row.coin, "")
            if token is not None and row.snapshot_height is not None:
                by_token[token.code] = row.snapshot_height
        return cls(pinned, by_token)

    def height_for(self, result: RowResult) -> int | None:
        assert result.network is not None and result.token is not None
        if result.network.code in self.pinned:
            return self.pinned[result.network.code]
        if result.row.snapshot_height is not None:
            return result.row.snapshot_height
        return self.summary.get(result.token.code)


@dataclass
class BalanceSources:
    """Adapters and snapshots for the run. Use `async with`."""

    registry: AssetRegistry
    settings: Mapping[str, NetworkSettings]
    adapters: dict[str, BalanceAdapter] = field(default_factory=dict)
    snapshots: dict[tuple[str, int], Snapshot] = field(default_factory=dict)
    failures: dict[tuple[str, int], str] = field(default_factory=dict)  # (network, height) -> why it failed
    cache: dict[tuple[str, int, BalanceQuery], Balance] = field(default_factory=dict)
    _stack: contextlib.AsyncExitStack = field(default_factory=contextlib.AsyncExitStack)

    async def __aenter__(self) -> BalanceSources:
        """Opens an adapter per configured endpoint up front (no request is sent yet), so that a config the
        chain families cannot use (unknown network, unknown backend, bad options) stops the run before any row."""
        await self._stack.__aenter__()
        try:
            for code, settings in self.settings.items():
                if settings.endpoint is None:
                    continue
                network = self.registry.network(code)
                family = get_family(network.family) if network is not None else None
                if network is None or family is None:
                    raise ConfigError(f"[networks.{code}]: no such network in the registry (or its family is "
                                      "not supported): check the code or add [registry.networks]")
                try:
                    adapter = family.open_adapter(network, settings.endpoint)
                except ValueError as exc:
                    raise ConfigError(f"[networks.{code}]: {exc}") from None
                self.adapters[network.code] = await self._stack.enter_async_context(adapter)
        except BaseException:
            await self._stack.__aexit__(None, None, None)
            raise
        return self

    async def __aexit__(self, *exc_info) -> None:
        await self._stack.__aexit__(*exc_info)



    async def _read_group(self, network: Network, height: int, queries: list[BalanceQuery]) -> None:
        key = (network.code, height)
        if key in self.failures:
            return
        adapter = self.adapters[network.code]
        try:
            if key not in self.snapshots:
                self.snapshots[key] = await adapter.snapshot(height)
            answers = await adapter.fetch_balances(queries, height)
        except DataSourceError as exc:
            self.failures[key] = scrub(str(exc), adapter.endpoint.url)
            return
        except Exception as exc:  # an unexpected reply or an adapter bug: the rows are reported, not lost
            message = f"{network.code} endpoint {adapter.endpoint.display}: {type(exc).__name__}: {exc}"
            self.failures[key] = scrub(message, adapter.endpoint.url)
            return
        for query in queries:
            answer = answers.get(query, Balance(None, "", "the adapter returned no answer for this query"))
            if answer.error:  # errors are reported; no secret of the endpoint may ride along
                answer = replace(answer, error=scrub(answer.error, adapter.endpoint.url))
            self.cache[(network.code, height, query)] = answer

    async def fill(self, results: list[RowResult], heights: SnapshotHeights) -> None:
        """Set `onchain` (or `balance_error`) on every result that has a query."""
        # Repeated (network, address, coin) rows are duplicates and carry no query, so answers are only
        # shared within a chunk: keeping them for the whole run would grow with the file.
        self.cache.clear()
        wanted: dict[tuple[str, int], set[BalanceQuery]] = defaultdict(set)
        networks: dict[str, Network] = {}
        for result in results:
            if result.query is None:
                continue
            assert result.network is not None
            result.height = heights.height_for(result)
            if result.height is None:
                result.query = None
                result.status = _unchecked_unless_failed(result.status)
                result.note(f"balance not read: no snapshot height for {result.network.code} "
                            f"(set [networks.{result.network.code}] snapshot_height)")
                continue
            if result.network.code not in self.adapters:
                result.note(f"balance not read: no endpoint for network {result.network.code} in the config")
                result.status = _unchecked_unless_failed(result.status)
                result.query = None
                continue
            key = (result.network.code, result.height)
            networks[result.network.code] = result.network
            if (key[0], key[1], result.query) not in self.cache:
                wanted[key].add(result.query)
        await asyncio.gather(
            *(self._read_group(networks[code], height, sorted(qs, key=_order)) for (code, height), qs in wanted.items())
        )
        for result in results:
            if result.query is None:
                continue
            key = (result.network.code, result.height)
            if key in self.failures:
                result.balance_error = self.failures[key]
                continue
            balance = self.cache[(key[0], key[1], result.query)]
            result.onchain_method = balance.method
            if balance.amount is None:
                result.balance_error = balance.error or "no answer"
            else:
                result.onchain_base = balance.amount
                result.onchain = whole_units(balance.amount, result.token.decimals)
            if balance.owners_bound is not None:
                _apply_owner_check(result, balance)


def _apply_owner_check(result: RowResult, balance: Balance) -> None:
    """An owner-mode row whose proven signers the chain shows in control of the contract is verified."""
    if balance.owners_bound and result.status == RowStatus.UNCHECKED and UNBOUND_NOTE in result.reason:
        result.status = RowStatus.VERIFIED
        result.reason = result.reason.replace(UNBOUND_NOTE, balance.owners_note)
    elif balance.owners_bound and result.status == RowStatus.VERIFIED:
        result.note(balance.owners_note)
    elif not balance.owners_bound:
        result.note(f"on chain: {balance.owners_note}")


def _unchecked_unless_failed(status: RowStatus) -> RowStatus:
    """A row whose balance cannot be read is not fully checked; a failed proof stays failed."""
    return status if status == RowStatus.FAILED else RowStatus.UNCHECKED


def _order(query: BalanceQuery) -> tuple[str, str]:
    """Deterministic request order, so two runs send the same batches."""
    return (query.address, query.contract or "")
