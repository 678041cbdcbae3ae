"""Secrets in the config: `${NAME}` references resolved from the environment, and every resolved value
remembered so that errors, logs and reports mask it (chains.transport.scrub_known).

A missing variable is an error naming the variable and the config key, never a value.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from urllib.parse import urlsplit

from auditor.errors import InputProblem
from chains.transport import remember_secret_url, scrub_known

_REFERENCE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


class MissingVariable(InputProblem, ValueError):
    """A `${NAME}` reference (or a `*_env` key) names an environment variable that is not set."""


def expand_env(value: str, where: str, environ: Mapping[str, str]) -> str:
    """`value` with each `${NAME}` replaced by the environment's value; the result is remembered as a secret."""
    substituted: list[str] = []

    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        found = environ.get(name)
        if not found:
            raise MissingVariable(f"{where}: environment variable {name} (referenced as ${{{name}}}) is not set")
        substituted.append(found)
        return found

    result = _REFERENCE.sub(replace, value)
    if substituted:
        remember_secret(result, substituted)
    return result


def remember_secret(url: str, values: list[str] | tuple[str, ...] = ()) -> None:
    """Mask `url`'s secret-bearing parts and each substituted value, except a value that is only the URL's host
    or port (masking "127.0.0.1" everywhere would hide which endpoint failed, and a host is not a secret)."""
    remember_secret_url(url)
    parts = urlsplit(url)
    public = {parts.hostname or "", str(parts.port or "")}
    for value in values:
        if value not in public:
            remember_secret_url(value)


def scrub(text: str) -> str:
    """Every remembered secret masked."""
    return scrub_known(text)


class PlaceholderEnviron(Mapping[str, str]):
    """An environment in which every variable is set to a harmless URL: for commands that read a config only
    for its paths (history, schedule) and must not need the run's secrets."""

    VALUE = "http://placeholder.invalid/"

    def __getitem__(self, key: str) -> str:
        return self.VALUE

    def __iter__(self) -> Iterator[str]:
        return iter(())

    def __len__(self) -> int:
        return 0

    def __contains__(self, key: object) -> bool:
        return True

    def get(self, key: str, default: str | None = None) -> str:  # type: ignore[override]
        return self.VALUE
