"""What a UTXO balance query carries beyond its address (`BalanceQuery.detail`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from chains.base import BalanceQuery


@dataclass(frozen=True, slots=True)
class UtxoQueryDetail:
    """A multisig row's redeem script (hex, "" for others: P2SH/P2WSH addresses commit to its hash, so the
    backends read by output script alone), and the scriptPubKey paying the address, worked out where the
    address was decoded (a signature worker) so that the backend need not decode it again. The output script
    follows from the address: it is not part of the query's identity."""

    script: str = ""
    locking_script: bytes = field(default=b"", compare=False)

    # pickled with every UTXO query between processes: a plain tuple
    def __reduce__(self) -> tuple[type[UtxoQueryDetail], tuple[Any, ...]]:
        return (UtxoQueryDetail, (self.script, self.locking_script))

    def __repr__(self) -> str:  # the checkpoint keys a query by its detail's repr: identity fields only
        return f"UtxoQueryDetail(script={self.script!r})"


def detail_of(query: BalanceQuery) -> UtxoQueryDetail:
    return query.detail if isinstance(query.detail, UtxoQueryDetail) else UtxoQueryDetail()
