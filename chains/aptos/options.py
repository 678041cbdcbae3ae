"""`[networks.APTOS.options]` of the Aptos REST backend."""

from __future__ import annotations

from dataclasses import dataclass

from chains.options import BackendOptions, OptionsError


@dataclass(frozen=True, slots=True)
class AptosOptions(BackendOptions):
    # The fungible-asset metadata object paired with the native coin (APT's is 0xa): its primary store is read
    # with the coin store, since accounts migrated to fungible assets hold APT there.
    native_fa_metadata: str = "0xa"
    probe_state: bool = True  # run one view call at the snapshot's version before any row (a pruned node: 410)

    def validate(self, where: str) -> None:
        if not self.native_fa_metadata.startswith("0x"):
            raise OptionsError(f"{where}.native_fa_metadata: an 0x address, got {self.native_fa_metadata!r}")
