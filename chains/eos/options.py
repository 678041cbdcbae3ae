"""Backend settings of an EOS/Vaulta endpoint (`[networks.EOS.options]`)."""

from __future__ import annotations

from dataclasses import dataclass

from chains.eos import accounts
from chains.options import BackendOptions, OptionsError


@dataclass(frozen=True, slots=True)
class EosOptions(BackendOptions):
    # Hyperion's base URL for the actions after the snapshot; "" = the endpoint's own URL (a Hyperion server
    # also answers /v1/chain/* by passing it to its nodeos)
    history_url: str = ""
    chain_id: str = ""  # overrides the registry's chain id (64 hex digits), e.g. for a test chain
    history_page_size: int = 1000  # Hyperion's default api.limits.get_actions
    max_history_pages: int = 100  # per account: 100,000 actions after the snapshot
    history_wait_seconds: float = 30.0  # for the history index to reach the block the balances were read at
    pin_rounds: int = 4  # re-reads of a token balance whose account moved it while it was read
    group_size: int = 50  # accounts read between two reads of the head (get_info)

    def validate(self, where: str) -> None:
        if self.chain_id and (len(self.chain_id) != 64 or any(c not in "0123456789abcdef" for c in self.chain_id)):
            raise OptionsError(f"{where}.chain_id: expected 64 lower-case hex digits")
        for key in ("history_page_size", "max_history_pages", "pin_rounds", "group_size"):
            if getattr(self, key) < 1:
                raise OptionsError(f"{where}.{key}: must be at least 1")
        if self.history_wait_seconds < 0:
            raise OptionsError(f"{where}.history_wait_seconds: must not be negative")


def token_spec(contract: str) -> tuple[str, int, str]:
    """(symbol, precision, contract account) of a registry token contract written in EOS's own notation
    `PRECISION,SYMBOL@account` (e.g. `4,USDT@tethertether`). ValueError when malformed."""
    spec, at, account = contract.partition("@")
    precision, comma, symbol = spec.partition(",")
    if not at or not comma or not precision.isdigit() or not symbol.isascii() or not symbol.isupper() \
            or not 1 <= len(symbol) <= 7:
        raise ValueError(f"EOS token contract {contract!r}: expected PRECISION,SYMBOL@account, e.g. "
                         "4,USDT@tethertether")
    return symbol, int(precision), accounts.validate(account)
