"""The run configuration: one TOML file (see configs/example.toml for every key).

Secrets never live in the file: an endpoint names the environment variable holding its URL (`url_env`) and
its headers (`headers_env`); reports show only scheme://host:port.
"""

from __future__ import annotations

import hashlib
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from auditor.errors import InputProblem
from auditor.formats.layouts import GenericColumns
from auditor.liabilities.errors import LiabilitiesConfigError
from auditor.liabilities.settings import LiabilitiesSettings, parse_liabilities_section
from auditor.money import parse_amount
from auditor.ops.settings import OpsSettings, SettingsError, parse_ops
from auditor.secrets import MissingVariable, expand_env
from auditor.workers import default_workers
from chains.base import Endpoint
from chains.transport import display_url, remember_secret_url


class ConfigError(InputProblem):
    """The config cannot be used. The message names the file and the key."""


@dataclass(frozen=True)
class NetworkSettings:
    endpoint: Endpoint | None  # None: the network is listed only to pin a snapshot height
    snapshot_height: int | None = None


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

    @property
    def alert_command(self) -> str:
        return self.ops.alerts.command

    def ratio_for(self, asset: str) -> Decimal:
        return self.required_ratios.get(asset.upper(), self.required_ratio)


_TOP_KEYS = {"input", "output", "audit", "networks", "liabilities", "required_ratio", "registry", "alerts"}
_NETWORK_KEYS = {
    "url", "url_env", "backend", "chain_id", "snapshot_height", "max_concurrency", "requests_per_second",
    "batch_size", "timeout_seconds", "retries", "headers_env", "options",
}


def load_config(path: Path | str, environ: Mapping[str, str] | None = None) -> AuditConfig:
    path = Path(path)
    environ = os.environ if environ is None else environ
    try:
        raw_bytes = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read config: {exc.strerror or exc}") from exc
    try:
        data = tomllib.loads(raw_bytes.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from exc
    where = str(path)
    unknown = set(data) - _TOP_KEYS
    if unknown:
        raise ConfigError(f"{where}: unknown section(s) {', '.join(sorted(unknown))}")
    base = path.parent

    input_section = _table(data, "input", where)
    if "file" not in input_section:
        raise ConfigError(f"{where}: [input] file is required (the published address file)")
    input_file = _path(base, input_section["file"], f"{where}: [input] file")
    generic = None
    fmt = input_section.get("format", "auto")
    if fmt == "generic":
        columns = _table(input_section, "columns", f"{where}: [input]")
        missing = [f for f in ("coin", "address") if f not in columns]
        if missing:
            raise ConfigError(f"{where}: [input.columns] must map {', '.join(missing)}")
        amounts = input_section.get("amounts", "whole")
        if amounts not in ("whole", "base"):
            raise ConfigError(f"{where}: [input] amounts must be \"whole\" or \"base\", got {amounts!r}")
        generic = GenericColumns({k: str(v) for k, v in columns.items()}, amounts == "base")
    elif fmt != "auto":
        raise ConfigError(f"{where}: [input] format must be \"auto\" or \"generic\", got {fmt!r}")

    statements = None
    if "messages" in input_section:
        messages = input_section["messages"]
        if not isinstance(messages, list) or not messages or not all(isinstance(m, str) for m in messages):
            raise ConfigError(f"{where}: [input] messages must be a non-empty list of strings")
        statements = frozenset(messages)

    output = _table(data, "output", where)
    output_dir = _path(base, output.get("dir", "reports"), f"{where}: [output] dir")

    audit = _table(data, "audit", where)
    required_ratio = _decimal(audit.get("required_ratio", "1"), f"{where}: [audit] required_ratio")
    chunk_size = audit.get("chunk_size", 5000)
    if not isinstance(chunk_size, int) or chunk_size < 1:
        raise ConfigError(f"{where}: [audit] chunk_size must be a positive integer")
    workers = audit.get("workers", default_workers())
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise ConfigError(f"{where}: [audit] workers must be a positive integer")
    trust_owner_mode = audit.get("trust_owner_mode", False)
    if not isinstance(trust_owner_mode, bool):
        raise ConfigError(f"{where}: [audit] trust_owner_mode must be true or false")
    ratio_table = _table(data, "required_ratio", where)
    ratios = {k.upper(): _decimal(v, f"{where}: [required_ratio] {k}") for k, v in ratio_table.items()}

    networks = {
        code.upper(): _network(code, entry, f"{where}: [networks.{code}]", environ)
        for code, entry in _table(data, "networks", where).items()
    }
    liabilities = _liabilities(_table(data, "liabilities", where), base, where)
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
        registry_overrides=_table(data, "registry", where),
        chunk_size=chunk_size,
        workers=workers,
        statements=statements,
        trust_owner_mode=trust_owner_mode,
        ops=ops,
    )


def _network(code: str, entry: Any, where: str, environ: Mapping[str, str]) -> NetworkSettings:
    if not isinstance(entry, dict):
        raise ConfigError(f"{where}: must be a table")
    unknown = set(entry) - _NETWORK_KEYS
    if unknown:
        raise ConfigError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}")
    height = entry.get("snapshot_height")
    if height is not None and (not isinstance(height, int) or height < 0):
        raise ConfigError(f"{where}: snapshot_height must be a block number")
    url = entry.get("url")
    options = entry.get("options", {})
    if not isinstance(options, dict):
        raise ConfigError(f"{where}: options must be a table")
    try:  # `${NAME}` in a URL or a string option comes from the environment (API keys stay out of the file)
        if isinstance(url, str):
            url = expand_env(url, f"{where} url", environ)
        options = {k: expand_env(v, f"{where} options.{k}", environ) if isinstance(v, str) else v
                   for k, v in options.items()}
    except MissingVariable as exc:
        raise ConfigError(str(exc)) from None
    if "url_env" in entry:
        variable = str(entry["url_env"])
        url = environ.get(variable)
        if not url:
            raise ConfigError(f"{where}: environment variable {variable} (url_env) is not set")
    if not url:
        return NetworkSettings(None, height)
    headers: dict[str, str] = {}
    for header, variable in (entry.get("headers_env") or {}).items():
        value = environ.get(str(variable))
        if value is None:
            raise ConfigError(f"{where}: environment variable {variable} (headers_env.{header}) is not set")
        headers[str(header)] = value
        remember_secret_url(value)  # an API key: masked wherever an error might echo it
    numbers: dict[str, Any] = {}
    for key, kind in (
        ("max_concurrency", int), ("batch_size", int), ("retries", int),
        ("requests_per_second", (int, float)), ("timeout_seconds", (int, float)), ("chain_id", int),
    ):
        if key in entry:
            value = entry[key]
            if isinstance(value, bool) or not isinstance(value, kind) or value < 0:
                raise ConfigError(f"{where}: {key} must be a non-negative number, got {value!r}")
            numbers[key] = value
    remember_secret_url(str(url))
    for value in options.values():  # backend URLs in options (e.g. TRON's solidity_url) may carry keys too
        if isinstance(value, str) and "://" in value:
            remember_secret_url(value)
    endpoint = Endpoint(
        url=str(url),
        backend=str(entry.get("backend", "")),
        display=display_url(str(url)),
        headers=headers,
        options=options,
        **numbers,
    )
    return NetworkSettings(endpoint, height)


def _liabilities(section: Mapping[str, Any], base: Path, where: str) -> LiabilitiesSettings:
    try:
        return parse_liabilities_section(section, base, where)
    except LiabilitiesConfigError as exc:
        raise ConfigError(str(exc)) from None


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
