"""Token movements from the MultiToken contract's event logs, and the roll-back they allow.

aelf's node reads contract state only at its best chain head, so a balance at the snapshot block H is

    balance(H) = balance(T) - (received in blocks H+1..T) + (sent in blocks H+1..T)

over the token contract's events (AElfProject/AElf `protobuf/token_contract.proto`, acs1 fees). A log is
`{"Address", "Name", "Indexed": [base64...], "NonIndexed": base64}`: each Indexed entry is the event message
serialized with one indexed field, NonIndexed the rest; merged they are the event. Only logs whose Address is
the token contract count (any contract could emit an event named "Transferred").

| event | from | to | symbol, amount |
|---|---|---|---|
| Transferred (Transfer, TransferFrom, Lock/Unlock to virtual addresses) | 1 | 2 | 3, 4 |
| Burned | 1 (burner) | - | 2, 3 |
| Issued | - | 4 | 1, 2 |
| CrossChainTransferred (leaves this chain) | 1 | - | 3, 4 |
| CrossChainReceived (arrives from another chain) | - | 2 | 3, 4 |
| TransactionFeeCharged | 3 (charging_address) | - | 1, 2 |
| ResourceTokenCharged | 3 (contract_address) | - | 1, 2 |
| RentalCharged (side chains) | 3 (payer) | 4 (receiver) | 1, 2 |

A TransactionFeeCharged without charging_address does not name its payer: the sender usually, but the token
contract itself when it charges an inline NFT Create (TokenContract ChargeNftCreateFees, after a Transferred
from the sender). It is not guessed: the roll-back of the transaction's sender, for that symbol, is refused.

A balance change with none of these events is invisible here; a roll-back below zero is reported as an error.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from chains.aelf import addresses
from chains.aelf.messages import address_of
from chains.aelf.protobuf import ProtobufError, decode, int64

# name -> (schema, from field, to field, symbol field, amount field, the payer may be unnamed)
_EVENTS: dict[str, tuple[dict[int, str], int | None, int | None, int, int, bool]] = {
    "Transferred": ({1: "bytes", 2: "bytes", 3: "bytes", 4: "varint"}, 1, 2, 3, 4, False),
    "Burned": ({1: "bytes", 2: "bytes", 3: "varint"}, 1, None, 2, 3, False),
    "Issued": ({1: "bytes", 2: "varint", 4: "bytes"}, None, 4, 1, 2, False),
    "CrossChainTransferred": ({1: "bytes", 3: "bytes", 4: "varint"}, 1, None, 3, 4, False),
    "CrossChainReceived": ({2: "bytes", 3: "bytes", 4: "varint"}, None, 2, 3, 4, False),
    "TransactionFeeCharged": ({1: "bytes", 2: "varint", 3: "bytes"}, 3, None, 1, 2, True),
    "ResourceTokenCharged": ({1: "bytes", 2: "varint", 3: "bytes"}, 3, None, 1, 2, False),
    "RentalCharged": ({1: "bytes", 2: "varint", 3: "bytes", 4: "bytes"}, 3, 4, 1, 2, False),
}


class EventError(ValueError):
    """A token-contract log that cannot be read: the roll-back of its block cannot be trusted."""


class RollbackError(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class TokenMove:
    height: int
    symbol: str
    sender: bytes | None  # None: minted, or received from another chain
    receiver: bytes | None  # None: burned, charged as a fee, or sent to another chain
    amount: int
    event: str
    unnamed_payer: bytes | None = None  # a fee event naming no payer: the transaction's sender, who may have paid




def _b64(text: Any) -> bytes:
    if text is None or text == "":
        return b""
    if not isinstance(text, str):
        raise EventError(f"log part is not base64 text: {str(text)[:60]!r}")
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise EventError(f"log part is not base64: {text[:60]!r}") from None


def move_of(log: dict[str, Any], height: int, token_contract: str, tx_from: str) -> TokenMove | None:
    """The movement a log records, or None for a log that moves no balance (or is not the token contract's)."""
    if log.get("Address") != token_contract:
        return None
    name = log.get("Name")
    spec = _EVENTS.get(str(name))
    if spec is None:
        return None
    schema, from_field, to_field, symbol_field, amount_field, payer_is_sender = spec
    indexed = log.get("Indexed") or []
    if not isinstance(indexed, list):
        raise EventError(f"{name} log at block {height}: Indexed is not a list")
    merged: dict[int, int | bytes] = {}
    try:
        for part in [*indexed, log.get("NonIndexed")]:
            merged.update(decode(_b64(part), schema))
        sender = address_of(merged[from_field]) if from_field in merged else None  # type: ignore[arg-type]
        receiver = address_of(merged[to_field]) if to_field in merged else None  # type: ignore[arg-type]
    except ProtobufError as exc:
        raise EventError(f"{name} log at block {height}: {exc}") from None
    unnamed_payer = None
    if payer_is_sender and sender is None:
        try:
            unnamed_payer = addresses.decode(tx_from)
        except ValueError as exc:
            raise EventError(f"{name} log at block {height}: no payer ({exc})") from None
    symbol = merged.get(symbol_field, b"")
    amount = int64(int(merged.get(amount_field, 0)))
    if not isinstance(symbol, bytes) or not symbol:
        raise EventError(f"{name} log at block {height}: no symbol")
    if amount < 0:
        raise EventError(f"{name} log at block {height}: negative amount {amount}")
    if from_field is not None and to_field is not None and (sender is None or receiver is None):
        raise EventError(f"{name} log at block {height}: missing from/to address")
    return TokenMove(height, symbol.decode("utf-8", "replace"), sender, receiver, amount, str(name), unnamed_payer)


def balance_before(tip_balance: int, account: bytes, symbol: str, moves: Iterable[TokenMove]) -> int:
    """`tip_balance` with every listed move of `symbol` undone for `account`."""
    balance = tip_balance
    for move in moves:
        if move.symbol != symbol:
            continue
        if move.unnamed_payer == account:
            raise RollbackError(f"a {move.event} event in block {move.height} names no payer and this account sent "
                                "its transaction: cannot tell whether it paid")
        if move.receiver == account:
            balance -= move.amount
        if move.sender == account:
            balance += move.amount
    if balance < 0:
        raise RollbackError(f"rolling back gives {balance}: the node's event logs miss movements of this account")
    return balance
