"""Settings for unattended runs, read from the config's [output] and [alerts] sections: retention, the
metrics file, the alert command and webhook. Parsed here so that config.py only hands the sections over."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from auditor.errors import InputProblem
from auditor.secrets import remember_secret

OUTPUT_KEYS = {"dir", "keep_runs", "metrics_file"}
ALERT_KEYS = {"command", "webhook_env", "max_seconds"}
DEFAULT_ALERT_SECONDS = 60.0


class SettingsError(InputProblem, ValueError):
    """A key of [output] or [alerts] cannot be used; the message names it."""


@dataclass(frozen=True)
class AlertSettings:
    command: str = ""  # shell command run when a run does not pass
    webhook_env: str = ""  # name of the environment variable holding the webhook URL
    webhook_url: str = field(default="", repr=False)  # a secret: never printed
    max_seconds: float = DEFAULT_ALERT_SECONDS  # total time spent alerting, retries included

    @property
    def enabled(self) -> bool:
        return bool(self.command or self.webhook_url)


@dataclass(frozen=True)
class OpsSettings:
    keep_runs: int | None = None  # None: keep every run directory
    metrics_file: Path | None = None  # Prometheus textfile-collector file
    alerts: AlertSettings = field(default_factory=AlertSettings)


def parse_ops(output: Mapping[str, Any], alerts: Mapping[str, Any], base: Path, where: str,
              environ: Mapping[str, str]) -> OpsSettings:
    unknown = set(output) - OUTPUT_KEYS
    if unknown:
        raise SettingsError(f"{where}: [output] unknown key(s) {', '.join(sorted(unknown))}")
    unknown = set(alerts) - ALERT_KEYS
    if unknown:
        raise SettingsError(f"{where}: [alerts] unknown key(s) {', '.join(sorted(unknown))}")
    keep_runs = output.get("keep_runs")
    if keep_runs is not None and (isinstance(keep_runs, bool) or not isinstance(keep_runs, int) or keep_runs < 1):
        raise SettingsError(f"{where}: [output] keep_runs must be a positive integer (runs to keep), got {keep_runs!r}")
    metrics_file = None
    if "metrics_file" in output:
        value = output["metrics_file"]
        if not isinstance(value, str) or not value:
            raise SettingsError(f"{where}: [output] metrics_file must be a path string")
        path = Path(os.path.expanduser(value))
        metrics_file = (path if path.is_absolute() else base / path).resolve()
    return OpsSettings(keep_runs, metrics_file, _alerts(alerts, where, environ))


def _alerts(section: Mapping[str, Any], where: str, environ: Mapping[str, str]) -> AlertSettings:
    command = section.get("command", "")
    if not isinstance(command, str):
        raise SettingsError(f"{where}: [alerts] command must be a string (a shell command)")
    max_seconds = section.get("max_seconds", DEFAULT_ALERT_SECONDS)
    if isinstance(max_seconds, bool) or not isinstance(max_seconds, (int, float)) or not 0 < max_seconds <= 3600:
        raise SettingsError(f"{where}: [alerts] max_seconds must be a number of seconds in (0, 3600]")
    variable = section.get("webhook_env", "")
    if not isinstance(variable, str):
        raise SettingsError(f"{where}: [alerts] webhook_env must name an environment variable")
    url = ""
    if variable:
        url = environ.get(variable, "")
        if not url:
            raise SettingsError(f"{where}: environment variable {variable} ([alerts] webhook_env) is not set")
        if urlsplit(url).scheme not in ("http", "https"):
            raise SettingsError(f"{where}: environment variable {variable} ([alerts] webhook_env) must hold an "
                                "http:// or https:// URL")
        remember_secret(url)
    return AlertSettings(command, variable, url, float(max_seconds))
