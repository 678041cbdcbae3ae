"""The run configuration: one TOML file (see configs/example.toml for every key).

Secrets never live in the file: an endpoint names the environment variable holding its URL (`url_env`) and
its headers (`headers_env`); reports show only scheme://host:port.
"""

from __future__ import annotations

import difflib
import hashlib
import math
import os
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from auditor.cross_check import CrossCheckConfigError, CrossCheckSettings, parse_cross_check
from auditor.errors import InputProblem
from auditor.formats.layouts import FIELD_SYNONYMS, GenericColumns
from auditor.freshness import MIN_NONCE_LENGTH, FreshnessSettings
from auditor.liabilities.errors import LiabilitiesConfigError
from auditor.liabilities.settings import RESERVED_KEYS, LiabilitiesSettings, parse_liabilities_section
from auditor.money import parse_amount
from auditor.ops.settings import ALERT_KEYS, OUTPUT_KEYS, OpsSettings, SettingsError, parse_ops
from auditor.secrets import UnsetVariables
from auditor.workers import default_workers
from chains.base import Endpoint
from chains.transport import display_url, remember_secret_url


class ConfigError(InputProblem):
    """The config cannot be used (exit 2). The message names the file, the section and the key."""


@dataclass(frozen=True)
class NetworkSettings:
    endpoint: Endpoint | None  # None: the network is listed only to pin a snapshot height; else the first of `urls`
    snapshot_height: int | None = None
    endpoints: tuple[Endpoint, ...] = ()  # every endpoint of `urls` (provider quorum); () means just `endpoint`
    quorum: int = 1  # how many endpoints must give the same figure at the same block hash

    @property
    def all_endpoints(self) -> tuple[Endpoint, ...]:
        if self.endpoints:
            return self.endpoints
        return (self.endpoint,) if self.endpoint is not None else ()


@dataclass(frozen=True)
class AuditConfig:
    path: Path
    sha256: str
    input_file: Path
    generic: GenericColumns | None
    output_dir: Path
    networks: Mapping[str, NetworkSettings]
    liabilities: Mapping[str, Decimal]
    liabilities_source: str
    required_ratio: Decimal
    required_ratios: Mapping[str, Decimal]
    registry_overrides: Mapping[str, Any] = field(default_factory=dict)
    chunk_size: int = 5000
    workers: int = 1
    statements: frozenset[str] | None = None  # [input] messages: the signed statements accepted
    trust_owner_mode: bool = False
    liabilities_settings: LiabilitiesSettings = field(default_factory=LiabilitiesSettings)  # declared + proofs
    ops: OpsSettings = field(default_factory=OpsSettings)  # retention, metrics, alerts (unattended runs)
    cross_check: CrossCheckSettings = field(default_factory=CrossCheckSettings)  # other exchanges' files
    freshness: FreshnessSettings = field(default_factory=FreshnessSettings)  # what ties a statement to the snapshot

    @property
    def alert_command(self) -> str:
        return self.ops.alerts.command

    def ratio_for(self, asset: str) -> Decimal:
        return self.required_ratios.get(asset.upper(), self.required_ratio)


_TOP_KEYS = {"input", "output", "audit", "networks", "liabilities", "required_ratio", "registry", "alerts",
             "cross_check"}
_INPUT_KEYS = {"file", "messages", "format", "amounts", "columns"}
_AUDIT_KEYS = {"required_ratio", "chunk_size", "workers", "trust_owner_mode", "snapshot_date", "snapshot_nonce",
               "require_fresh"}
_REGISTRY_KEYS = {"networks", "tokens"}
_REGISTRY_TOKEN_KEYS = {"asset", "network", "contract", "decimals", "aliases"}
_NETWORK_KEYS = {
    "url", "urls", "url_env", "quorum", "backend", "chain_id", "snapshot_height", "max_concurrency",
    "requests_per_second", "batch_size", "timeout_seconds", "retries", "headers_env", "options",
}


@dataclass(frozen=True)
class _Range:
    """The accepted values of a numeric setting. Out of range is a mistake, never clamped: a timeout of 0 would
    disable the timeout (a hanging endpoint hangs the run), 0 retries would send no request."""

    integer: bool  # else any finite number (durations and rates, never money)
    low: float
    high: float
    above_low: bool = False  # low itself excluded
    hint: str = ""

    def problem(self, value: Any) -> str:
        if isinstance(value, bool) or not isinstance(value, int if self.integer else int | float):
            return f"must be {'an integer' if self.integer else 'a number'}, got {value!r}"
        if not math.isfinite(value) or value < self.low or (self.above_low and value == self.low) or value > self.high:
            low = f"greater than {self.low}" if self.above_low else f"at least {self.low}"
            return f"must be {low} and at most {self.high}, got {value!r}{self.hint}"
        return ""


_NETWORK_NUMBERS = {
    "max_concurrency": _Range(True, 1, 1024),
    "batch_size": _Range(True, 1, 100_000),
    "retries": _Range(True, 1, 100),  # attempts per request: 0 would send nothing
    "requests_per_second": _Range(False, 0, 1_000_000, above_low=True,
                                  hint=" (0 would mean no limit at all; write 1000000 for that)"),
    "timeout_seconds": _Range(False, 0, 3600, above_low=True),
    "chain_id": _Range(True, 0, 2**256 - 1),
}
_CHUNK_SIZE = _Range(True, 1, 1_000_000)
_WORKERS = _Range(True, 1, 1024)


def load_config(path: Path | str, environ: Mapping[str, str] | None = None) -> AuditConfig:
    path = Path(path)
    environ = os.environ if environ is None else environ
    try:
        raw_bytes = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read config: {exc.strerror or exc}") from exc
    try:
        data = tomllib.loads(raw_bytes.decode("utf-8"))
    except UnicodeDecodeError as exc:  # TOML is UTF-8: say where, as for the address file
        line_start = raw_bytes.rfind(b"\n", 0, exc.start) + 1
        line = raw_bytes.count(b"\n", 0, exc.start) + 1
        column = len(raw_bytes[line_start:exc.start].decode("utf-8", "replace")) + 1
        raise ConfigError(f"{path}:{line}: not UTF-8 text at line {line}, column {column} ({exc.reason})") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from exc
    where = str(path)
    _refuse_unknown(data, _TOP_KEYS, f"{where}:", "section(s)")
    base = path.parent

    input_section = _table(data, "input", where)
    _refuse_unknown(input_section, _INPUT_KEYS, f"{where}: [input]")
    if "file" not in input_section:
        raise ConfigError(f"{where}: [input] file is required (the published address file)")
    input_file = _path(base, input_section["file"], f"{where}: [input] file")
    generic = None
    fmt = input_section.get("format", "auto")
    if fmt == "generic":
        columns = _table(input_section, "columns", f"{where}: [input]")
        _refuse_unknown(columns, FIELD_SYNONYMS, f"{where}: [input.columns]")
        missing = [f for f in ("coin", "address") if f not in columns]
        if missing:
            raise ConfigError(f"{where}: [input.columns] must map {', '.join(missing)}")
        amounts = input_section.get("amounts", "whole")
        if amounts not in ("whole", "base"):
            raise ConfigError(f"{where}: [input] amounts must be \"whole\" or \"base\", got {amounts!r}")
        generic = GenericColumns({k: str(v) for k, v in columns.items()}, amounts == "base")
    elif fmt != "auto":
        raise ConfigError(f"{where}: [input] format must be \"auto\" or \"generic\", got {fmt!r}")
    else:
        for key in ("columns", "amounts"):  # set but ignored would be a silent mistake
            if key in input_section:
                raise ConfigError(f"{where}: [input] {key} applies only with format = \"generic\"")

    statements = None
    if "messages" in input_section:
        messages = input_section["messages"]
        if not isinstance(messages, list) or not messages or not all(isinstance(m, str) for m in messages):
            raise ConfigError(f"{where}: [input] messages must be a non-empty list of strings")
        statements = frozenset(messages)

    output = _table(data, "output", where)
    _refuse_unknown(output, OUTPUT_KEYS, f"{where}: [output]")
    output_dir = _path(base, output.get("dir", "reports"), f"{where}: [output] dir")
    if "dir" in output:  # the default beside the config is checked by the run (`--out` may replace it)
        check_output_dir(output_dir, f"{where}: [output] dir")

    audit = _table(data, "audit", where)
    _refuse_unknown(audit, _AUDIT_KEYS, f"{where}: [audit]")
    required_ratio = _decimal(audit.get("required_ratio", "1"), f"{where}: [audit] required_ratio")
    chunk_size = _number(audit.get("chunk_size", 5000), _CHUNK_SIZE, f"{where}: [audit] chunk_size")
    workers = _number(audit.get("workers", min(default_workers(), int(_WORKERS.high))), _WORKERS,
                      f"{where}: [audit] workers")
    trust_owner_mode = audit.get("trust_owner_mode", False)
    if not isinstance(trust_owner_mode, bool):
        raise ConfigError(f"{where}: [audit] trust_owner_mode must be true or false")
    freshness = _freshness(audit, f"{where}: [audit]")
    ratio_table = _table(data, "required_ratio", where)
    ratios = {k.upper(): _decimal(v, f"{where}: [required_ratio] {k}") for k, v in ratio_table.items()}
    registry = _table(data, "registry", where)
    _registry_keys(registry, where)
    _known_assets(ratios, registry, f"{where}: [required_ratio]")
    _refuse_unknown(_table(data, "alerts", where), ALERT_KEYS, f"{where}: [alerts]")

    variables = UnsetVariables(environ)  # every unset variable is named in one error, not one per attempt
    networks = {
        code.upper(): _network(code, entry, f"{where}: [networks.{code}]", variables)
        for code, entry in _table(data, "networks", where).items()
    }
    _webhook_variable(_table(data, "alerts", where), variables)
    unset = variables.error(where)
    if unset is not None:
        raise ConfigError(str(unset))
    liabilities = _liabilities(_table(data, "liabilities", where), base, where)
    try:
        cross_check = parse_cross_check(data.get("cross_check"), base, where)
    except CrossCheckConfigError as exc:
        raise ConfigError(str(exc)) from None
    try:
        ops = parse_ops(output, _table(data, "alerts", where), base, where, environ)
    except SettingsError as exc:
        raise ConfigError(str(exc)) from None
    return AuditConfig(
        path=path,
        sha256=hashlib.sha256(raw_bytes).hexdigest(),
        input_file=input_file,
        generic=generic,
        output_dir=output_dir,
        networks=networks,
        liabilities=liabilities.declared,
        liabilities_source=liabilities.declared_source,
        liabilities_settings=liabilities,
        required_ratio=required_ratio,
        required_ratios=ratios,
        registry_overrides=registry,
        chunk_size=chunk_size,
        workers=workers,
        statements=statements,
        trust_owner_mode=trust_owner_mode,
        ops=ops,
        cross_check=cross_check,
        freshness=freshness,
    )


def _freshness(audit: Mapping[str, Any], where: str) -> FreshnessSettings:
    """snapshot_date (a TOML date or "YYYY-MM-DD"), snapshot_nonce (a string of MIN_NONCE_LENGTH+ characters,
    no surrounding spaces), require_fresh (boolean)."""
    day = audit.get("snapshot_date")
    if isinstance(day, str):
        try:
            day = date.fromisoformat(day) if len(day) == 10 else None
        except ValueError:
            day = None
        if day is None:
            raise ConfigError(f"{where} snapshot_date: must be a date (2026-11-30), got {audit['snapshot_date']!r}")
    elif day is not None and (isinstance(day, datetime) or not isinstance(day, date)):
        raise ConfigError(f"{where} snapshot_date: must be a date without a time (2026-11-30), got {day!r}")
    nonce = audit.get("snapshot_nonce")
    if nonce is not None and (not isinstance(nonce, str) or nonce != nonce.strip()
                              or len(nonce) < MIN_NONCE_LENGTH):
        raise ConfigError(f"{where} snapshot_nonce: must be a string of at least {MIN_NONCE_LENGTH} characters "
                          f"without surrounding spaces (a short one would turn up in text by chance), got {nonce!r}")
    require_fresh = audit.get("require_fresh", False)
    if not isinstance(require_fresh, bool):
        raise ConfigError(f"{where} require_fresh: must be true or false, got {require_fresh!r}")
    return FreshnessSettings(day, nonce, require_fresh)


def _webhook_variable(alerts: Mapping[str, Any], variables: UnsetVariables) -> None:
    """Note the alert webhook's variable if unset, so that it is listed with the networks' (parse_ops checks the
    rest of [alerts] and reads the URL)."""
    variable = alerts.get("webhook_env", "")
    if isinstance(variable, str) and variable:
        variables.get(variable, "[alerts] webhook_env")


def _network(code: str, entry: Any, where: str, variables: UnsetVariables) -> NetworkSettings:
    """The network's endpoints; a variable it names that is unset is noted in `variables` (the caller raises
    one error naming them all) and the network gets no endpoint."""
    if not isinstance(entry, dict):
        raise ConfigError(f"{where}: must be a table")
    _refuse_unknown(entry, _NETWORK_KEYS, where)
    height = entry.get("snapshot_height")
    if height is not None and (isinstance(height, bool) or not isinstance(height, int) or height < 0):
        raise ConfigError(f"{where}: snapshot_height must be a block number")
    for key in ("url", "backend"):
        if key in entry and not isinstance(entry[key], str):
            raise ConfigError(f"{where} {key}: must be a string, got {entry[key]!r}")
    given = [key for key in ("url", "urls", "url_env") if key in entry]
    if len(given) > 1:  # one would silently win over the other
        raise ConfigError(f"{where} {given[1]}: set {given[0]} or {given[1]}, not both")
    options = entry.get("options", {})
    if not isinstance(options, dict):
        raise ConfigError(f"{where}: options must be a table")
    headers_env = entry.get("headers_env") or {}
    if not isinstance(headers_env, dict):
        raise ConfigError(f"{where}: headers_env must be a table (header = \"ENVIRONMENT_VARIABLE\")")
    key = f"[networks.{code}]"  # the file is named once, in the error's heading
    unset_before = len(variables.lines)
    # `${NAME}` in a URL or a string option comes from the environment (API keys stay out of the file)
    expanded = [variables.expand(url, f"{key} {name}") for name, url in _listed_urls(entry, where)]
    options = {k: variables.expand(v, f"{key} options.{k}") if isinstance(v, str) else v
               for k, v in options.items()}
    if "url_env" in entry:
        expanded = [variables.get(variable, f"{key} url_env")
                    for variable in _strings(entry["url_env"], f"{where} url_env", "environment variable names")]
    header_values = {str(header): variables.get(str(variable), f"{key} headers_env.{header}", allow_empty=True)
                     for header, variable in headers_env.items()}
    numbers = {name: _number(entry[name], bounds, f"{where} {name}")
               for name, bounds in _NETWORK_NUMBERS.items() if name in entry}
    if len(variables.lines) > unset_before:  # reported with every other unset variable by load_config
        return NetworkSettings(None, height)
    urls = [url for url in expanded if url is not None]
    if "url" in entry and not urls[0]:  # an empty url: the network only pins a snapshot height
        urls = []
    quorum = _quorum(entry, urls, where)
    if not urls:
        return NetworkSettings(None, height)
    headers = {header: value for header, value in header_values.items() if value is not None}
    for value in headers.values():
        remember_secret_url(value)  # an API key: masked wherever an error might echo it
    if headers and len(urls) > 1:  # one provider's API key must not be sent to the others
        raise ConfigError(f"{where} headers_env: applies to a single url; with several, put each provider's key "
                          "in its own url (${VARIABLE})")
    for url in urls:
        remember_secret_url(url)
    for value in options.values():  # backend URLs in options (e.g. TRON's solidity_url) may carry keys too
        if isinstance(value, str) and "://" in value:
            remember_secret_url(value)
    endpoints = tuple(
        Endpoint(url=url, backend=str(entry.get("backend", "")), display=display_url(url), headers=headers,
                 options=options, **numbers)
        for url in urls
    )
    displays = [endpoint.display for endpoint in endpoints]
    repeated = sorted({display for display in displays if displays.count(display) > 1})
    if repeated:  # the same server twice is one opinion counted twice, not a quorum
        raise ConfigError(f"{where} urls: {', '.join(repeated)} named more than once: a quorum needs independent "
                          "endpoints")
    return NetworkSettings(endpoints[0], height, endpoints if len(endpoints) > 1 else (), quorum)


def _listed_urls(entry: Mapping[str, Any], where: str) -> list[tuple[str, str]]:
    """(key, url) of `url` or of each entry of `urls`, as written (not yet expanded)."""
    if "url" in entry:
        return [("url", entry["url"])]
    if "urls" in entry:
        return [(f"urls[{i}]", url) for i, url in enumerate(_strings(entry["urls"], f"{where} urls", "URLs"))]
    return []


def _strings(value: Any, where: str, what: str) -> list[str]:
    """A string, or a non-empty list of non-empty strings (url_env and urls take either)."""
    values = [value] if isinstance(value, str) else value
    if not isinstance(values, list) or not values or not all(isinstance(v, str) and v for v in values):
        raise ConfigError(f"{where}: must be a string or a non-empty list of {what}, got {value!r}")
    return values


def _quorum(entry: Mapping[str, Any], urls: list[str], where: str) -> int:
    """How many endpoints must agree: default all of them; 1..len(urls)."""
    if "quorum" not in entry:
        return max(1, len(urls))
    if not urls:
        raise ConfigError(f"{where} quorum: needs urls (or url_env) to count endpoints from")
    return int(_number(entry["quorum"], _Range(True, 1, len(urls), hint=f" (the number of urls: {len(urls)})"),
                       f"{where} quorum"))


def _liabilities(section: Mapping[str, Any], base: Path, where: str) -> LiabilitiesSettings:
    # Its other keys are asset codes, so a misspelt setting (`merkle_tre = "tree.txt"`) would read as an asset
    # with an amount that is not a number: name the setting it was meant to be instead.
    for key, value in section.items():
        if key in RESERVED_KEYS:
            continue
        close = difflib.get_close_matches(key.lower(), RESERVED_KEYS, n=1, cutoff=0.75)
        if close and not _is_amount(value):
            raise ConfigError(f"{where}: [liabilities] unknown key {key!r} (did you mean {close[0]!r}?)")
    try:
        return parse_liabilities_section(section, base, where)
    except LiabilitiesConfigError as exc:
        raise ConfigError(str(exc)) from None


def check_output_dir(directory: Path, where: str) -> None:
    """ConfigError unless `directory` is a writable directory or can be created (nothing is created here: the
    run creates it, `auditor check` writes nothing). Checked at load, so a bad one stops a run before any work."""
    if directory.exists():
        if not directory.is_dir():
            raise ConfigError(f"{where}: {directory} exists and is not a directory")
        if not os.access(directory, os.W_OK | os.X_OK):
            raise ConfigError(f"{where}: {directory} is not writable")
        return
    parent = directory.parent
    while not parent.exists() and parent != parent.parent:
        parent = parent.parent
    if not parent.is_dir():
        raise ConfigError(f"{where}: cannot create {directory}: {parent} is not a directory")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise ConfigError(f"{where}: cannot create {directory}: {parent} is not writable")


def _refuse_unknown(section: Mapping[str, Any], known: Iterable[str], where: str, what: str = "key(s)") -> None:
    """ConfigError naming every key of `section` not in `known`, with the closest valid one: a misspelt key
    silently ignored would switch a setting off (`mesages` would accept any signed text)."""
    known = sorted(known)
    unknown = sorted(set(section) - set(known))
    if not unknown:
        return
    hints = []
    for key in unknown:
        close = difflib.get_close_matches(key, known, n=1) or difflib.get_close_matches(key.lower(), known, n=1)
        if close:
            hints.append(f"did you mean {close[0]!r} for {key!r}?" if len(unknown) > 1 else
                         f"did you mean {close[0]!r}?")
    hint = f" ({'; '.join(hints)})" if hints else ""
    raise ConfigError(f"{where} unknown {what} {', '.join(unknown)}{hint}; valid: {', '.join(known)}")


def _known_assets(ratios: Mapping[str, Decimal], registry: Mapping[str, Any], where: str) -> None:
    """A ratio for an asset the registry does not know (`BTCC`) would silently leave the real one at the default."""
    if not ratios:
        return
    from auditor.assets import AssetRegistry  # the registry imports this module's error types

    try:
        known = {token.asset.upper() for token in AssetRegistry.load(registry).tokens.values()}
    except InputProblem:
        return  # the registry's own error is reported where the run loads it
    unknown = sorted(set(ratios) - known)
    if unknown:
        hints = [f"{name} (did you mean {close[0]!r}?)" if (close := difflib.get_close_matches(name, known, n=1))
                 else name for name in unknown]
        raise ConfigError(f"{where} unknown asset(s) {', '.join(hints)}: the registry has no such asset")


def _registry_keys(registry: Mapping[str, Any], where: str) -> None:
    _refuse_unknown(registry, _REGISTRY_KEYS, f"{where}: [registry]")
    for kind in _REGISTRY_KEYS:
        entries = _table(registry, kind, f"{where}: [registry]")
        for code, entry in entries.items():
            if not isinstance(entry, dict):
                raise ConfigError(f"{where}: [registry.{kind}.{code}] must be a table")
            if kind == "tokens":  # network entries also carry their family's own parameters (hrp, ...)
                _refuse_unknown(entry, _REGISTRY_TOKEN_KEYS, f"{where}: [registry.tokens.{code}]")


def _number(value: Any, bounds: _Range, where: str) -> Any:
    problem = bounds.problem(value)
    if problem:
        raise ConfigError(f"{where}: {problem}")
    return value


def _is_amount(value: Any) -> bool:
    try:
        parse_amount(value, "")
    except ValueError:
        return False
    return True


def _table(data: Mapping[str, Any], key: str, where: str) -> dict[str, Any]:
    value = data.get(key, {})
    if not isinstance(value, dict):
        raise ConfigError(f"{where}: [{key}] must be a table")
    return value


def _path(base: Path, value: Any, where: str) -> Path:
    if not isinstance(value, str) or not value:
        raise ConfigError(f"{where}: must be a path string")
    path = Path(os.path.expanduser(value))
    return (path if path.is_absolute() else base / path).resolve()


def _decimal(value: Any, where: str) -> Decimal:
    try:
        return parse_amount(value, where)
    except ValueError as exc:
        raise ConfigError(str(exc)) from None
