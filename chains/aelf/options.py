"""`[networks.ELF.options]` of the `aelf-web` backend (an aelf node's web API)."""

from __future__ import annotations

from dataclasses import dataclass

from chains.options import BackendOptions, OptionsError

MAX_RESULTS_PAGE = 100  # the web API's own limit on transactionResults (error 20007 above it)


@dataclass(frozen=True, slots=True)
class AelfOptions(BackendOptions):
    # The MultiToken contract (default: the registry's `token_contract`, aelf mainnet's).
    token_contract: str = ""
    # Balances read between two reads of the head; an account that moved in that window is read again alone.
    pin_group_size: int = 50
    pin_rounds: int = 4
    results_page_size: int = MAX_RESULTS_PAGE
    # The roll-back reads every block after the snapshot (about 2 a second on mainnet); beyond this many the
    # rows are left unread rather than starting a scan of days.
    max_rollback_blocks: int = 200_000

    def validate(self, where: str) -> None:
        if self.pin_group_size < 1:
            raise OptionsError(f"{where}.pin_group_size: must be at least 1")
        if self.pin_rounds < 1:
            raise OptionsError(f"{where}.pin_rounds: must be at least 1")
        if not 1 <= self.results_page_size <= MAX_RESULTS_PAGE:
            raise OptionsError(f"{where}.results_page_size: must be 1..{MAX_RESULTS_PAGE} (the API's limit)")
        if self.max_rollback_blocks < 1:
            raise OptionsError(f"{where}.max_rollback_blocks: must be at least 1")
