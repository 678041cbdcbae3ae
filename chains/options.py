"""Typed backend options: `[networks.X.options]` parsed into a frozen dataclass per backend.

A backend declares its options as dataclass fields with defaults; `BackendOptions.parse` checks every key
(unknown keys refused with the closest valid one suggested) and every value's type, so a typo never silently
falls back to a default.
"""

from __future__ import annotations

import dataclasses
import difflib
import types
import typing
from collections.abc import Mapping
from typing import Any, Self


class OptionsError(ValueError):
    """An option the backend does not know, or a value of the wrong type; the message names the key."""


@dataclasses.dataclass(frozen=True, slots=True)
class BackendOptions:
    """Base of every backend's options. Subclasses are frozen dataclasses whose fields all have defaults."""

    @classmethod
    def parse(cls, raw: Mapping[str, Any] | None, where: str = "options") -> Self:
        raw = dict(raw or {})
        fields = {f.name: f for f in dataclasses.fields(cls)}
        for key in raw:
            if key not in fields:
                close = difflib.get_close_matches(key, list(fields), n=1)
                hint = f" (did you mean {close[0]!r}?)" if close else ""
                known = ", ".join(sorted(fields)) or "none"
                raise OptionsError(f"{where}: unknown option {key!r}{hint}; this backend takes: {known}")
        hints = typing.get_type_hints(cls)
        values = {key: _checked(value, hints[key], f"{where}.{key}") for key, value in raw.items()}
        options = cls(**values)
        options.validate(where)
        return options

    def validate(self, where: str) -> None:
        """Cross-field and range checks; raise OptionsError naming the key."""


@dataclasses.dataclass(frozen=True, slots=True)
class NoOptions(BackendOptions):
    """A backend that takes no options: any key is refused."""


def _checked(value: Any, annotation: Any, where: str) -> Any:
    """`value` if it fits `annotation` (str, int, float, bool, Decimal-free scalars, None, tuples of them)."""
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        errors = []
        for option in typing.get_args(annotation):
            try:
                return _checked(value, option, where)
            except OptionsError as exc:
                errors.append(str(exc))
        names = " or ".join(_name(a) for a in typing.get_args(annotation))
        raise OptionsError(f"{where}: expected {names}, got {type(value).__name__} {value!r}")
    if origin is tuple:
        (item,) = typing.get_args(annotation)[:1] or (Any,)
        if not isinstance(value, list | tuple):
            raise OptionsError(f"{where}: expected a list, got {type(value).__name__}")
        return tuple(_checked(v, item, f"{where}[{i}]") for i, v in enumerate(value))
    if annotation is Any:
        return value
    if annotation is type(None):
        if value is None:
            return None
        raise OptionsError(f"{where}: expected nothing, got {value!r}")
    if annotation is bool:
        if isinstance(value, bool):
            return value
        raise OptionsError(f"{where}: expected true or false, got {value!r}")
    if annotation is int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        raise OptionsError(f"{where}: expected an integer, got {value!r}")
    if annotation is float:  # durations and rates, never money
        if isinstance(value, int | float) and not isinstance(value, bool):
            return float(value)
        raise OptionsError(f"{where}: expected a number, got {value!r}")
    if annotation is str:
        if isinstance(value, str):
            return value
        raise OptionsError(f"{where}: expected a string, got {value!r}")
    raise TypeError(f"{where}: option type {annotation!r} is not supported by BackendOptions")


def _name(annotation: Any) -> str:
    return "nothing" if annotation is type(None) else getattr(annotation, "__name__", str(annotation))
