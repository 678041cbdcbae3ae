"""Rolling an eosio.token-standard balance back from the pinned block to the snapshot with the account's actions.

nodeos keeps no past state, so for a block P read after the snapshot S:

    balance(S) = balance(P) - (received in S+1..P) + (sent in S+1..P)

over the token contract's own actions that touch the account (Hyperion lists each action once, its
notifications merged):

* `transfer {from, to, quantity}`: `to` received, `from` sent (to oneself: nets to zero);
* `issue {to, quantity}`: the issuer (the action's authorizer) received: the current contract issues only to
  the issuer; an older one then sends an inline `transfer` issuer -> to, listed as its own action;
* `retire {quantity}`: the issuer (its authorizer) burnt it.

System actions (delegatebw, buyram, powerup...) move the core token by inline `eosio.token::transfer`
actions, which are listed too; `open`/`close` move nothing.
"""

from __future__ import annotations

from collections.abc import Iterable

from chains.eos.api import Action, Asset, EosApiError

TOKEN_ACTIONS = ("transfer", "issue", "retire")


class RollbackError(ValueError):
    pass


def change_after(account: str, contract: str, symbol: str, precision: int, actions: Iterable[Action]) -> int:
    """What the listed actions added to `account`'s balance of `symbol`@`contract` (negative: removed)."""
    change = 0
    for action in actions:
        if action.contract != contract or action.name not in TOKEN_ACTIONS:
            continue
        what = f"{contract}::{action.name} at block {action.block}"
        quantity = Asset.parse(action.data.get("quantity"), what)
        if quantity.symbol != symbol:
            continue  # another token of the same contract
        if quantity.precision != precision:
            raise EosApiError(f"{what}: quantity has precision {quantity.precision}, {symbol} has {precision}")
        if quantity.amount < 0:
            raise EosApiError(f"{what}: negative quantity {quantity.amount}")
        if action.name == "transfer":
            sender, receiver = action.data.get("from"), action.data.get("to")
            if not isinstance(sender, str) or not isinstance(receiver, str):
                raise EosApiError(f"{what}: transfer without from/to")
            change += quantity.amount * ((receiver == account) - (sender == account))
        elif action.name == "issue":
            change += quantity.amount if account in action.actors[:1] else 0
        else:  # retire
            change -= quantity.amount if account in action.actors[:1] else 0
    return change


def balance_at_snapshot(pinned: int, account: str, contract: str, symbol: str, precision: int,
                        actions: Iterable[Action]) -> int:
    """`pinned` with every listed action undone. RollbackError when that goes below zero (history missing)."""
    balance = pinned - change_after(account, contract, symbol, precision, actions)
    if balance < 0:
        raise RollbackError(f"rolling back gives {balance}: the history misses actions of {account}")
    return balance
