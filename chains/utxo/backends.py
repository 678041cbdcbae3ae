"""UTXO balance backends by name, and what they share: the output script a query names, and the chain check.

* "bitcoind": Bitcoin Core (or Litecoin/Dogecoin Core) JSON-RPC `scantxoutset`; reads the tip only, so the
  node must sit at the snapshot height (chains.utxo.bitcoind).
* "electrum": an Electrum-protocol server (ElectrumX, Fulcrum, electrs) over TCP or TLS; balances at H rebuilt
  from each script's history (chains.utxo.electrum).
* "esplora": an Esplora REST API (self-hosted or public); the same rebuild from paged history
  (chains.utxo.esplora).

A balance is read for the output script the address names; a multisig row's redeem script
(`UtxoQueryDetail.script`) is not needed for that, since P2SH/P2WSH addresses commit to the script's hash.
"""

from __future__ import annotations

import importlib
from abc import abstractmethod
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import ClassVar

from chains.base import Balance, BalanceAdapter, BalanceQuery, Endpoint, Network, Refusal, RequestEstimate, Snapshot
from chains.options import BackendOptions
from chains.utxo.addresses import decode_address
from chains.utxo.params import UtxoParams
from chains.utxo.query import detail_of

BACKENDS: dict[str, str] = {
    "bitcoind": "chains.utxo.bitcoind:BitcoindAdapter",
    "electrum": "chains.utxo.electrum:ElectrumAdapter",
    "esplora": "chains.utxo.esplora:EsploraAdapter",
}


def open_backend(network: Network, endpoint: Endpoint) -> BalanceAdapter:
    """The adapter for `endpoint.backend`; ValueError naming the known ones otherwise."""
    target = BACKENDS.get(endpoint.backend)
    if target is None:
        known = ", ".join(sorted(BACKENDS))
        raise ValueError(f"unknown UTXO backend {endpoint.backend!r} for {network.code} (known: {known})")
    module_name, _, class_name = target.partition(":")
    # Imported by name so this module's helpers can be shared by the adapters without an import cycle.
    adapter_class: type[BalanceAdapter] = getattr(importlib.import_module(module_name), class_name)
    return adapter_class(network, endpoint)


def output_scripts(
    queries: Iterable[BalanceQuery], params: UtxoParams
) -> tuple[dict[BalanceQuery, bytes], dict[BalanceQuery, str]]:
    """The scriptPubKey each query's address pays to, and the reason for each address that does not decode."""
    scripts: dict[BalanceQuery, bytes] = {}
    errors: dict[BalanceQuery, str] = {}
    for query in queries:
        if query.contract is not None:
            errors[query] = f"{params.code} has no token contracts; cannot read {query.contract}"
            continue
        locking = detail_of(query).locking_script
        if locking:  # worked out with the address in a signature worker
            scripts[query] = locking
            continue
        try:
            scripts[query] = decode_address(query.address, params).output_script
        except ValueError as exc:
            errors[query] = str(exc)
    return scripts, errors


@dataclass(frozen=True, slots=True)
class UtxoOptions(BackendOptions):
    """Options every UTXO backend takes."""

    # The genesis block hash the source must report (default: the registry's `genesis_hash`): a guard against a
    # server of another chain whose addresses happen to decode the same way.
    genesis_hash: str | None = None


class UtxoBackend(BalanceAdapter):
    """What the three backends share: the network's parameters, the chain check by genesis hash, and the split
    of a batch of queries into output scripts to read and answers for addresses that cannot be read."""

    options_type: ClassVar[type[BackendOptions]] = UtxoOptions
    options: UtxoOptions
    identity_name = "genesis hash"

    def __init__(self, network: Network, endpoint: Endpoint) -> None:
        super().__init__(network, endpoint)
        self.params = UtxoParams.from_network(network)

    def expected_identity(self) -> str | None:
        value = self.options.genesis_hash or self.network.params.get("genesis_hash")
        return str(value).lower() if value else None

    async def chain_identity(self) -> str:
        return await self.block_hash(0) or "missing"

    async def read_batch(self, batch: Sequence[BalanceQuery], snapshot: Snapshot) -> Mapping[BalanceQuery, Balance]:
        scripts, errors = output_scripts(batch, self.params)
        results: dict[BalanceQuery, Balance] = {q: Balance(None, "", reason) for q, reason in errors.items()}
        if scripts:
            results |= await self._read_scripts(scripts, snapshot)
        return results

    # ---- cost model: the snapshot template's hooks, then per batch of `batch_size()` what the backend asks ----

    def estimate_snapshot_requests(self) -> RequestEstimate:
        """block 0's hash (when a genesis hash is expected) + the tip + block H's hash."""
        return RequestEstimate.exactly((1 if self.expected_identity() is not None else 0) + 2,
                                       "genesis, tip, block")

    def estimate_requests(self, queries: Sequence[BalanceQuery]) -> RequestEstimate:
        """The sum over the batches of `batch_size()` queries of `estimate_scripts` for the output scripts a batch
        reads (queries whose address names no script are answered without a request), + 1 block re-check when
        the backend re-checks after the whole read."""
        size = self.batch_size()
        total = RequestEstimate.exactly(1 if self.recheck_block else 0)
        for start in range(0, len(queries), size):
            scripts, _ = output_scripts(queries[start : start + size], self.params)
            if scripts:
                total += self.estimate_scripts(scripts)
        return RequestEstimate(total.low, total.high, self.estimate_formula())

    def estimate_scripts(self, scripts: Mapping[BalanceQuery, bytes]) -> RequestEstimate:
        raise NotImplementedError(f"{type(self).__name__} has no request cost model")

    def estimate_formula(self) -> str:
        return ""

    @abstractmethod
    async def _read_scripts(
        self, scripts: dict[BalanceQuery, bytes], snapshot: Snapshot
    ) -> dict[BalanceQuery, Balance]:
        """The balance at the snapshot of each query's output script."""

    async def _check_unchanged(self, snapshot: Snapshot) -> None:
        """After reading at the tip: block H must still be the snapshot's, else nothing read is valid (REORG)."""
        now = await self.block_hash(snapshot.height)
        if now != snapshot.block_hash:
            raise self.refuse(Refusal.REORG, snapshot.height, f"was {snapshot.block_hash}, now {now or 'missing'}")
