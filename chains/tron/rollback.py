"""Rolling a TRC-20 balance back from the tip to the snapshot block with the token's Transfer events.

TRON keeps no historical contract state that an API could read at block H, so the balance at H is

    balance(H) = balance(tip) - (received in blocks H+1..tip) + (sent in blocks H+1..tip)

A transfer to oneself counts both ways and nets to zero. Mint (from the zero address) and burn (to it) are
Transfer events too. Balance changes that emit no Transfer event are invisible here: USDT's `issue`/`redeem`
(they only touch Tether's owner account) and `destroyBlackFunds` (a blacklisted account).
"""

from __future__ import annotations

from collections.abc import Iterable

from chains.tron.api import Trc20Transfer


class RollbackError(ValueError):
    pass


def balance_before(tip_balance: int, address: str, transfers: Iterable[Trc20Transfer]) -> int:
    """`tip_balance` with every listed transfer undone. RollbackError when that goes below zero, which
    means the event list misses transfers."""
    balance = tip_balance
    for transfer in transfers:
        if transfer.receiver == address:
            balance -= transfer.value
        if transfer.sender == address:
            balance += transfer.value
    if balance < 0:
        raise RollbackError(f"rolling back gives {balance}: the event source misses transfers of {address}")
    return balance
