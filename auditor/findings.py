"""Findings: what disagrees (declared vs on chain, a failed or repeated row, liabilities vs their proof, the
file's summary vs its rows) and which balances could not be read. Each is a typed record that knows its JSON
form and its line in report.md; every string from the input is cut when over-long (auditor.reasons.cut).

`FindingLog` streams them to `findings.jsonl` as rows pass. The report embeds the first few thousand of each
category and the totals, so memory stays flat however many rows disagree.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import IO, Any, ClassVar

from auditor.money import CONTEXT, dec_str, whole_units
from auditor.reasons import LONG_REASON, Reason, cut, join_text
from chains.quorum import Disagreement

KEEP_IN_REPORT = 10_000
DISCREPANCY, MISSING = "discrepancy", "missing"  # the categories, as findings.jsonl names them


@dataclass(frozen=True, slots=True)
class RowRef:
    """Where a row-level finding is in the input: its line, coin, network and address."""

    line: int
    coin: str
    network: str
    address: str

    def to_json(self) -> dict[str, Any]:
        return {"line": self.line, "coin": cut(self.coin), "network": cut(self.network), "address": cut(self.address)}

    def describe(self) -> str:
        return f"line {self.line} {cut(self.coin)} {cut(self.network)} {cut(self.address)}"


class Finding:
    """A finding's category ("discrepancy" or "missing"), its JSON form and its line in report.md."""

    category: ClassVar[str] = DISCREPANCY
    kind: ClassVar[str] = ""

    def to_json(self) -> dict[str, Any]:
        """The finding's data plus its report line as `text`, so a reader of report.json or findings.jsonl (the
        HTML page among them) shows the finding's own words and never rebuilds them from its kind."""
        return self.json_fields() | {"text": self.describe()}

    def json_fields(self) -> dict[str, Any]:
        raise NotImplementedError

    def describe(self) -> str:
        raise NotImplementedError

    @property
    def fails_audit(self) -> bool:
        """True when this finding alone makes the run fail (exit 1)."""
        return False


@dataclass(frozen=True, slots=True)
class DeclaredVsOnchain(Finding):
    kind: ClassVar[str] = "declared_vs_onchain"
    row: RowRef
    declared: Decimal
    onchain: Decimal

    def json_fields(self) -> dict[str, Any]:
        return self.row.to_json() | {"kind": self.kind, "declared": dec_str(self.declared),
                                     "onchain": dec_str(self.onchain), "difference": dec_str(self.difference)}

    @property
    def difference(self) -> Decimal:
        return CONTEXT.subtract(self.onchain, self.declared)

    def describe(self) -> str:
        return (f"{self.row.describe()}: declared {dec_str(self.declared)}, on chain {dec_str(self.onchain)} "
                f"(difference {dec_str(self.difference)})")


@dataclass(frozen=True, slots=True)
class _RowWithReasons(Finding):
    """A row and why it is reported (its reasons in words, cut when over-long, and as records)."""

    row: RowRef
    reasons: Sequence[Reason]

    @property
    def reason(self) -> str:
        return cut(join_text(self.reasons), LONG_REASON)

    def json_fields(self) -> dict[str, Any]:
        return {"kind": self.kind, **self.row.to_json(), "reason": self.reason,
                "reasons": reason_records(self.reasons)}


@dataclass(frozen=True, slots=True)
class FailedRow(_RowWithReasons):
    kind: ClassVar[str] = "failed_row"

    def describe(self) -> str:
        return f"{self.row.describe()}: failed: {self.reason}"


@dataclass(frozen=True, slots=True)
class DuplicateRow(_RowWithReasons):
    kind: ClassVar[str] = "duplicate_row"

    def describe(self) -> str:
        return f"{self.row.describe()}: {self.reason}"


@dataclass(frozen=True, slots=True)
class LiabilitiesMismatch(Finding):
    """Declared liabilities contradicting a verified liabilities proof."""

    kind: ClassVar[str] = "liabilities_mismatch"
    asset: str
    declared: str
    declared_source: str
    verified: str
    verified_source: str
    difference: str

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> LiabilitiesMismatch:
        """From the record auditor.liabilities.sources keeps (its fields are these)."""
        return cls(*(str(data[name]) for name in ("asset", "declared", "declared_source", "verified",
                                                  "verified_source", "difference")))

    def json_fields(self) -> dict[str, Any]:
        return {"kind": self.kind, "asset": self.asset, "declared": self.declared,
                "declared_source": cut(self.declared_source), "verified": self.verified,
                "verified_source": cut(self.verified_source), "difference": self.difference}

    def describe(self) -> str:
        return (f"{self.asset} liabilities: declared {self.declared} ({cut(self.declared_source)}), but "
                f"{cut(self.verified_source)} proves {self.verified} (difference {self.difference})")


@dataclass(frozen=True, slots=True)
class SummaryMismatch(Finding):
    """The file's own summary section disagrees with its detail rows: the amount, or the snapshot height. Both
    figures are kept. It fails the run: the exchange's published total is not what its rows add up to."""

    kind: ClassVar[str] = "summary_mismatch"
    line: int
    coin: str
    total_of: str
    summary: Decimal | None
    detail: Decimal
    summary_height: int | None = None
    detail_heights: tuple[int, ...] = ()

    @property
    def fails_audit(self) -> bool:
        return True

    def json_fields(self) -> dict[str, Any]:
        data: dict[str, Any] = {"kind": self.kind, "line": self.line, "coin": cut(self.coin), "total_of": self.total_of,
                                "summary": dec_str(self.summary), "detail": dec_str(self.detail)}
        if self.detail_heights:
            data["summary_height"] = self.summary_height
            data["detail_heights"] = list(self.detail_heights)
        return data

    def describe(self) -> str:
        text = (f"line {self.line} `{cut(self.coin)}`: summary section says {dec_str(self.summary)}, the detail rows "
                f"total {dec_str(self.detail)} ({self.total_of})")
        if self.detail_heights:
            text += f"; summary height {self.summary_height} vs detail rows at {list(self.detail_heights)}"
        return text


@dataclass(frozen=True, slots=True)
class DoubleClaim(Finding):
    """An address of this file also claimed in another file (or twice in this one under coins sharing a balance),
    as auditor.cross_check finds it. It fails the run: the same coins may be counted twice."""

    kind: ClassVar[str] = "double_claim"
    data: Mapping[str, Any]  # line, coin, network, address, asset, overlap, claims (each file's line and amount)

    @property
    def fails_audit(self) -> bool:
        return True

    def json_fields(self) -> dict[str, Any]:
        data: dict[str, Any] = json.loads(cut_json(self.data))
        return data

    def describe(self) -> str:
        item = self.data
        others = ", ".join(f"{c['exchange']} {Path(c['file']).name}:{c['line']} {cut(str(c['coin']))} {c['declared']}"
                           for c in item["claims"])
        return (f"line {item['line']} {item['asset']} on {cut(str(item['network']))} {cut(str(item['address']))}: "
                f"claimed {item['overlap']} ({others})")


@dataclass(frozen=True, slots=True)
class CrossCheckUnread(Finding):
    """A `[cross_check]` file that could not be read: double claims with it cannot be ruled out, so it fails."""

    kind: ClassVar[str] = "cross_check_unread"
    file: str
    reason: str

    @property
    def fails_audit(self) -> bool:
        return True

    def json_fields(self) -> dict[str, Any]:
        return {"kind": self.kind, "file": cut(self.file), "reason": cut(self.reason)}

    def describe(self) -> str:
        return f"cross-check file not read: {cut(self.reason)}"


def cross_check_finding(record: Mapping[str, Any]) -> Finding:
    """The typed finding for one record of auditor.cross_check.run_findings."""
    if record["kind"] == CrossCheckUnread.kind:
        return CrossCheckUnread(str(record["file"]), str(record["reason"]))
    return DoubleClaim(record)


def cut_json(data: Mapping[str, Any]) -> str:
    """`data` as JSON with every string cut when over-long (addresses and file names come from the input)."""

    def cut_all(value: Any) -> Any:
        if isinstance(value, str):
            return cut(value)
        if isinstance(value, Mapping):
            return {k: cut_all(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [cut_all(v) for v in value]
        return value

    return json.dumps(cut_all(data))


@dataclass(frozen=True, slots=True)
class QuorumDispute(Finding):
    """The endpoints of a provider quorum gave different figures for a row's balance at the same snapshot block
    (chains.quorum). Every endpoint's figure is kept (whole units; an endpoint without one gives its reason); the
    row's balance is counted nowhere, and the run fails: which figure is true is not known."""

    kind: ClassVar[str] = "quorum_dispute"
    row: RowRef
    height: int
    block_hash: str
    figures: tuple[tuple[str, Decimal | None, str], ...]  # (Endpoint.display, amount, why none)

    @classmethod
    def of(cls, row: RowRef, disagreement: Disagreement, decimals: int) -> QuorumDispute:
        figures = tuple((f.endpoint, None if f.amount is None else whole_units(f.amount, decimals), f.error)
                        for f in disagreement.figures)
        return cls(row, disagreement.height, disagreement.block_hash, figures)

    @property
    def fails_audit(self) -> bool:
        return True

    def json_fields(self) -> dict[str, Any]:
        return {"kind": self.kind, **self.row.to_json(), "height": self.height, "block_hash": self.block_hash,
                "figures": [{"endpoint": endpoint, "amount": dec_str(amount)} | ({"error": cut(error)} if error else {})
                            for endpoint, amount, error in self.figures]}

    def describe(self) -> str:
        said = "; ".join(f"{endpoint} says {dec_str(amount)}" if amount is not None else f"{endpoint}: {cut(error)}"
                         for endpoint, amount, error in self.figures)
        return f"{self.row.describe()}: the endpoints disagree at block {self.height}: {said}; not counted"


@dataclass(frozen=True, slots=True)
class MissingBalance(Finding):
    category: ClassVar[str] = MISSING
    kind: ClassVar[str] = "missing_balance"
    row: RowRef
    error: str

    def json_fields(self) -> dict[str, Any]:
        return self.row.to_json() | {"error": cut(self.error)}

    def describe(self) -> str:
        return f"line {self.row.line} {cut(self.row.network)} {cut(self.row.address)}: {cut(self.error)}"


def reason_records(reasons: Sequence[Reason]) -> list[dict[str, Any]]:
    """The reasons as data, for machines: kind and field (and the line a repeat refers to); the words are in
    "reason" beside them."""
    records = []
    for reason in reasons:
        record: dict[str, Any] = {"kind": reason.kind.value}
        if reason.field:
            record["field"] = reason.field
        if reason.line is not None:
            record["line"] = reason.line
        records.append(record)
    return records


class FindingLog:
    def __init__(self, handle: IO[str] | None = None, keep: int = KEEP_IN_REPORT) -> None:
        self._handle = handle
        self._keep = keep
        self.kept: dict[str, list[Finding]] = {DISCREPANCY: [], MISSING: []}
        self.counts: Counter[str] = Counter()
        self.failing = 0  # findings that fail the run by themselves

    def add(self, finding: Finding) -> None:
        category = finding.category
        self.counts[category] += 1
        self.failing += finding.fails_audit
        if self._handle is not None:
            self._handle.write(json.dumps({"finding": category, **finding.to_json()}, sort_keys=True) + "\n")
        if len(self.kept[category]) < self._keep:
            self.kept[category].append(finding)
