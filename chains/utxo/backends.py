"""UTXO balance backends by name, and what they share: the output script a query names, and the chain check.

* "bitcoind": Bitcoin Core (or Litecoin/Dogecoin Core) JSON-RPC `scantxoutset`; reads the tip only, so the
  node must sit at the snapshot height (chains.utxo.bitcoind).
* "electrum": an Electrum-protocol server (ElectrumX, Fulcrum, electrs) over TCP or TLS; balances at H rebuilt
  from each script's history (chains.utxo.electrum).
* "esplora": an Esplora REST API (self-hosted or public); the same rebuild from paged history
  (chains.utxo.esplora).

A balance is read for the output script the address names; a multisig row's redeem script
(`BalanceQuery.script`) is not needed for that, since P2SH/P2WSH addresses commit to the script's hash.
"""

from __future__ import annotations

import importlib
from abc import abstractmethod
from collections.abc import Iterable, Sequence

from chains.base import Balance, BalanceAdapter, BalanceQuery, Endpoint, Network, Snapshot
from chains.utxo.addresses import decode_address
from chains.utxo.params import UtxoParams

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
        if query.locking_script:  # worked out with the address in a signature worker
            scripts[query] = query.locking_script
            continue
        try:
            scripts[query] = decode_address(query.address, params).output_script
        except ValueError as exc:
            errors[query] = str(exc)
    return scripts, errors


def expected_genesis(network: Network, endpoint: Endpoint) -> str | None:
    """The genesis block hash the source must report, when the config or registry gives one
    (`options.genesis_hash`, else the network's `genesis_hash` parameter): a guard against a server of
    another chain whose addresses happen to decode the same way."""
    value = endpoint.options.get("genesis_hash") or network.params.get("genesis_hash")
    return str(value).lower() if value else None


class UtxoBackend(BalanceAdapter):
    """What the three backends share: the network's parameters, the snapshot they last checked, and the split
    of a chunk of queries into output scripts to read and answers for addresses that cannot be read."""
    options_type = None  # reads endpoint.options itself until moved onto the lifecycle

    method = ""  # Balance.method of every figure this backend gives

    def __init__(self, network: Network, endpoint: Endpoint) -> None:
        super().__init__(network, endpoint)
        self.params = UtxoParams.from_network(network)
        self._snapshot: Snapshot | None = None

    async def _expected_hash(self, height: int) -> str:
        """Block H's hash as checked by `snapshot`; the reads must still see it afterwards."""
        if self._snapshot is not None and self._snapshot.height == height:
            return self._snapshot.block_hash
        return (await self.snapshot(height)).block_hash

    async def fetch_balances(self, queries: Sequence[BalanceQuery], height: int) -> dict[BalanceQuery, Balance]:
        scripts, errors = output_scripts(queries, self.params)
        results = {q: Balance(None, self.method, reason) for q, reason in errors.items()}
        if scripts:
            results |= await self._read_scripts(scripts, height, await self._expected_hash(height))
        return results

    @abstractmethod
    async def _read_scripts(
        self, scripts: dict[BalanceQuery, bytes], height: int, block_hash: str
    ) -> dict[BalanceQuery, Balance]:
        """The balance at `height` of each query's output script; block `height` must still be `block_hash`."""

    def _reorganised(self, scripts: Iterable[BalanceQuery], height: int) -> dict[BalanceQuery, Balance]:
        """Answers for a read during which block H changed (a chain reorganisation): nothing read is valid."""
        reason = f"{self.endpoint.display}: block {height} changed during the read (chain reorganisation)"
        return {q: Balance(None, self.method, reason) for q in scripts}
