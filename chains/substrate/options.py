"""Backend settings of a Substrate endpoint (`[networks.X.options]`, backend "substrate-rpc")."""

from __future__ import annotations

import re
from dataclasses import dataclass

from chains.options import BackendOptions, OptionsError

SOURCES = ("own", "asset-hub")
_HASH = re.compile(r"0x[0-9a-fA-F]{64}")


@dataclass(frozen=True, slots=True)
class SubstrateOptions(BackendOptions):
    # Which chain the endpoint serves for this network's coin: "own" (the network itself), or "asset-hub" for
    # DOT/KSM rows whose snapshot is after the Asset Hub migration (balances moved there from the relay
    # chain): the endpoint is then an Asset Hub node, checked against the registry's asset_hub_genesis_hash,
    # and the snapshot height is an Asset Hub block number.
    source: str = "own"
    genesis_hash: str = ""  # overrides the registry's expected genesis hash (a test chain); "" = registry's
    require_final: bool = True  # refuse a snapshot block above the node's finalized head (NOT_FINAL)

    def validate(self, where: str) -> None:
        if self.source not in SOURCES:
            raise OptionsError(f"{where}.source: expected one of {', '.join(SOURCES)}, got {self.source!r}")
        if self.genesis_hash and not _HASH.fullmatch(self.genesis_hash):
            raise OptionsError(f"{where}.genesis_hash: expected 0x and 64 hex digits, got {self.genesis_hash!r}")
