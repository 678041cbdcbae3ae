"""What an EVM balance query carries beyond address and contract (`BalanceQuery.detail`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from chains.base import BalanceQuery


@dataclass(frozen=True, slots=True)
class EvmQueryDetail:
    """Owner mode: the proven signers of a contract wallet; the adapter checks on chain that they control it."""

    owners: tuple[str, ...]

    # pickled with every owner-mode query between processes: a plain tuple
    def __reduce__(self) -> tuple[type[EvmQueryDetail], tuple[Any, ...]]:
        return (EvmQueryDetail, (self.owners,))


def owners_of(query: BalanceQuery) -> tuple[str, ...]:
    """The proven signers an owner-mode query carries; () for every other query."""
    return query.detail.owners if isinstance(query.detail, EvmQueryDetail) else ()
