"""A balance at height H rebuilt from an address's transaction history.

Indexers (Electrum servers, Esplora) answer "which transactions touched this output script?", not "what did
it hold at block H?". The answer at H is: the value of every output paying the script in a transaction
confirmed at or below H, less the outputs among those that a transaction confirmed at or below H spends.
Mempool entries (height <= 0) never count. Satoshis as int throughout.

`decode_raw_tx` reads the parts of a serialized transaction this needs (inputs' outpoints, outputs' value and
script) for backends that only hand out raw transactions.
"""

from __future__ import annotations

import struct
from collections.abc import Iterable
from dataclasses import dataclass

Outpoint = tuple[str, int]  # (txid as displayed hex, output index)


@dataclass(frozen=True, slots=True)
class TxView:
    """What a balance needs of one transaction: where it was confirmed, what it spent, what it paid."""

    txid: str
    height: int  # block height; 0 or below = unconfirmed (Electrum uses 0 and -1)
    spends: tuple[Outpoint, ...]  # outpoints its inputs consume (none for a coinbase)
    outputs: tuple[tuple[bytes, int], ...]  # (scriptPubKey, value in satoshis) by output index


def balance_at(script: bytes, txs: Iterable[TxView], height: int) -> int:
    """Satoshis held by outputs paying `script` at the end of block `height`, from its transaction history.

    The history must hold every confirmed transaction that pays or spends the script up to `height`
    (indexers list both); transactions above `height` or unconfirmed are ignored."""
    confirmed = [tx for tx in txs if 1 <= tx.height <= height]
    funded: dict[Outpoint, int] = {}
    for tx in confirmed:
        for index, (out_script, value) in enumerate(tx.outputs):
            if out_script == script:
                funded[(tx.txid, index)] = value
    for tx in confirmed:
        for outpoint in tx.spends:
            funded.pop(outpoint, None)
    return sum(funded.values())


def unrelated(script: bytes, txs: Iterable[TxView], height: int) -> list[str]:
    """Transactions confirmed at or below `height` that neither pay `script` nor spend an output paying it: an
    indexer's history of the script never holds one, so a history that does answers another request."""
    confirmed = [tx for tx in txs if 1 <= tx.height <= height]
    paying = {tx.txid for tx in confirmed if any(out_script == script for out_script, _ in tx.outputs)}
    owned = {(tx.txid, index) for tx in confirmed if tx.txid in paying
             for index, (out_script, _) in enumerate(tx.outputs) if out_script == script}
    return [tx.txid for tx in confirmed if tx.txid not in paying and not any(o in owned for o in tx.spends)]


# --- raw transactions -------------------------------------------------------------------------------------

COINBASE_TXID = "00" * 32


class _Reader:
    def __init__(self, data: bytes) -> None:
        self.data = data
        self.pos = 0

    def take(self, n: int) -> bytes:
        if n < 0 or self.pos + n > len(self.data):
            raise ValueError("transaction ends early")
        chunk = self.data[self.pos : self.pos + n]
        self.pos += n
        return chunk

    def varint(self) -> int:
        first = self.take(1)[0]
        if first < 0xFD:
            return first
        size = {0xFD: 2, 0xFE: 4, 0xFF: 8}[first]
        return int.from_bytes(self.take(size), "little")


def decode_raw_tx(raw: bytes, txid: str, height: int) -> TxView:
    """Inputs and outputs of a serialized transaction (legacy or segwit; Litecoin's MWEB flag tolerated,
    since the parts after the outputs are not read). Raises ValueError when it does not parse."""
    reader = _Reader(raw)
    reader.take(4)  # version
    n_inputs = reader.varint()
    if n_inputs == 0:  # segwit marker 0x00 then a non-zero flag byte; the real input count follows
        if reader.take(1)[0] == 0:
            raise ValueError("bad segwit flag")
        n_inputs = reader.varint()
    spends: list[Outpoint] = []
    for _ in range(n_inputs):
        prev_hash = reader.take(32)[::-1].hex()
        (prev_index,) = struct.unpack("<I", reader.take(4))
        reader.take(reader.varint())  # scriptSig
        reader.take(4)  # sequence
        if prev_hash != COINBASE_TXID:
            spends.append((prev_hash, prev_index))
    outputs: list[tuple[bytes, int]] = []
    for _ in range(reader.varint()):
        (value,) = struct.unpack("<q", reader.take(8))
        outputs.append((reader.take(reader.varint()), value))
    return TxView(txid=txid, height=height, spends=tuple(spends), outputs=tuple(outputs))
