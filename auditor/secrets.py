"""Secrets in the config: `${NAME}` references resolved from the environment, and every resolved value
remembered so that errors, logs and reports mask it (chains.transport.scrub_known).

A missing variable is an error naming the variable and the config key, never a value; the config loader
collects every missing one (UnsetVariables) so that a single error lists them all, one per line.
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


class UnsetVariables:
    """Reads a config's environment variables and notes each unset one with the key naming it, instead of
    stopping at the first: a config with 28 `url_env` networks must not take 28 attempts to learn them all."""

    def __init__(self, environ: Mapping[str, str]) -> None:
        self.environ = environ
        self.lines: list[str] = []  # "[networks.ETH] url_env: environment variable ETH_RPC_URL is not set"
        self.names: list[str] = []

    def get(self, name: str, key: str, allow_empty: bool = False, note: str = "") -> str | None:
        """The variable's value, or None (noted) when unset (or empty, unless `allow_empty`)."""
        value = self.environ.get(name)
        if value is None or (not value and not allow_empty):
            self.lines.append(f"{key}: environment variable {name}{note} is not set")
            if name not in self.names:
                self.names.append(name)
            return None
        return value

    def expand(self, value: str, key: str) -> str | None:
        """`value` with each `${NAME}` replaced by the environment's value (the result remembered as a secret),
        or None when any is unset (each noted)."""
        substituted: list[str] = []
        unset = False

        def replace(match: re.Match[str]) -> str:
            nonlocal unset
            name = match.group(1)
            found = self.get(name, key, note=f" (referenced as ${{{name}}})")
            if found is None:
                unset = True
                return ""
            substituted.append(found)
            return found

        result = _REFERENCE.sub(replace, value)
        if unset:
            return None
        if substituted:
            remember_secret(result, substituted)
        return result

    def error(self, source: str) -> MissingVariable | None:
        """One error naming every unset variable with its key, one per line (names only, never a value)."""
        if not self.lines:
            return None
        if len(self.lines) == 1:
            return MissingVariable(f"{source}: {self.lines[0]}")
        count = len(self.names)
        heading = f"{source}: {count} environment variable{'s are' if count > 1 else ' is'} not set"
        return MissingVariable("\n  ".join([f"{heading}:", *self.lines]))


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
