"""What an Aptos balance query carries beyond address and contract (`BalanceQuery.detail`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from chains.base import BalanceQuery


@dataclass(frozen=True, slots=True)
class AptosQueryDetail:
    """Owner mode: the proven signer's authentication key (eoa1); the adapter checks on chain that it was the
    account's authentication key at the snapshot."""

    owners: tuple[str, ...]

    # pickled with every owner-mode query between processes: a plain tuple
    def __reduce__(self) -> tuple[type[AptosQueryDetail], tuple[Any, ...]]:
        return (AptosQueryDetail, (self.owners,))


def owners_of(query: BalanceQuery) -> tuple[str, ...]:
    """The proven signers an owner-mode query carries; () for every other query."""
    return query.detail.owners if isinstance(query.detail, AptosQueryDetail) else ()
