"""Discrepancies and unreadable balances, streamed to `findings.jsonl` as rows pass. The report embeds the
first few thousand of each kind and the totals, so memory stays flat however many rows disagree."""

from __future__ import annotations

import json
from collections import Counter
from typing import IO, Any

KEEP_IN_REPORT = 10_000


class FindingLog:
    def __init__(self, handle: IO[str] | None = None, keep: int = KEEP_IN_REPORT) -> None:
        self._handle = handle
        self._keep = keep
        self.kept: dict[str, list[dict[str, Any]]] = {"discrepancy": [], "missing": []}
        self.counts: Counter = Counter()

    def add(self, kind: str, item: dict[str, Any]) -> None:
        self.counts[kind] += 1
        if self._handle is not None:
            self._handle.write(json.dumps({"finding": kind, **item}, sort_keys=True) + "\n")
        if len(self.kept[kind]) < self._keep:
            self.kept[kind].append(item)
