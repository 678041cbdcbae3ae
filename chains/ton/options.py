"""Backend options of a TON endpoint (`[networks.TON.options]`)."""

from __future__ import annotations

from dataclasses import dataclass

from chains.options import BackendOptions, OptionsError
from chains.ton import addresses

ELECTOR = "-1:" + "33" * 32  # the elector contract: it exists in every masterchain state since the zero state


@dataclass(frozen=True, slots=True)
class TonOptions(BackendOptions):
    # An account read at the snapshot block before anything else: a server that no longer keeps that block's
    # state fails here, and is refused as a whole (NO_STATE) instead of row by row.
    probe_address: str = ELECTOR

    def validate(self, where: str) -> None:
        if self.probe_address != ELECTOR:
            try:
                addresses.decode(self.probe_address)
            except ValueError as exc:
                raise OptionsError(f"{where}.probe_address: {exc}") from None
