"""Freshness of an ownership proof: does the signed statement tie the signature to this snapshot?

A signature over a fixed sentence ("I am an OKX address") proves that the key signed it at some time, perhaps
years ago; the key may have been sold or lost since. A statement that names the snapshot (its date, the row's
snapshot height, or a nonce published with the snapshot, `[audit] snapshot_nonce`) was signed for this audit.

Only the nonce proves the signature was made after the snapshot was announced; a date or a height can be signed
in advance. So a nonce is the strongest evidence, a date or a height says the statement was written for this
snapshot, and fixed text says nothing about when.

A run has a handful of distinct statements: each (statement, snapshot height) pair is classified once and the
answer kept (`FreshnessClassifier.of`), so the per-row cost is one dictionary look-up.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

MIN_NONCE_LENGTH = 8  # a shorter nonce would turn up in ordinary text by chance
_CACHE_LIMIT = 100_000  # distinct (statement, height) pairs kept; beyond it each is classified again
_CACHED_LENGTH = 4096  # longer statements (a malformed file's) are classified every time rather than kept
_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December")


class FreshBasis(enum.StrEnum):
    """What ties a statement to the snapshot, strongest first."""

    NONCE = "nonce"  # contains [audit] snapshot_nonce
    DATE = "date"  # contains the snapshot date in a common format
    HEIGHT = "height"  # contains the row's snapshot height
    NONE = "none"  # fixed text: proves control at some time, not at the snapshot


@dataclass(frozen=True, slots=True)
class Freshness:
    """The classification of one signed statement (for one snapshot height), as data: code decides on `basis`,
    `evidence` is the text found (what a reader checks)."""

    basis: FreshBasis
    evidence: str = ""

    @property
    def fresh(self) -> bool:
        return self.basis is not FreshBasis.NONE

    @property
    def label(self) -> str:
        return "not fresh" if not self.fresh else f"fresh ({self.basis.value} {self.evidence})"

    def to_json(self) -> dict[str, object]:
        data: dict[str, object] = {"fresh": self.fresh, "basis": self.basis.value}
        if self.evidence:
            data["evidence"] = self.evidence
        return data


NOT_FRESH = Freshness(FreshBasis.NONE)


@dataclass(frozen=True)
class FreshnessSettings:
    """`[audit] snapshot_date`, `snapshot_nonce`, `require_fresh`."""

    snapshot_date: date | None = None
    snapshot_nonce: str | None = None
    require_fresh: bool = False  # count only balances proven by fresh statements toward the ratio


def date_spellings(day: date) -> tuple[str, ...]:
    """The common ways a date is written: ISO with -, / or ., compact, day first and month first with / . or -,
    and the month's name (full or short) before or after the day."""
    y, m, d = f"{day.year:04d}", f"{day.month:02d}", f"{day.day:02d}"
    forms = {f"{y}-{m}-{d}", f"{y}/{m}/{d}", f"{y}.{m}.{d}", f"{y}{m}{d}"}
    for sep in "/.-":
        for dd, mm in ((d, m), (str(day.day), str(day.month))):
            forms.add(f"{dd}{sep}{mm}{sep}{y}")  # 30/11/2026
            forms.add(f"{mm}{sep}{dd}{sep}{y}")  # 11/30/2026
    full = _MONTHS[day.month - 1]
    for month in (full, full[:3], full[:3] + "."):
        for dd in (str(day.day), d):
            forms |= {f"{month} {dd}, {y}", f"{month} {dd} {y}", f"{dd} {month} {y}", f"{dd} {month}, {y}"}
    # One day-first/month-first form can mean another date (01/02/2026): ambiguous forms are still accepted,
    # since each is the snapshot date read one of the two ways and neither is fixed text.
    return tuple(sorted(forms, key=len, reverse=True))


def _bounded(needle: str) -> re.Pattern[str]:
    """`needle` not glued to further letters or digits (20261130 inside 1202611305 is not the date)."""
    return re.compile(r"(?<![0-9A-Za-z])" + re.escape(needle) + r"(?![0-9A-Za-z])", re.IGNORECASE)


@lru_cache(maxsize=64)
def _date_pattern(day: date) -> re.Pattern[str]:
    alternatives = "|".join(re.escape(form) for form in date_spellings(day))
    return re.compile(r"(?<![0-9A-Za-z])(?:" + alternatives + r")(?![0-9A-Za-z])", re.IGNORECASE)


def _height_pattern(height: int) -> re.Pattern[str]:
    """The height as digits, or grouped by thousands with , . _ or a space (19,000,000)."""
    plain = str(height)
    grouped = f"{height:,}"
    forms = {plain} | {grouped.replace(",", sep) for sep in ",._ "} if height >= 1000 else {plain}
    alternatives = "|".join(re.escape(form) for form in sorted(forms, key=len, reverse=True))
    return re.compile(r"(?<![0-9])(?:" + alternatives + r")(?![0-9])")


def classify(statement: str, settings: FreshnessSettings, height: int | None = None) -> Freshness:
    """How `statement` is tied to the snapshot (see the module docstring)."""
    if settings.snapshot_nonce and _bounded(settings.snapshot_nonce).search(statement):
        return Freshness(FreshBasis.NONCE, settings.snapshot_nonce)
    if settings.snapshot_date is not None:
        found = _date_pattern(settings.snapshot_date).search(statement)
        if found:
            return Freshness(FreshBasis.DATE, found.group(0))
    if height is not None:
        found = _height_pattern(height).search(statement)
        if found:
            return Freshness(FreshBasis.HEIGHT, found.group(0))
    return NOT_FRESH


class FreshnessClassifier:
    """`classify` once per distinct (statement, height); remembers what it found for the report."""

    def __init__(self, settings: FreshnessSettings | None = None) -> None:
        self.settings = settings or FreshnessSettings()
        self._known: dict[tuple[str, int | None], Freshness] = {}

    def of(self, statement: str, height: int | None) -> Freshness:
        key = (statement, height)
        found = self._known.get(key)
        if found is None:
            found = classify(statement, self.settings, height)
            if len(self._known) < _CACHE_LIMIT and len(statement) <= _CACHED_LENGTH:
                self._known[key] = found
        return found


def verdict_words(statements: Iterable[Freshness]) -> str:
    """One line naming the bases found, e.g. "nonce, date"."""
    bases = sorted({s.basis.value for s in statements if s.fresh})
    return ", ".join(bases) or "none"
