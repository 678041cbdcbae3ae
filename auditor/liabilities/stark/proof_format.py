"""OKX's zk-STARK v1 `sum_proof.json` / `sum_values.json`, parsed into typed values.

sum_proof.json keys (all hashes and field elements are 32-byte big-endian words, hex without 0x):

- `steps`: rows of the trace (a power of two); `uts`: rows per user ("user trace size"); users = steps / uts,
  the first block being an empty padding user;
- `mtree_root`: root of the trace commitment, one leaf per point of the evaluation domain (steps·16 points);
  leaf = keccak(t ‖ keccak(b_1 ‖ … ‖ b_C) ‖ id ‖ salt), t the running user total, b_c the per-coin columns;
- `l_mtree_root`: root of the random linear combination of all columns and constraint quotients;
- `pow_nonce`: proof-of-work nonce;
- `mtree_branches`: 4 branches per spot check (the point x, then x·g, x·g^(uts-1), x·g^uts, g the trace step);
- `mtree_entries_data`: the opened rows, 4 per spot check: first the whole row as one hex string
  (t, C balances, id, 4 trace-constraint quotients, 2 quotients per main coin; its salt is the keccak of the
  quotients); then [t, keccak(balances), id, salt]; then twice [t, balances, id, salt];
- `l_mtree_branches`: one branch per spot check into the combination tree;
- `low_degree_proof`: FRI layers [column root, column branches, row branches], then the last layer's values.

sum_values.json: coin name -> integer sum in proof order, then `total_value`. The coin names are not part of
the proof: only their order is (a coin's column is its position).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from auditor.liabilities.stark.hashing import keccak256

WORD = 32
TRACE_QUOTIENTS = 4  # user row starts at 0, base-4 range steps, running total, total boundaries


class ProofFormatError(ValueError):
    """The JSON does not have the shape of an OKX STARK sum proof; the message names the field."""


@dataclass(frozen=True)
class TraceRow:
    """One opened leaf of the trace commitment."""

    total: int  # t: the user's running total (range-check digits, then the user's total, then the running sum)
    balances_hash: bytes
    user_id: int
    salt: bytes
    balances: tuple[int, ...] = ()  # empty when only their hash is opened

    def leaf(self) -> bytes:
        return keccak256(_word(self.total) + self.balances_hash + _word(self.user_id) + self.salt)


@dataclass(frozen=True)
class SpotEntry:
    """The rows opened for one spot check at domain point x."""

    at_x: TraceRow
    quotients: tuple[int, ...]  # 4 trace-constraint quotients, then 2 per main coin (accumulation, boundary)
    at_next_row: TraceRow  # x·g
    at_previous_user: TraceRow  # x·g^(uts-1): the same row one user earlier
    at_next_user: TraceRow  # x·g^uts: the same row one user later


@dataclass(frozen=True)
class FriLayer:
    column_root: bytes
    column_branches: tuple[tuple[bytes, ...], ...]
    row_branches: tuple[tuple[bytes, ...], ...]


@dataclass(frozen=True)
class SumProof:
    steps: int
    uts: int
    trace_root: bytes
    combination_root: bytes
    pow_nonce: bytes
    trace_branches: tuple[tuple[bytes, ...], ...]
    spots: tuple[SpotEntry, ...]
    combination_branches: tuple[tuple[bytes, ...], ...]
    fri_layers: tuple[FriLayer, ...]
    fri_last_values: tuple[int, ...]
    coin_count: int
    main_coin_count: int

    @property
    def user_count(self) -> int:
        return self.steps // self.uts


@dataclass(frozen=True)
class PublishedSums:
    coins: tuple[str, ...]
    values: tuple[int, ...]
    total: int

    def as_mapping(self) -> dict[str, int]:
        return dict(zip(self.coins, self.values, strict=True))


def _word(value: int) -> bytes:
    return value.to_bytes(WORD, "big")


def _hex(value: Any, field: str, *, size: int | None = WORD, blank_ok: bool = False) -> bytes:
    if not isinstance(value, str):
        raise ProofFormatError(f"field {field!r}: expected a hex string, got {type(value).__name__}")
    if value == "" and blank_ok:
        return b""
    try:
        raw = bytes.fromhex(value)
    except ValueError:
        raise ProofFormatError(f"field {field!r}: not hex") from None
    if size is not None and len(raw) != size:
        raise ProofFormatError(f"field {field!r}: {len(raw)} bytes, expected {size}")
    return raw


def _list(value: Any, field: str, length: int | None = None) -> list[Any]:
    if not isinstance(value, list):
        raise ProofFormatError(f"field {field!r}: expected a list, got {type(value).__name__}")
    if length is not None and len(value) != length:
        raise ProofFormatError(f"field {field!r}: {len(value)} items, expected {length}")
    return value


def _int(value: Any, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ProofFormatError(f"field {field!r}: expected an integer, got {value!r}")
    return value


def _branches(value: Any, field: str) -> tuple[tuple[bytes, ...], ...]:
    return tuple(
        tuple(_hex(node, f"{field}[{i}][{j}]", blank_ok=j > 0) for j, node in enumerate(_list(branch, f"{field}[{i}]")))
        for i, branch in enumerate(_list(value, field)))


def _words(raw: bytes) -> list[int]:
    return [int.from_bytes(raw[i:i + WORD], "big") for i in range(0, len(raw), WORD)]


def _short_row(value: Any, field: str, coin_count: int, *, balances_given: bool) -> TraceRow:
    parts = _list(value, field, 4)
    total = int.from_bytes(_hex(parts[0], f"{field}[0]"), "big")
    user_id = int.from_bytes(_hex(parts[2], f"{field}[2]"), "big")
    salt = _hex(parts[3], f"{field}[3]")
    if not balances_given:
        return TraceRow(total, _hex(parts[1], f"{field}[1]"), user_id, salt)
    balances = _hex(parts[1], f"{field}[1]", size=WORD * coin_count)
    return TraceRow(total, keccak256(balances), user_id, salt, tuple(_words(balances)))


def _spot(entries: list[Any], spot: int, coin_count: int) -> tuple[SpotEntry, int]:
    field = f"mtree_entries_data[{4 * spot}]"
    full = _hex(entries[4 * spot], field, size=None)
    words = len(full) // WORD
    extra = words - coin_count - 2 - TRACE_QUOTIENTS  # 2 quotients per main coin
    if len(full) % WORD or extra < 0 or extra % 2:
        raise ProofFormatError(f"field {field!r}: {len(full)} bytes do not hold t, {coin_count} balances, id, "
                               f"{TRACE_QUOTIENTS} trace quotients and 2 quotients per main coin")
    values = _words(full)
    quotient_bytes = full[(coin_count + 2) * WORD:]
    at_x = TraceRow(values[0], keccak256(full[WORD:(coin_count + 1) * WORD]), values[coin_count + 1],
                    keccak256(quotient_bytes), tuple(values[1:coin_count + 1]))
    rows = [_short_row(entries[4 * spot + k], f"mtree_entries_data[{4 * spot + k}]", coin_count,
                       balances_given=k > 1) for k in (1, 2, 3)]
    return SpotEntry(at_x, tuple(values[coin_count + 2:]), *rows), extra // 2


def parse_sum_values(data: Any) -> PublishedSums:
    if not isinstance(data, Mapping):
        raise ProofFormatError(f"sum values: expected a JSON object, got {type(data).__name__}")
    if "total_value" not in data:
        raise ProofFormatError("sum values: field 'total_value' is missing")
    coins = tuple(name for name in data if name != "total_value")
    values = tuple(_int(data[name], name) for name in coins)
    return PublishedSums(coins, values, _int(data["total_value"], "total_value"))


def parse_sum_proof(data: Any, coin_count: int, spot_count: int) -> SumProof:
    if not isinstance(data, Mapping):
        raise ProofFormatError(f"sum proof: expected a JSON object, got {type(data).__name__}")
    missing = [key for key in ("steps", "uts", "mtree_root", "l_mtree_root", "pow_nonce", "mtree_branches",
                               "mtree_entries_data", "l_mtree_branches", "low_degree_proof") if key not in data]
    if missing:
        raise ProofFormatError(f"sum proof: missing field(s) {', '.join(missing)}")
    steps, uts = _int(data["steps"], "steps"), _int(data["uts"], "uts")
    for name, value in (("steps", steps), ("uts", uts)):
        if value < 4 or value & (value - 1):
            raise ProofFormatError(f"field {name!r}: {value} is not a power of two >= 4")
    if uts >= steps:
        raise ProofFormatError(f"field 'uts': {uts} rows per user leave no room for users in {steps} steps")
    entries = _list(data["mtree_entries_data"], "mtree_entries_data", 4 * spot_count)
    spots, main_counts = zip(*(_spot(entries, i, coin_count) for i in range(spot_count)), strict=True)
    if len(set(main_counts)) != 1:
        raise ProofFormatError("field 'mtree_entries_data': spot checks disagree on the number of main coins")
    if main_counts[0] > coin_count:
        raise ProofFormatError(f"field 'mtree_entries_data': rows carry quotients for {main_counts[0]} main coins, "
                               f"sum values list only {coin_count} coins")
    fri = _list(data["low_degree_proof"], "low_degree_proof")
    if not fri:
        raise ProofFormatError("field 'low_degree_proof': empty")
    layers = []
    for i, layer in enumerate(fri[:-1]):
        parts = _list(layer, f"low_degree_proof[{i}]", 3)
        layers.append(FriLayer(_hex(parts[0], f"low_degree_proof[{i}][0]"),
                               _branches(parts[1], f"low_degree_proof[{i}][1]"),
                               _branches(parts[2], f"low_degree_proof[{i}][2]")))
    last = [int.from_bytes(_hex(v, f"low_degree_proof[{len(fri) - 1}][{j}]"), "big")
            for j, v in enumerate(_list(fri[-1], f"low_degree_proof[{len(fri) - 1}]"))]
    return SumProof(
        steps=steps, uts=uts,
        trace_root=_hex(data["mtree_root"], "mtree_root"),
        combination_root=_hex(data["l_mtree_root"], "l_mtree_root"),
        pow_nonce=_hex(data["pow_nonce"], "pow_nonce"),
        trace_branches=_branches(data["mtree_branches"], "mtree_branches"),
        spots=tuple(spots),
        combination_branches=_branches(data["l_mtree_branches"], "l_mtree_branches"),
        fri_layers=tuple(layers), fri_last_values=tuple(last),
        coin_count=coin_count, main_coin_count=main_counts[0])


def rows_of(spot: SpotEntry) -> Sequence[TraceRow]:
    return (spot.at_x, spot.at_next_row, spot.at_previous_user, spot.at_next_user)
