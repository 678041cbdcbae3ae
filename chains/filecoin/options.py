"""`[networks.FIL.options]` of the `lotus` backend (Lotus or Forest JSON-RPC v1)."""

from __future__ import annotations

from dataclasses import dataclass

from chains.options import BackendOptions, OptionsError


@dataclass(frozen=True, slots=True)
class LotusOptions(BackendOptions):
    # Expected Consensus finality: a tipset this many epochs below the head cannot be reorganised away
    # (900 epochs = 7.5 hours). 0 turns the check off (the block hash is still re-checked after reading).
    finality_epochs: int = 900
    # An actor that exists at every height (f099, the burnt-funds actor): read at the snapshot tipset first, so
    # a node that has pruned that state is refused before any row is read.
    probe_actor: str = "f099"
    # The genesis block CID the node must report (default: the registry's `genesis_cid`, Filecoin mainnet's).
    genesis_cid: str = ""

    def validate(self, where: str) -> None:
        if self.finality_epochs < 0:
            raise OptionsError(f"{where}.finality_epochs: must be 0 or more, got {self.finality_epochs}")
        if not self.probe_actor:
            raise OptionsError(f"{where}.probe_actor: must name an actor (e.g. f099)")
