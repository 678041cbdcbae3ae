"""Double claims: the same balance claimed by two exchanges, or twice in one file.

A claim is a detail row's (balance domain, canonical address, token). The balance domain is the network the
registry resolves the row to (each EVM network, each UTXO coin, TRON... keeps its own balances), so one EVM
address on two networks, or one address holding two tokens, is two balances; the same (network, address,
token) twice is one balance counted twice. A registry network may name a shared `balance_domain` when two of
its codes are one ledger. Addresses are compared in each family's canonical form (`normalize_address`); a row
whose network is unknown or whose address is not valid there is compared as written (upper-case codes, the
address verbatim) and counted as such in the summary.

Files of the same exchange (several months of one exchange's files) may share addresses: only claims by two
different exchanges, or two claims within one file, are double claims. Every claim goes to an on-disk SQLite
index (one row per claim, keyed by a 16-byte digest) so three OKX-size files stay within a few hundred MB.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import sqlite3
import sys
import tempfile
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from auditor.assets import AssetRegistry
from auditor.errors import ExitCode, InputProblem
from auditor.formats import InputError, open_address_file
from auditor.formats.layouts import GenericColumns, Layout
from auditor.money import dec_str
from chains.base import AddressRow, Token
from chains.registry import get_family

INSERT_BATCH = 20_000
OVERLAP_COLUMNS = ["overlap", "kind", "balance_network", "address", "asset", "token", "exchange", "file", "line",
                   "coin", "network", "address_as_written", "declared", "compared"]
SKIPPED_COLUMNS = ["file", "line", "reason"]

DESCRIPTION = """List every balance claimed more than once: by two exchanges (files of different exchanges), or
twice within one file (the same network, address and token). One EVM address on two networks, or one address
holding two tokens, are separate balances and not listed. FILE is a published address file (any OKX layout,
HTX, or a CSV mapped with --columns), optionally prefixed with the exchange's name: `Binance=binance.csv`. Without
a name, OKX and HTX layouts are named OKX and HTX, other files by their file name; files of one exchange (e.g.
several months) are not compared with one another.

Writes DIR/overlaps.csv (one line per claim of each double-claimed balance, with the amount as declared),
DIR/skipped.csv (rows that could not be compared, with the reason), DIR/summary.md and DIR/summary.json.
Exit 0: no double claim; 1: double claims found; 2: a file could not be read or a row was malformed."""


class CrossCheckConfigError(InputProblem):
    """A `[cross_check]` table that cannot be used; the message names the key."""


@dataclass(frozen=True)
class ClaimFile:
    """One published file and the exchange it speaks for (None: from its layout, or its file name)."""

    path: Path
    exchange: str | None = None
    generic: GenericColumns | None = None


@dataclass(frozen=True)
class CrossCheckSettings:
    """`[cross_check]` of a run config: the other published files the run's input is compared with."""

    files: tuple[ClaimFile, ...] = ()


def parse_cross_check(table: Mapping[str, Any] | None, base_dir: Path, where: str = "config") -> CrossCheckSettings:
    """The raw `[cross_check]` TOML table. `files` entries are paths (relative to the config's directory) or
    tables `{file = "...", exchange = "HTX", columns = {coin = "...", address = "..."}, amounts = "whole"}`."""
    if table is None:
        return CrossCheckSettings()
    if not isinstance(table, Mapping):
        raise CrossCheckConfigError(f"{where}: [cross_check] must be a table")
    unknown = sorted(set(table) - {"files"})
    if unknown:
        raise CrossCheckConfigError(f"{where}: [cross_check] unknown key(s) {', '.join(unknown)} (known: files)")
    files = table.get("files", [])
    if not isinstance(files, list):
        raise CrossCheckConfigError(f"{where}: [cross_check] files must be a list of paths or tables")
    parsed: list[ClaimFile] = []
    for index, entry in enumerate(files):
        at = f"{where}: [cross_check] files[{index}]"
        if isinstance(entry, str):
            parsed.append(ClaimFile(_resolve(base_dir, entry)))
            continue
        if not isinstance(entry, Mapping):
            raise CrossCheckConfigError(f"{at}: a path or a table, got {type(entry).__name__}")
        unknown = sorted(set(entry) - {"file", "exchange", "columns", "amounts"})
        if unknown:
            raise CrossCheckConfigError(f"{at}: unknown key(s) {', '.join(unknown)} (known: file, exchange, "
                                        "columns, amounts)")
        path = entry.get("file")
        if not isinstance(path, str) or not path:
            raise CrossCheckConfigError(f"{at}: file must be a path")
        exchange = entry.get("exchange")
        if exchange is not None and (not isinstance(exchange, str) or not exchange.strip()):
            raise CrossCheckConfigError(f"{at}: exchange must be a non-empty string")
        parsed.append(ClaimFile(_resolve(base_dir, path), exchange.strip() if exchange else None,
                                _generic(entry.get("columns"), entry.get("amounts", "whole"), at)))
    return CrossCheckSettings(tuple(parsed))


def _resolve(base_dir: Path, path: str) -> Path:
    candidate = Path(path).expanduser()
    return candidate if candidate.is_absolute() else base_dir / candidate


def _generic(columns: Any, amounts: Any, at: str) -> GenericColumns | None:
    if columns is None:
        return None
    if not isinstance(columns, Mapping) or not all(isinstance(v, str) for v in columns.values()):
        raise CrossCheckConfigError(f"{at}: columns must map field names to column names (strings)")
    missing = [f for f in ("coin", "address") if f not in columns]
    if missing:
        raise CrossCheckConfigError(f"{at}: columns must map {', '.join(missing)}")
    if amounts not in ("whole", "base"):
        raise CrossCheckConfigError(f"{at}: amounts must be \"whole\" or \"base\", got {amounts!r}")
    return GenericColumns(dict(columns), amounts == "base")


# --- claims --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Claim:
    """One row's claim on one balance, as the index stores it."""

    source: int  # index of the file in the comparison
    line: int
    coin: str
    network: str  # as written
    address: str  # as written
    domain: str  # balance network (registry code, or "?CODE" when unknown)
    canonical: str  # address in the family's canonical form (or as written)
    asset: str
    token: str  # contract, or "native"
    declared: str  # whole units when known, else as written with its unit
    compared: str  # "canonical" or why it is compared as written


class _Keyer:
    """Works out each row's balance key with the registry an exchange's layout implies."""

    def __init__(self, registry_overrides: Mapping[str, Any] | None = None) -> None:
        self._overrides = registry_overrides
        self._registries: dict[str, AssetRegistry] = {}
        self._lookups: dict[tuple[str, str, str], tuple[Any, Any, Any]] = {}
        self._last: tuple[tuple[str, str] | None, tuple[str, str]] = (None, ("", ""))

    def registry(self, layout: Layout) -> AssetRegistry:
        key = layout.exchange
        if key not in self._registries:
            self._registries[key] = AssetRegistry.load(self._overrides, defaults=layout.registry_defaults())
        return self._registries[key]

    def claim(self, source: int, row: AddressRow, layout: Layout) -> Claim:
        lookup_key = (layout.exchange, row.coin, row.network)
        lookup = self._lookups.get(lookup_key)
        if lookup is None:
            registry = self.registry(layout)
            token = registry.resolve(row.coin, row.network)
            network = registry.network(token.network) if token else None
            family = get_family(network.family) if network else None
            lookup = self._lookups[lookup_key] = (token, network, family)
        token, network, family = lookup
        compared = "canonical"
        address = row.address
        if token is None or family is None or network is None:
            domain = "?" + " ".join((row.network or row.coin).upper().split())
            asset, token_key = " ".join(row.coin.upper().split()), "coin " + " ".join(row.coin.upper().split())
            compared = "as written: coin/network not in the registry"
        else:
            domain = str(network.params.get("balance_domain") or network.code)
            asset = token.asset
            contract = token.contract
            token_key = (contract.lower() if contract.startswith("0x") else contract) if contract else "native"
            memo = (network.code, row.address)
            if self._last[0] == memo:  # an address's rows (one per token) are usually adjacent
                address, compared = self._last[1]
            else:
                try:
                    address = family.normalize_address(row.address, network)
                except ValueError as exc:
                    compared = f"as written: not a {network.code} address ({exc})"
                self._last = (memo, (address, compared))
        return Claim(source, row.line, row.coin, row.network, row.address, domain, address, asset, token_key,
                     _declared(row, token), compared)


def _declared(row: AddressRow, token: Token | None) -> str:
    if not row.amount:
        return ""
    if not row.amount_in_base_units:
        return dec_str(Decimal(row.amount))
    if token is None:
        return f"{row.amount} base units"
    return dec_str(Decimal(row.amount).scaleb(-token.decimals))


def _digest(claim: Claim) -> bytes:
    text = f"{claim.domain}\x1f{claim.canonical}\x1f{claim.token}"
    return hashlib.blake2b(text.encode(), digest_size=16).digest()


# --- the comparison ------------------------------------------------------------------------------------------


@dataclass
class SourceInfo:
    path: str
    exchange: str
    layout: str = ""
    rows: int = 0
    compared_as_written: int = 0
    skipped: int = 0
    error: str = ""


@dataclass
class Overlap:
    """One balance claimed more than once."""

    kinds: tuple[str, ...]  # "across exchanges", "within one file"
    claims: list[Claim]

    @property
    def asset(self) -> str:
        return self.claims[0].asset


@dataclass
class CrossCheckResult:
    sources: list[SourceInfo]
    overlaps_total: int = 0
    claims_total: int = 0
    reused_within_exchange: int = 0  # balances shared only by files of one exchange (not double claims)
    per_asset: dict[str, dict[str, Any]] = field(default_factory=dict)
    skipped_total: int = 0

    @property
    def exit_code(self) -> int:
        if self.overlaps_total:
            return ExitCode.SHORTFALL
        if self.skipped_total or any(s.error for s in self.sources):
            return ExitCode.INPUT
        return ExitCode.OK

    def as_json(self) -> dict[str, Any]:
        return {
            "files": [vars(s) for s in self.sources],
            "double_claimed_balances": self.overlaps_total,
            "claims_in_double_claims": self.claims_total,
            "shared_only_within_one_exchange": self.reused_within_exchange,
            "rows_skipped": self.skipped_total,
            "assets": self.per_asset,
            "exit_code": self.exit_code,
        }


def exchange_of(claim_file: ClaimFile, layout_exchange: str) -> str:
    if claim_file.exchange:
        return claim_file.exchange
    if layout_exchange in ("okx", "htx"):
        return layout_exchange.upper()
    return claim_file.path.stem


def find_overlaps(
    files: Sequence[ClaimFile], work_dir: Path, skipped: Any = None,
    registry_overrides: Mapping[str, Any] | None = None, involving: int | None = None,
) -> tuple[CrossCheckResult, Iterator[Overlap]]:
    """Index every file's claims in `work_dir/claims.sqlite`, then return the result (sources filled) and an
    iterator of overlaps (the per-asset totals fill in as it is consumed). `skipped` (a csv.writer) receives
    rows that cannot be compared. With `involving`, only overlaps that include that file's claims are listed."""
    keyer = _Keyer(registry_overrides)
    database = sqlite3.connect(work_dir / "claims.sqlite")
    database.executescript("""
        PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; PRAGMA temp_store = FILE; PRAGMA cache_size = -65536;
        DROP TABLE IF EXISTS claims;
        CREATE TABLE claims (key BLOB, source INTEGER, line INTEGER, coin TEXT, network TEXT, address TEXT,
                             domain TEXT, canonical TEXT, asset TEXT, token TEXT, declared TEXT, compared TEXT);
    """)
    result = CrossCheckResult([])
    for index, claim_file in enumerate(files):
        info = SourceInfo(str(claim_file.path), claim_file.exchange or "")
        result.sources.append(info)
        try:
            _index_file(database, keyer, index, claim_file, info, skipped)
        except InputError as exc:
            info.error = str(exc)
            if skipped is not None:
                skipped.writerow([str(claim_file.path), exc.line or "", f"file not read: {exc}"])
        result.skipped_total += info.skipped
    database.execute("CREATE INDEX claims_key ON claims (key)")
    database.commit()
    return result, _overlaps(database, result, involving)


def _index_file(database: sqlite3.Connection, keyer: _Keyer, index: int, claim_file: ClaimFile, info: SourceInfo,
                skipped: Any) -> None:
    address_file = open_address_file(claim_file.path, claim_file.generic)
    layout = address_file.layout
    info.layout = layout.name
    info.exchange = exchange_of(claim_file, layout.exchange)
    batch: list[tuple[Any, ...]] = []
    insert = "INSERT INTO claims VALUES (?,?,?,?,?,?,?,?,?,?,?,?)"
    for row in address_file.rows():
        info.rows += 1
        if row.input_error:
            info.skipped += 1
            if skipped is not None:
                skipped.writerow([str(claim_file.path), row.line, row.input_error])
            continue
        claim = keyer.claim(index, row, layout)
        if claim.compared != "canonical":
            info.compared_as_written += 1
        batch.append((_digest(claim), index, claim.line, claim.coin, claim.network, claim.address, claim.domain,
                      claim.canonical, claim.asset, claim.token, claim.declared, claim.compared))
        if len(batch) >= INSERT_BATCH:
            database.executemany(insert, batch)
            batch.clear()
    if batch:
        database.executemany(insert, batch)
    database.commit()


def _overlaps(database: sqlite3.Connection, result: CrossCheckResult, involving: int | None) -> Iterator[Overlap]:
    """Groups of claims sharing a key, in key order; each judged by the rule in the module docstring."""
    exchanges = [s.exchange for s in result.sources]
    query = """SELECT c.key, c.source, c.line, c.coin, c.network, c.address, c.domain, c.canonical, c.asset,
                      c.token, c.declared, c.compared
               FROM claims c JOIN (SELECT key FROM claims GROUP BY key HAVING COUNT(*) > 1) d ON c.key = d.key
               ORDER BY c.key, c.source, c.line"""
    try:
        group: list[Claim] = []
        current: bytes | None = None
        for key, *values in database.execute(query):
            if key != current and group:
                overlap = _judge(group, exchanges, result, involving)
                if overlap is not None:
                    yield overlap
                group = []
            current = key
            group.append(Claim(*values))
        if group:
            overlap = _judge(group, exchanges, result, involving)
            if overlap is not None:
                yield overlap
    finally:
        database.close()


def _judge(group: list[Claim], exchanges: list[str], result: CrossCheckResult, involving: int | None) -> Overlap | None:
    per_source: defaultdict[int, int] = defaultdict(int)
    for claim in group:
        per_source[claim.source] += 1
    kinds = []
    if len({exchanges[s] for s in per_source}) > 1:
        kinds.append("across exchanges")
    if any(count > 1 for count in per_source.values()):
        kinds.append("within one file")
    if not kinds:
        result.reused_within_exchange += 1
        return None
    if involving is not None and involving not in per_source:
        return None
    overlap = Overlap(tuple(kinds), group)
    result.overlaps_total += 1
    result.claims_total += len(group)
    totals = result.per_asset.setdefault(overlap.asset, {
        "double_claimed_balances": 0, "claims": 0, "declared_in_claims": "0", "declared_beyond_largest_claim": "0",
        "amounts_not_comparable": 0})
    totals["double_claimed_balances"] += 1
    totals["claims"] += len(group)
    amounts = []
    for claim in group:
        try:
            amounts.append(Decimal(claim.declared) if claim.declared else Decimal(0))
        except ArithmeticError:  # "N base units" of a token the registry does not know
            totals["amounts_not_comparable"] += 1
    if amounts:
        total = sum(amounts, Decimal(0))
        totals["declared_in_claims"] = dec_str(Decimal(totals["declared_in_claims"]) + total)
        totals["declared_beyond_largest_claim"] = dec_str(
            Decimal(totals["declared_beyond_largest_claim"]) + total - max(amounts))
    return overlap


# --- outputs -------------------------------------------------------------------------------------------------


def cross_check(files: Sequence[ClaimFile], out_dir: Path) -> CrossCheckResult:
    """Compare `files`, write overlaps.csv, skipped.csv, summary.json and summary.md into `out_dir`."""
    out_dir.mkdir(parents=True, exist_ok=True)
    with (
        tempfile.TemporaryDirectory(prefix=".cross-check-", dir=out_dir) as work,
        (out_dir / "overlaps.csv").open("w", encoding="utf-8", newline="") as overlaps_handle,
        (out_dir / "skipped.csv").open("w", encoding="utf-8", newline="") as skipped_handle,
    ):
        skipped = csv.writer(skipped_handle)
        skipped.writerow(SKIPPED_COLUMNS)
        overlaps = csv.writer(overlaps_handle)
        overlaps.writerow(OVERLAP_COLUMNS)
        result, groups = find_overlaps(files, Path(work), skipped)
        for number, overlap in enumerate(groups, start=1):
            for claim in overlap.claims:
                source = result.sources[claim.source]
                overlaps.writerow([number, "; ".join(overlap.kinds), claim.domain, claim.canonical, claim.asset,
                                   claim.token, source.exchange, source.path, claim.line, claim.coin, claim.network,
                                   claim.address, claim.declared, claim.compared])
    (out_dir / "summary.json").write_text(json.dumps(result.as_json(), indent=2) + "\n", encoding="utf-8")
    (out_dir / "summary.md").write_text(summary_markdown(result), encoding="utf-8")
    return result


def summary_markdown(result: CrossCheckResult) -> str:
    lines = ["# Double claims", "", "| file | exchange | layout | rows | compared as written | skipped |",
             "|---|---|---|---:|---:|---:|"]
    for source in result.sources:
        lines.append(f"| {source.path} | {source.exchange} | {source.layout or 'not read'} | {source.rows} | "
                     f"{source.compared_as_written} | {source.skipped} |")
    errors = [s for s in result.sources if s.error]
    if errors:
        lines += ["", *[f"- not read: {s.error}" for s in errors]]
    lines += ["", f"**{result.overlaps_total}** balance(s) claimed more than once ({result.claims_total} claims); "
              f"{result.reused_within_exchange} shared only by files of one exchange (not double claims); "
              f"{result.skipped_total} row(s) skipped (skipped.csv).", ""]
    if result.per_asset:
        lines += ["| asset | double-claimed balances | claims | declared in those claims | declared beyond the "
                  "largest claim of each balance |", "|---|---:|---:|---:|---:|"]
        for asset, totals in sorted(result.per_asset.items()):
            note = f" ({totals['amounts_not_comparable']} in base units of an unknown token)" \
                if totals["amounts_not_comparable"] else ""
            lines.append(f"| {asset} | {totals['double_claimed_balances']} | {totals['claims']} | "
                         f"{totals['declared_in_claims']}{note} | {totals['declared_beyond_largest_claim']} |")
    return "\n".join(lines) + "\n"


# --- inside `auditor run` ------------------------------------------------------------------------------------


def run_findings(
    settings: CrossCheckSettings, input_file: Path, generic: GenericColumns | None, work_dir: Path,
    registry_overrides: Mapping[str, Any] | None = None, exchange: str | None = None,
) -> Iterator[dict[str, Any]]:
    """Double claims involving the run's input file, as `discrepancy` findings (kind `double_claim`). A listed
    file that cannot be read is one finding of kind `cross_check_unread` naming it (never silently skipped)."""
    if not settings.files:
        return
    files = [ClaimFile(input_file, exchange, generic), *settings.files]
    with tempfile.TemporaryDirectory(prefix=".cross-check-", dir=work_dir) as work:
        result, groups = find_overlaps(files, Path(work), registry_overrides=registry_overrides, involving=0)
        for source in result.sources[1:]:
            if source.error:
                yield {"kind": "cross_check_unread", "file": source.path, "reason": source.error}
        for overlap in groups:
            if _repeated_row(overlap.claims):
                continue  # the run reports a row repeated under the same coin and network as a duplicate already
            first = next(c for c in overlap.claims if c.source == 0)
            yield {
                "kind": "double_claim", "line": first.line, "coin": first.coin, "network": first.domain,
                "address": first.canonical, "asset": overlap.asset, "overlap": "; ".join(overlap.kinds),
                "claims": [{"exchange": result.sources[c.source].exchange, "file": result.sources[c.source].path,
                            "line": c.line, "coin": c.coin, "network": c.network, "declared": c.declared}
                           for c in overlap.claims],
            }


def _repeated_row(claims: Sequence[Claim]) -> bool:
    """Every claim is the run's own file naming the same coin and network again: a repeated row, which the run
    counts once and lists as a duplicate; not a claim on someone else's coins."""
    return all(c.source == 0 for c in claims) and len({(c.coin, c.network) for c in claims}) == 1


# --- command line --------------------------------------------------------------------------------------------


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("files", nargs="+", metavar="FILE", help="published address file, or EXCHANGE=FILE")
    parser.add_argument("--out", type=Path, default=Path("reports/cross-check"),
                        help="output directory (default: reports/cross-check)")
    parser.add_argument("--columns", metavar="FIELD=COLUMN,...",
                        help="column mapping for files that are not OKX/HTX layouts, e.g. "
                        "coin=Asset,network=Chain,address=Wallet,amount=Balance")
    parser.add_argument("--amounts", choices=("whole", "base"), default="whole",
                        help="amounts of --columns files: whole units (default) or base units")


def parse_file_arguments(arguments: Iterable[str], columns: str | None, amounts: str) -> list[ClaimFile]:
    generic = None
    if columns:
        mapping = {}
        for part in columns.split(","):
            name, sep, column = part.partition("=")
            if not sep or not name.strip() or not column.strip():
                raise CrossCheckConfigError(f"--columns: expected FIELD=COLUMN, got {part!r}")
            mapping[name.strip()] = column.strip()
        generic = _generic(mapping, amounts, "--columns")
    files = []
    for argument in arguments:
        name, sep, path = argument.partition("=")
        if sep and name and "/" not in name and not Path(argument).exists():
            files.append(ClaimFile(Path(path), name.strip(), None))
        else:
            files.append(ClaimFile(Path(argument), None, None))
    return [_with_generic(f, generic) for f in files]


def _with_generic(claim_file: ClaimFile, generic: GenericColumns | None) -> ClaimFile:
    """A file whose header is no OKX/HTX layout is read with --columns, if given."""
    if generic is None:
        return claim_file
    try:
        rows = open_address_file(claim_file.path).rows()
        next(rows, None)
        close = getattr(rows, "close", None)  # a generator: closing it closes the file
        if close is not None:
            close()
        return claim_file
    except InputError:
        return ClaimFile(claim_file.path, claim_file.exchange, generic)


def command(args: argparse.Namespace) -> int:
    try:
        files = parse_file_arguments(args.files, args.columns, args.amounts)
    except CrossCheckConfigError as exc:
        print(f"auditor: {exc}", file=sys.stderr)
        return ExitCode.INPUT
    result = cross_check(files, args.out)
    for source in result.sources:
        if source.error:
            print(f"auditor: {source.error}", file=sys.stderr)
    print(summary_markdown(result), end="")
    print(f"overlaps: {args.out}/overlaps.csv (exit {result.exit_code})")
    return result.exit_code
