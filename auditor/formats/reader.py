"""Streams an address file: summary rows up front, detail rows one at a time (a 211 MB file is never loaded
whole). Each detail row keeps its 1-based line number; a malformed row is yielded with `input_error` set,
naming the file, line and field, so that it is reported, never dropped."""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import json
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal
from pathlib import Path
from typing import IO, TYPE_CHECKING

from auditor.errors import InputProblem
from auditor.formats.layouts import (
    EMPTY_MARKERS,
    GenericColumns,
    Layout,
    detect_layout,
    is_summary_header,
    map_header,
)
from auditor.money import MAX_DIGITS, PLAIN_AMOUNT, amount_problem
from chains.base import AddressRow

if TYPE_CHECKING:
    from _typeshed import WriteableBuffer

csv.field_size_limit(16 * 1024 * 1024)  # redeem scripts and JSON key lists can be long


class InputError(InputProblem):
    """The input cannot be read at all (missing file, unknown layout, not UTF-8): exit 2. Names file, line and
    field (or column)."""

    def __init__(self, path: Path | str, line: int | None, field: str | None, message: str) -> None:
        where = f"{path}" + (f":{line}" if line else "") + (f": field '{field}'" if field else "")
        super().__init__(f"{where}: {message}")
        self.path, self.line, self.field = str(path), line, field


@dataclass(frozen=True)
class SummaryRow:
    line: int
    coin: str
    snapshot_height: int | None
    amount: Decimal | None
    error: str = ""


@dataclass
class AddressFile:
    path: Path
    layout: Layout
    summary: list[SummaryRow]
    _handle: IO[str]
    _records: Iterator[tuple[int, list[str]]]
    sha256: str = ""
    _hasher: hashlib._Hash | None = field(default=None, repr=False)
    _columns: tuple[tuple[str, int], ...] = ()  # (field, column index), set on the first row
    _required_width: int = 0
    _indexes: tuple[int, ...] = ()  # column of each of _ROW_FIELDS
    _message_index: int = -1
    _required_present: tuple[str, ...] = ()

    def rows(self) -> Iterator[AddressRow]:
        """Detail rows in file order. Closes the file when exhausted."""
        try:
            for line, record in self._records:
                if not (record and record[0].strip()) and not any(cell.strip() for cell in record):
                    continue  # blank lines carry no row (the usual row is known non-blank by its first cell)
                yield self._row(line, record)
        except _BrokenQuoting as exc:
            message = f"broken CSV quoting ({exc}); nothing after it is read"
            raise InputError(self.path, exc.line, None, message) from None
        except UnicodeDecodeError:
            raise _not_utf8(self.path) from None
        finally:
            self._handle.close()
            if self._hasher is not None:
                self.sha256 = self._hasher.hexdigest()

    def _row(self, line: int, record: list[str]) -> AddressRow:
        layout = self.layout
        if not self._columns:
            self._prepare()
        width = len(record)
        # This runs once per row of a 600k-row file: the usual row (full width, no line break) takes one pass
        # of comprehensions over the mapped columns (stripped, empty markers blanked) and no dict.
        cells = [*record, ""]  # index -1: a field this layout lacks
        empty = EMPTY_MARKERS
        if width >= layout.width:  # stripped, and an empty marker ("null", "-") read as empty: one pass
            values = ["" if (v := cells[i].strip()) in empty else v for i in self._indexes]
        else:
            values = ["" if (v := cells[i].strip() if i < width else "") in empty else v for i in self._indexes]
        (coin, network, address, amount, height_text, signature1, signature2, script, eoa1, eoa2, kind) = values
        problems: list[str] = []
        if width < self._required_width:
            # Published files omit trailing empty columns (eoa1, eoa2), so only the columns up to the
            # signature are required.
            problems.append(f"truncated row: {width} fields, the signature is column {self._required_width}")
        elif width > layout.width and any(c.strip() for c in record[layout.width:]):
            problems.append(f"{width} fields where the header has {layout.width}")
        height: int | None = None
        if height_text:
            try:
                height = int(height_text)
            except ValueError:
                problems.append(f"field 'snapshot_height': not a block height: {height_text!r}")
        if amount and not _plainly_an_amount(amount, layout.amounts_in_base_units):
            problem = amount_problem(amount, layout.amounts_in_base_units)
            if problem:
                problems.append(f"field 'amount': {problem}")
        joined = "".join(record)
        if "\n" in joined or "\r" in joined:  # only a signed message may hold a line break: a quote went astray
            spanning = [f for f, i in self._columns
                        if f != "message" and i < width and ("\n" in record[i] or "\r" in record[i])]
            if spanning:
                problems.append(f"field '{spanning[0]}': contains a line break (misplaced quote?)")
        if width >= self._required_width:
            for required in self._required_present:
                if not (coin if required == "coin" else address):
                    problems.append(f"field '{required}': empty")
        message_index = self._message_index
        message = record[message_index] if 0 <= message_index < width else ""
        if message and message.strip() in empty:
            message = ""
        # The few distinct coins, networks, types and statements are one object each (sys.intern), so the
        # chunks pickled for the signature workers hold each once; 600k copies would also cost memory.
        intern = sys.intern
        row = AddressRow(
            line, intern(coin), intern(network), address, amount, layout.amounts_in_base_units, height,
            intern(message),  # exactly as published (messages are signed byte for byte: no trimming)
            signature1, signature2, _unwrap_json(script), eoa1, eoa2, intern(kind),
        )
        if problems:
            row = replace(row, input_error=f"{self.path}:{line}: " + "; ".join(problems))
        return row

    def _prepare(self) -> tuple[tuple[str, int], ...]:
        columns = self.layout.columns
        self._columns = tuple(columns.items())
        self._required_width = self.layout.required_width
        self._indexes = tuple(columns.get(f, -1) for f in _ROW_FIELDS)  # -1: the "" `_row` appends
        self._message_index = columns.get("message", -1)
        self._required_present = tuple(f for f in ("coin", "address") if f in columns)
        return self._columns


# The fields `_row` strips, in the order it unpacks them.
_ROW_FIELDS = ("coin", "network", "address", "amount", "snapshot_height", "signature1", "signature2", "script", "eoa1",
               "eoa2", "kind")


def _plainly_an_amount(text: str, base_units: bool) -> bool:
    """True for the usual amount, which `amount_problem` would accept without a word: ASCII digits with at most
    one point, short enough that no digit limit applies, an integer where the layout gives base units. False
    leaves the decision to `amount_problem` (this only spares it a Decimal per row)."""
    return (len(text) <= MAX_DIGITS and text.isascii() and PLAIN_AMOUNT.fullmatch(text) is not None
            and not (base_units and "." in text))


def _unwrap_json(value: str) -> str:
    """The public-key column sometimes holds JSON (a quoted string or a one-key object); keep its payload."""
    if not value or value[0] not in "{[\"":
        return value
    try:
        decoded = json.loads(value)
    except ValueError:
        return value
    if isinstance(decoded, str):
        return decoded
    if isinstance(decoded, dict) and len(decoded) == 1:
        (inner,) = decoded.values()
        if isinstance(inner, str):
            return inner
    if isinstance(decoded, list) and all(isinstance(x, str) for x in decoded):
        return ",".join(decoded)
    return value


class _HashingReader(io.RawIOBase):
    """Hashes the file's bytes as they are read (BOM and line endings included, so the digest is the one
    `sha256sum` prints), so the sha256 costs no second pass."""

    def __init__(self, raw: io.BufferedReader, hasher: hashlib._Hash) -> None:
        self._raw, self._hasher = raw, hasher

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: WriteableBuffer) -> int:
        count = self._raw.readinto(buffer)
        if count:
            self._hasher.update(memoryview(buffer)[:count])
        return count or 0

    def close(self) -> None:
        self._raw.close()
        super().close()


class _BrokenQuoting(Exception):
    def __init__(self, line: int, detail: str) -> None:
        super().__init__(detail)
        self.line = line


def _records(lines: IO[str]) -> Iterator[tuple[int, list[str]]]:
    """(first line number, fields) per CSV record; quoted fields may span lines. Strict quoting: a stray or
    unterminated quote is an error at the record's first line, never a field that swallows the rows after it."""
    reader = csv.reader(lines, strict=True)
    previous_end = 0
    while True:
        try:
            record = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise _BrokenQuoting(previous_end + 1, str(exc)) from None
        yield previous_end + 1, record
        previous_end = reader.line_num


def _not_utf8(path: Path) -> InputError:
    """The first invalid UTF-8 sequence of `path`, by line and column. The decoder's own error cannot say: it
    sees the file in 8 KiB chunks and counts from the chunk's start. So the file is read again, line by line
    (only on this error): UTF-8 never uses the bytes of CR or LF inside a character, so a bad sequence lies
    within one line."""
    offset = 0
    with path.open("rb") as raw:
        # latin-1 maps bytes 1:1, so these are the file's lines as the CSV reader counts them (newline="").
        for number, text in enumerate(io.TextIOWrapper(raw, encoding="latin-1", newline=""), start=1):
            line = text.encode("latin-1")
            body = line[3:] if number == 1 and line.startswith(codecs.BOM_UTF8) else line
            try:
                body.decode("utf-8")
            except UnicodeDecodeError as exc:
                column = len(body[:exc.start].decode("utf-8")) + 1  # in characters, as an editor shows it
                at = offset + len(line) - len(body) + exc.start
                bad = body[exc.start:exc.end].hex(" ")
                return InputError(path, number, None, f"not UTF-8 text at line {number}, column {column} "
                                  f"(byte {at} of the file, {bad}: {exc.reason})")
            offset += len(line)
    return InputError(path, None, None, "not UTF-8 text")  # the file changed under us


def open_address_file(path: Path | str, generic: GenericColumns | None = None) -> AddressFile:
    """Open `path`, read its summary section and detail header, and return a streaming AddressFile."""
    path = Path(path)
    hasher = hashlib.sha256()
    try:
        raw = path.open("rb")
    except OSError as exc:
        raise InputError(path, None, None, f"cannot open: {exc.strerror or exc}") from exc
    handle = io.TextIOWrapper(io.BufferedReader(_HashingReader(raw, hasher)), encoding="utf-8-sig", newline="")
    records = _records(handle)
    summary: list[SummaryRow] = []
    try:
        layout = _read_headers(path, records, summary, generic)
    except UnicodeDecodeError:
        handle.close()
        raise _not_utf8(path) from None
    except _BrokenQuoting as exc:
        handle.close()
        raise InputError(path, exc.line, None, f"broken CSV quoting ({exc})") from None
    except BaseException:
        handle.close()
        raise
    return AddressFile(path, layout, summary, handle, records, _hasher=hasher)


def _read_headers(
    path: Path, records: Iterator[tuple[int, list[str]]], summary: list[SummaryRow], generic: GenericColumns | None
) -> Layout:
    summary_columns: Mapping[str, int] | None = None
    for line, record in records:
        if not any(cell.strip() for cell in record):
            if summary_columns is not None:
                summary_columns = None  # blank line ends the summary section
            continue
        if summary_columns is not None:
            summary.append(_summary_row(path, line, record, summary_columns))
            continue
        if generic is not None:
            layout, missing = generic.layout(record)
            if layout is not None:
                return layout
        columns, _unknown = map_header(record)
        if is_summary_header(columns):
            summary_columns = columns
            continue
        layout = detect_layout(record) if generic is None else None
        if layout is not None:
            return layout
        if generic is not None:
            raise InputError(path, line, None, f"header lacks the configured columns: {', '.join(missing)}")
        raise InputError(
            path, line, None,
            f"unrecognised header {','.join(c.strip() for c in record)[:200]!r}: expected an OKX/HTX layout "
            "(coin, address, ... columns) or set [input] format = \"generic\" with [input.columns]",
        )
    raise InputError(path, None, None, "no detail header found (empty file or summary only)")


def _summary_row(path: Path, line: int, record: list[str], columns: Mapping[str, int]) -> SummaryRow:
    def get(field: str) -> str:
        index = columns.get(field, len(record))
        value = record[index].strip() if index < len(record) else ""
        return "" if value in EMPTY_MARKERS else value

    errors = []
    height = None
    if get("snapshot_height"):
        try:
            height = int(get("snapshot_height"))
        except ValueError:
            errors.append(f"field 'snapshot height': not a block height: {get('snapshot_height')!r}")
    amount = None
    if get("amount"):
        problem = amount_problem(get("amount"), base_units=False)
        if problem:
            errors.append(f"field 'amount': {problem}")
        else:
            amount = Decimal(get("amount"))
    error = f"{path}:{line}: " + "; ".join(errors) if errors else ""
    return SummaryRow(line, get("coin"), height, amount, error)
