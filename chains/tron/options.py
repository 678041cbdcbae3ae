"""Backend settings of a TRON endpoint (`[networks.TRON.options]` in the user's config)."""

from __future__ import annotations

from dataclasses import dataclass

from chains.options import BackendOptions, OptionsError
from chains.tron import addresses

MAX_EVENTS_PAGE = 200  # TronGrid's own maximum page size
ROLLBACK_CHOICES = ("auto", "blocks", "accounts")


@dataclass(frozen=True, slots=True)
class TronOptions(BackendOptions):
    solidity_url: str | None = None  # where /walletsolidity/* is served (a FullNode serves it on port 8091)
    events_url: str | None = None  # TronGrid-style /v1 API for TRC-20 history; default: the endpoint url
    confirmed: bool = True  # TRC-20 tips from the solidified state, events only_confirmed
    pin_group_size: int | None = None  # balanceOf reads between two head reads; default 4 x max_concurrency
    pin_rounds: int = 4  # attempts for an account whose transfers landed while it was read
    events_page_size: int = MAX_EVENTS_PAGE
    max_event_pages: int = 500  # per account and token: 100,000 events
    events_settle_seconds: float = 3.0  # wait after a block's time before trusting the event index holds it
    check_history: bool = True  # refuse a node without balance history (see the adapter's check_state)
    history_probe_address: str | None = None  # an account known to hold TRX at the snapshot: must read > 0
    genesis_hash: str | None = None  # expected block 0 id; default: the registry's genesis_block_id
    # A Multicall contract (aggregate((address,bytes)[])) reading a whole group's TRC-20 balanceOf in one constant
    # call; default: the registry's `multicall`; "" reads one balanceOf per request
    multicall: str | None = None
    # How balances read after the snapshot are brought back to it: "blocks" reads TRX and TRC-20 in Multicall
    # batches and scans each block since the snapshot for the accounts that moved (only those are read one by one);
    # "accounts" reads TRX at the snapshot one account per request and rolls each TRC-20 balance back with its own
    # history; "auto" takes whichever costs fewer requests for this run (per kind, from the blocks since the snapshot)
    rollback: str = "auto"

    def validate(self, where: str) -> None:
        if self.rollback not in ROLLBACK_CHOICES:
            raise OptionsError(f"{where}.rollback: one of {', '.join(ROLLBACK_CHOICES)}, got {self.rollback!r}")
        for key in ("pin_group_size", "pin_rounds", "events_page_size", "max_event_pages"):
            value = getattr(self, key)
            if value is not None and value < 1:
                raise OptionsError(f"{where}.{key}: must be a positive integer, got {value}")
        if self.events_page_size > MAX_EVENTS_PAGE:
            raise OptionsError(f"{where}.events_page_size: at most {MAX_EVENTS_PAGE} (TronGrid's limit), "
                               f"got {self.events_page_size}")
        if self.events_settle_seconds < 0:
            raise OptionsError(f"{where}.events_settle_seconds: must not be negative")
        if self.multicall:
            try:
                addresses.canonical(self.multicall)
            except ValueError as exc:
                raise OptionsError(f"{where}.multicall: {exc}") from None
        if self.history_probe_address:
            try:
                addresses.canonical(self.history_probe_address)
            except ValueError as exc:
                raise OptionsError(f"{where}.history_probe_address: {exc}") from None

    def group_size(self, max_concurrency: int) -> int:
        return self.pin_group_size or max(1, 4 * max_concurrency)

    def probe_address(self) -> str | None:
        return addresses.canonical(self.history_probe_address) if self.history_probe_address else None
