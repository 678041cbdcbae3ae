"""`auditor init FILE [--out CONFIG]`: write a commented config that audits a published address file.

The file is read once (any layout `auditor.formats` knows) and surveyed: the statements its rows sign, the
networks they sit on (resolved through the registry exactly as a run resolves them), the snapshot heights they
name, and the summary section's declared totals. The config it writes pins the most common statement, has one
`[networks.X]` table (with `url_env = "X_RPC_URL"`) per network whose chain family has a balance backend, lists
the others in comments, and leaves `[liabilities]` as placeholders: those figures are not in the address file.
An existing config is never overwritten.
"""

from __future__ import annotations

import argparse
import logging
import os
import re
import sys
import textwrap
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

from auditor.assets import AssetRegistry
from auditor.errors import ExitCode, InputProblem
from auditor.formats import SummaryRow, open_address_file
from auditor.money import dec_str
from chains.base import Network, OfflineOnlyFamily, Token
from chains.registry import get_family

log = logging.getLogger("auditor.init")

DESCRIPTION = textwrap.fill(
    "Read a published address file (any OKX layout, HTX's) and write a commented config that audits it: the "
    "signed statements found, one [networks.X] table per network with a balance backend (url_env = "
    "\"X_RPC_URL\"), the snapshot heights, the summary's declared totals and [liabilities] placeholders. "
    "Refuses to overwrite an existing file.", width=100,
) + "\n\nexit codes:\n  0  config written\n  2  input error, or CONFIG exists already\n"
SHOWN_HEIGHTS = 5  # distinct heights listed per network before "and N more"
NO_MESSAGE = ""


class InitError(InputProblem):
    """The config cannot be written (it exists already, or its folder cannot be created)."""


@dataclass
class NetworkSurvey:
    """What the file holds on one registry network."""

    network: Network
    rows: int = 0
    spellings: Counter[str] = field(default_factory=Counter)  # the file's network column values
    coins: Counter[str] = field(default_factory=Counter)  # the file's coin codes
    heights: Counter[int] = field(default_factory=Counter)  # the height each row is read at (row, else summary)
    without_height: int = 0  # rows naming no height, with no summary height for their coin either


@dataclass
class AssetSurvey:
    """One asset: its declared total from the summary section, and what the detail rows add up to."""

    asset: str
    rows: int = 0
    detail_total: Decimal = Decimal(0)  # whole units, rows with an amount
    with_amount: int = 0  # rows giving an amount (the 2025 layout gives none)
    summary_total: Decimal | None = None  # the summary's ASSET(ALL) row, else the sum of its per-token rows
    summary_lines: list[str] = field(default_factory=list)  # "COIN AMOUNT @HEIGHT" as published


@dataclass
class FileSurvey:
    path: Path
    layout: str
    sha256: str = ""
    rows: int = 0
    malformed: int = 0
    messages: Counter[str] = field(default_factory=Counter)
    networks: dict[str, NetworkSurvey] = field(default_factory=dict)
    unknown: Counter[tuple[str, str]] = field(default_factory=Counter)  # (coin, network) the registry lacks
    assets: dict[str, AssetSurvey] = field(default_factory=dict)
    summary: list[SummaryRow] = field(default_factory=list)
    unresolved_summary: list[SummaryRow] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def pinned_message(self) -> str | None:
        signed = [(count, message) for message, count in self.messages.items() if message != NO_MESSAGE]
        return max(signed, key=lambda item: (item[0], item[1]))[1] if signed else None


def survey_file(path: Path | str) -> FileSurvey:
    """One streamed pass over `path`. InputError when it cannot be read at all; malformed rows are counted."""
    started = time.perf_counter()
    address_file = open_address_file(path)
    registry = AssetRegistry.load(defaults=address_file.layout.registry_defaults())
    survey = FileSurvey(Path(path), address_file.layout.name, summary=list(address_file.summary))
    summary_heights: dict[str, int] = {}
    for line in survey.summary:
        token = registry.resolve(line.coin, "")
        if token is not None and line.snapshot_height is not None:
            summary_heights[token.code] = line.snapshot_height
    base_units = address_file.layout.amounts_in_base_units
    lookups: dict[tuple[str, str], tuple[Token | None, Network | None]] = {}  # a file names few pairs
    for row in address_file.rows():
        survey.rows += 1
        survey.messages[row.message] += 1
        if row.input_error:
            survey.malformed += 1
            continue
        lookup = lookups.get((row.coin, row.network))
        if lookup is None:
            token = registry.resolve(row.coin, row.network)
            # the network a run reads the row on: its own column, else (HTX) the coin code's network
            network = registry.network(row.network) if row.network else None
            if network is None and token is not None and not row.network:
                network = registry.network(token.network)
            lookup = lookups[row.coin, row.network] = (token, network)
        token, network = lookup
        if network is None:
            survey.unknown[row.coin, row.network] += 1
            continue
        place = survey.networks.get(network.code)
        if place is None:
            place = survey.networks[network.code] = NetworkSurvey(network)
        place.rows += 1
        place.spellings[row.network or "(from the coin code)"] += 1
        place.coins[row.coin] += 1
        height = row.snapshot_height
        if height is None and token is not None:
            height = summary_heights.get(token.code)
        if height is None:
            place.without_height += 1
        else:
            place.heights[height] += 1
        if token is not None:
            asset = survey.assets.setdefault(token.asset, AssetSurvey(token.asset))
            asset.rows += 1
            if row.amount:
                amount = Decimal(row.amount)
                asset.detail_total += amount.scaleb(-token.decimals) if base_units else amount
                asset.with_amount += 1
    survey.sha256 = address_file.sha256
    _summary_totals(survey, registry)
    survey.seconds = time.perf_counter() - started
    return survey


def _summary_totals(survey: FileSurvey, registry: AssetRegistry) -> None:
    """Per asset, the summary's ASSET(ALL) row if it has one, else the sum of the asset's per-token rows."""
    totals: dict[str, Decimal] = {}
    sums: dict[str, Decimal] = {}
    for row in survey.summary:
        coin = row.coin.strip()
        height = f" @{row.snapshot_height}" if row.snapshot_height is not None else ""
        shown = f"{coin} {dec_str(row.amount) if row.amount is not None else '-'}{height}"
        if coin.upper().endswith("(ALL)"):
            asset = coin[: -len("(ALL)")].strip().upper()
            if row.amount is not None:
                totals[asset] = row.amount
        else:
            token = registry.resolve(coin, "")
            if token is None:
                survey.unresolved_summary.append(row)
                continue
            asset = token.asset
            if row.amount is not None:
                sums[asset] = sums.get(asset, Decimal(0)) + row.amount
        survey.assets.setdefault(asset, AssetSurvey(asset)).summary_lines.append(shown)
    for asset, place in survey.assets.items():
        place.summary_total = totals.get(asset, sums.get(asset))


# --- rendering -----------------------------------------------------------------------------------------------

_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")


def toml_string(text: str) -> str:
    """A TOML basic string holding exactly `text` (every control character escaped, as TOML requires)."""
    out = []
    for char in text:
        if char in "\"\\":
            out.append("\\" + char)
        elif char == "\n":
            out.append("\\n")
        elif char == "\t":
            out.append("\\t")
        elif ord(char) < 0x20 or ord(char) == 0x7F:
            out.append(f"\\u{ord(char):04X}")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


def toml_key(key: str) -> str:
    return key if _BARE_KEY.fullmatch(key) else toml_string(key)


def url_variable(code: str) -> str:
    """The environment variable `auditor init` names for a network's URL: ETH -> ETH_RPC_URL, AVAX-X ->
    AVAX_X_RPC_URL."""
    return re.sub(r"[^A-Z0-9]+", "_", code.upper()).strip("_") + "_RPC_URL"


def family_backends(network: Network) -> tuple[str, ...] | None:
    """The backend names the network's family reads balances with, the default first; () for a family without
    a balance backend; None when the family has one but does not list its names.

    The names come from the family: its `backends` class attribute, else the `BACKENDS` its module checks
    `endpoint.backend` against (families added by other branches follow that convention)."""
    family = get_family(network.family)
    if family is None or isinstance(family, OfflineOnlyFamily):
        return ()
    names = getattr(family, "backends", None)
    if not names:
        names = getattr(sys.modules.get(type(family).__module__), "BACKENDS", None)
    names = tuple(name for name in names or () if name)  # "" means "the default" where a family accepts it
    return names or None


def _counts(counter: Counter[str] | Counter[int], limit: int = SHOWN_HEIGHTS) -> str:
    items = counter.most_common()
    shown = ", ".join(f"{value} ({count} row{'s' * (count != 1)})" for value, count in items[:limit])
    return shown + (f" and {len(items) - limit} more" if len(items) > limit else "")


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'s' * (count != 1)}"


def render_config(survey: FileSurvey, config_path: Path) -> str:
    """The config text for `survey`, written to be saved at `config_path` (the input path is made relative
    to it, as the config loader reads it)."""
    config_dir = config_path.resolve().parent
    input_path = survey.path.resolve()
    try:  # relative to the config when it sits nearby (the pair can move together), else absolute
        shown_path = os.path.relpath(input_path, config_dir)
    except ValueError:  # another drive (Windows)
        shown_path = str(input_path)
    if shown_path.startswith(os.path.join(os.pardir, os.pardir)):
        shown_path = str(input_path)
    today = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    with_backend = {c: s for c, s in sorted(survey.networks.items()) if family_backends(s.network) != ()}
    offline = {c: s for c, s in sorted(survey.networks.items()) if family_backends(s.network) == ()}
    variables = [url_variable(code) for code in with_backend]
    lines = [
        f"# Written by `auditor init` on {today} from {survey.path.name}",
        f"# (layout {survey.layout}, {_plural(survey.rows, 'detail row')}, "
        f"{_plural(len(survey.summary), 'summary row')}, sha256 {survey.sha256[:16]}...).",
        "# Next: set the environment variables below, fill in [liabilities], then",
        f"#   auditor check {config_path.name}    # every endpoint on the right chain, with the snapshot block",
        f"#   auditor run {config_path.name}",
        *textwrap.wrap(", ".join(variables) if variables else "(none: no network here has a balance backend)",
                       width=110, initial_indent="# Variables read: ", subsequent_indent="#   "),
        "",
        "[input]",
        f"file = {toml_string(shown_path)}",
        'format = "auto"                # OKX layouts and HTX, recognised by their header names',
    ]
    lines += _messages(survey)
    lines += [
        "",
        "[output]",
        'dir = "reports"                # each run writes reports/<UTC run id>/; reports/latest points at it',
        "",
        "[audit]",
        'required_ratio = "1"           # an asset passes when verified reserves >= required_ratio x liabilities',
        "",
    ]
    lines += _assets(survey)
    lines += _networks(with_backend)
    lines += _not_read(offline, survey)
    return "\n".join(lines).rstrip() + "\n"


def _messages(survey: FileSurvey) -> list[str]:
    pinned = survey.pinned_message
    if pinned is None:
        return ["# messages: no row of this file carries a signed statement, so none is pinned (any is accepted)"]
    signed = sum(count for message, count in survey.messages.items() if message != NO_MESSAGE)
    lines = [
        f"messages = [{toml_string(pinned)}]",
        f"# the statement signed by {survey.messages[pinned]} of the {_plural(signed, 'row')} that sign one; a row "
        "signing any other text fails",
    ]
    others = [(m, c) for m, c in survey.messages.most_common() if m not in (pinned, NO_MESSAGE)]
    if others:
        lines += ["# Other statements signed in this file: their rows fail unless you add the statement to",
                  "# `messages` (once the exchange confirms it as its own):"]
        lines += [f"#   {toml_string(message)}: {_plural(count, 'row')}" for message, count in others]
    if survey.messages.get(NO_MESSAGE):
        lines.append(f"# {_plural(survey.messages[NO_MESSAGE], 'row')} carry no message (no ownership proof): "
                     "they fail, whatever `messages` says")
    if survey.malformed:
        lines.append(f"# {_plural(survey.malformed, 'row')} are malformed: a run reports each as failed, naming "
                     "line and field, and exits 2")
    return lines


def _assets(survey: FileSurvey) -> list[str]:
    assets = sorted(survey.assets.values(), key=lambda a: a.asset)
    lines = [
        "# Assets in the file. `declared` is the summary section's total (the ASSET(ALL) row, else the sum of",
        "# the asset's per-network rows); every run checks it against the detail rows and the chain.",
    ]
    if not assets:
        lines.append("#   (none resolved through the registry)")
    width = max((len(a.asset) for a in assets), default=5)
    for asset in assets:
        declared = dec_str(asset.summary_total) if asset.summary_total is not None else "(no summary row)"
        detail = (f"{_plural(asset.rows, 'row')}, rows add up to {dec_str(asset.detail_total)}" if asset.with_amount
                  else f"{_plural(asset.rows, 'row')}, no amounts" if asset.rows else "no detail row")
        lines.append(f"#   {asset.asset.ljust(width)}  declared {declared}; {detail}")
        if asset.summary_lines:
            indent = f"#   {' ' * width}  "
            lines += _wrap_items(asset.summary_lines, indent + "summary: ", indent + "  ")
    if survey.unresolved_summary:
        coins = ", ".join(f"{row.coin} (line {row.line})" for row in survey.unresolved_summary)
        lines.append(f"# Summary coins the registry does not know (their checks fail until added): {coins}")
    lines += [
        "",
        "[required_ratio]               # per-asset overrides of [audit] required_ratio",
        *(f"# {toml_key(a.asset)} = \"1\"" for a in assets),
        "",
        "[liabilities]",
        "# Customer liabilities are not in the address file: fill in the exchange's declared figures (whole",
        "# units, strings), or point merkle_tree at its published liabilities tree. An asset without one gets no",
        "# ratio.",
        "# merkle_tree = \"full-liabilities-merkle-tree.txt\"",
        *(f"# {toml_key(a.asset)} = \"...\"" + (f"    # declared reserves {dec_str(a.summary_total)}"
                                              if a.summary_total is not None else "") for a in assets),
        "",
    ]
    return lines


def _wrap_items(items: list[str], first: str, rest: str, width: int = 110) -> list[str]:
    """`items` joined by "; " over lines of at most `width` characters, never splitting an item."""
    lines, current = [], first
    for index, item in enumerate(items):
        piece = item + (";" if index < len(items) - 1 else "")
        if current not in (first, rest) and len(current) + 1 + len(piece) > width:
            lines.append(current)
            current = rest
        current += ("" if current in (first, rest) else " ") + piece
    return [*lines, current]


def _networks(with_backend: dict[str, NetworkSurvey]) -> list[str]:
    lines = [
        "# One table per network whose balances can be read. Each URL comes from the environment variable",
        "# `url_env` names (API keys stay out of this file). Remove a table to leave that network unread",
        "# (its rows are still checked for ownership and reported unchecked).",
    ]
    for code, place in with_backend.items():
        backends = family_backends(place.network)
        spelled = ", ".join(f'"{s}"' for s in place.spellings)
        lines += [
            "",
            f"[networks.{toml_key(code)}]",
            f"# {place.network.name} ({place.network.family}): {_plural(place.rows, 'row')}; coins "
            f"{_counts(place.coins)}; network column {spelled}",
            f"url_env = {toml_string(url_variable(code))}",
        ]
        if backends:
            default = backends[0]
            others = f" (or {', '.join(backends[1:])})" if len(backends) > 1 else ""
            lines.append(f"backend = {toml_string(default)}{' ' * max(1, 20 - len(default))}# "
                         f"{place.network.family} backends: {default}{others}")
        else:
            lines.append(f"# backend: the {place.network.family} family's default (README: Balances at the snapshot)")
        lines += _heights(place)
    return lines


def _heights(place: NetworkSurvey) -> list[str]:
    lines = []
    if place.heights:
        lines.append(f"# snapshot heights in the file: {_counts(place.heights)}; each row is read at its own")
        if len(place.heights) == 1:
            (height,) = place.heights
            lines.append(f"# snapshot_height = {height}      # uncomment to pin one block for every row")
    if place.without_height:
        lines.append(f"# {_plural(place.without_height, 'row')} name no snapshot height (nor does the summary): set "
                     "snapshot_height to the block the exchange names, or their balances are not read")
        lines.append("# snapshot_height = BLOCK")
    return lines


def _not_read(offline: dict[str, NetworkSurvey], survey: FileSurvey) -> list[str]:
    lines: list[str] = []
    if offline:
        lines += ["", "# Networks in the file without a balance backend yet: ownership is checked offline, balances "
                  "are", "# reported as not read (never as zero):"]
        lines += [f"#   {code} ({place.network.name}, {place.network.family}): {_plural(place.rows, 'row')}"
                  for code, place in offline.items()]
    if survey.unknown:
        lines += ["", "# Rows the registry cannot place (coin, network): reported unchecked. Add "
                  "[registry.networks.X] /", "# [registry.tokens.X] entries (see configs/example.toml) to audit them:"]
        lines += [f"#   {coin or '-'}, {network or '(no network column)'}: {_plural(count, 'row')}"
                  for (coin, network), count in sorted(survey.unknown.items())]
    return lines


# --- command -------------------------------------------------------------------------------------------------


def write_config(file: Path | str, out: Path | str | None = None) -> tuple[Path, FileSurvey]:
    """Survey `file` and write its config to `out` (default: FILE's stem + .toml in the current directory).
    InitError if `out` exists; InputError/RegistryError if the file cannot be read."""
    file = Path(file)
    target = Path(out) if out is not None else Path.cwd() / f"{file.stem}.toml"
    if target.exists():
        raise InitError(f"{target}: exists already; not overwritten (choose another --out, or remove it)")
    survey = survey_file(file)
    text = render_config(survey, target)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        with target.open("x", encoding="utf-8") as handle:  # "x": never replace a config written meanwhile
            handle.write(text)
    except FileExistsError:
        raise InitError(f"{target}: exists already; not overwritten (choose another --out, or remove it)") from None
    except OSError as exc:
        raise InitError(f"{target}: cannot write: {exc.strerror or exc}") from None
    return target, survey


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", type=Path, help="the published address file (any OKX layout, HTX)")
    parser.add_argument("--out", type=Path, metavar="CONFIG",
                        help="where to write the config (default: FILE's name with .toml, in this directory)")


def command(args: argparse.Namespace) -> int:
    target, survey = write_config(args.file, args.out)  # InitError, InputError, RegistryError: exit 2 (auditor.cli)
    read = [code for code, s in sorted(survey.networks.items()) if family_backends(s.network) != ()]
    unread = sorted(set(survey.networks) - set(read))
    print(f"wrote {target}: {_plural(survey.rows, 'row')} ({survey.layout}) in {survey.seconds:.1f} s; "
          f"{_plural(len(read), 'network')} to read ({', '.join(read) or 'none'})"
          + (f", {len(unread)} without a balance backend ({', '.join(unread)})" if unread else ""))
    if read:
        print("set: " + " ".join(f"{url_variable(code)}=..." for code in read))
    print(f"then: auditor check {target} && auditor run {target}")
    return int(ExitCode.OK)
