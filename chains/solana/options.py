"""Backend options of a Solana JSON-RPC endpoint (`[networks.SOL.options]`)."""

from __future__ import annotations

from dataclasses import dataclass

from chains.options import BackendOptions, OptionsError

COMMITMENTS = ("finalized", "confirmed")


@dataclass(frozen=True, slots=True)
class SolanaOptions(BackendOptions):
    commitment: str = "finalized"  # of every read; "confirmed" reads sooner but a fork could undo a counted transaction
    signatures_page: int = 1000  # getSignaturesForAddress `limit` (the API's maximum is 1000)
    max_signature_pages: int = 50  # per account: 50,000 transactions after the snapshot at most, then an error
    rpc_batch: int = 100  # JSON-RPC calls sent in one HTTP request (a JSON-RPC batch); 1 = no batching
    skipped_slot_lookback: int = 200  # slots searched back (getBlocks) for the block a skipped snapshot slot follows
    # Read every transaction of a token row's owner after the snapshot, to find token accounts closed (or given
    # to another owner) since, which getTokenAccountsByOwner no longer lists. Off: cheaper, may under-count.
    find_closed_token_accounts: bool = True
    # List the stake accounts whose withdraw authority is a SOL row's address (getProgramAccounts on the Stake
    # program) and note them on the row: they are not counted (stake accounts are out of scope). Providers that
    # refuse getProgramAccounts only leave the note "stake accounts not checked".
    find_stake_accounts: bool = True

    def validate(self, where: str) -> None:
        if self.commitment not in COMMITMENTS:
            raise OptionsError(f"{where}.commitment: expected one of {', '.join(COMMITMENTS)}, got {self.commitment!r}")
        if not 1 <= self.signatures_page <= 1000:
            raise OptionsError(f"{where}.signatures_page: must be 1..1000 (the API's limit)")
        for name in ("max_signature_pages", "rpc_batch", "skipped_slot_lookback"):
            if getattr(self, name) < 1:
                raise OptionsError(f"{where}.{name}: must be at least 1")
