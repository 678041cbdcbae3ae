"""Why a row is failed, unchecked or noted, as data: a `Reason` carries its kind, the input field at fault,
the words a reader sees, and the summary rows are grouped under in the report.

Code decides on `kind` and `field`, never on the words: the words may change without changing what the
pipeline does. This module imports nothing of the project, so `chains/` may build reasons too.
"""

from __future__ import annotations

import enum
import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass


class ReasonKind(enum.StrEnum):
    # Why a row is not verified (these explain its status; the report groups rows by the first of them).
    INPUT = "input"  # the row itself is malformed (the reader names file, line and field)
    PROOF_FAILED = "proof-failed"  # the family's ownership check failed
    PROOF_UNDECIDED = "proof-undecided"  # the family could not decide offline (e.g. the account needs the chain)
    STATEMENT = "statement"  # the row signs text other than the pinned statements ([input] messages)
    NETWORK_UNKNOWN = "network-unknown"  # the row's network (or coin, without a network column) is not in the registry
    FAMILY_UNSUPPORTED = "family-unsupported"  # the network's chain family has no verifier
    UNBOUND = "unbound"  # owner mode: the owners' keys are proven, not that they control the address
    ADDRESS_UNREAD = "address-unread"  # the address cannot be read, so no balance is asked
    QUERY_UNBUILT = "query-unbuilt"  # a field the balance query needs is unreadable
    DUPLICATE = "duplicate"  # same network, address and coin as an earlier line
    REPEAT = "repeat"  # a failed repeat of an earlier line
    NOTE = "note"  # a stage's remark in words alone, e.g. why a balance was not read (no endpoint, no height)
    # Notes: said beside the status, never the reason for it.
    COIN_UNKNOWN = "coin-unknown"  # ownership checked; the amount is not counted (coin not in the registry)
    PROOF_NOTE = "proof-note"  # what a successful check adds (e.g. "owner mode: eoa1/eoa2 proven")
    OWNERS_ON_CHAIN = "owners-on-chain"  # what the chain said about a contract wallet's owners
    PROVES_EARLIER = "proves-earlier"  # a verified repeat proving an earlier line's address
    PRECISION = "precision"  # the declared amount has more places than the token

    @property
    def explains_status(self) -> bool:
        return self not in _NOTES


_NOTES = frozenset({ReasonKind.COIN_UNKNOWN, ReasonKind.PROOF_NOTE, ReasonKind.OWNERS_ON_CHAIN,
                    ReasonKind.PROVES_EARLIER, ReasonKind.PRECISION})

# How a reason is summarised when its maker gives no summary of its own.
_DEFAULT_SUMMARY = {
    ReasonKind.INPUT: "input: the row is malformed",
    ReasonKind.PROOF_FAILED: "ownership proof failed",
    ReasonKind.PROOF_UNDECIDED: "ownership not decided offline",
    ReasonKind.STATEMENT: "field 'message': not one of the statements in [input] messages",
    ReasonKind.UNBOUND: "the address is not bound to the proven keys (no on-chain owner check)",
    ReasonKind.ADDRESS_UNREAD: "balance not read: field 'address' unreadable",
    ReasonKind.QUERY_UNBUILT: "balance not read: a field the balance query needs is unreadable",
    ReasonKind.DUPLICATE: "duplicate of an earlier line (same network, address and coin); counted once",
    ReasonKind.REPEAT: "repeats an earlier line (same network, address and coin)",
}


@dataclass(frozen=True, slots=True)
class Reason:
    """One reason. `text` is what a reader sees; `summary` (the reason without its particulars: addresses,
    keys, line numbers) is what rows failing alike share, so the report can count them together."""

    kind: ReasonKind
    detail: str  # what is wrong, without the field prefix
    field: str = ""  # the input field at fault ("address", "signature1", "message"...); "" when none
    summary: str = ""  # "" means the kind's default summary (with the field and scheme named)
    scheme: str = ""  # the ownership scheme that decided, when one did
    line: int | None = None  # the earlier line a duplicate, repeat or proving row refers to

    def __reduce__(self) -> tuple[type[Reason], tuple[object, ...]]:  # they cross to and from the workers
        return (Reason, (self.kind, self.detail, self.field, self.summary, self.scheme, self.line))

    @property
    def text(self) -> str:
        return f"field '{self.field}': {self.detail}" if self.field else self.detail

    @property
    def group(self) -> str:
        """The report's grouping key: the summary, else the kind's default naming the field and scheme."""
        if self.summary:
            return self.summary
        base = _DEFAULT_SUMMARY.get(self.kind)
        if base is None:
            return self.text
        where = ", ".join(part for part in (f"field '{self.field}'" if self.field else "", self.scheme) if part)
        return f"{base} ({where})" if where else base

    def to_json(self) -> dict[str, object]:
        data: dict[str, object] = {"kind": self.kind.value, "detail": self.detail}
        for name in ("field", "summary", "scheme"):
            if getattr(self, name):
                data[name] = getattr(self, name)
        if self.line is not None:
            data["line"] = self.line
        return data

    @classmethod
    def from_json(cls, data: dict[str, object]) -> Reason:
        line = data.get("line")
        return cls(ReasonKind(str(data["kind"])), str(data["detail"]), str(data.get("field", "")),
                   str(data.get("summary", "")), str(data.get("scheme", "")),
                   int(line) if isinstance(line, int) else None)

    # --- the reasons a stage states itself -----------------------------------------------------------

    @classmethod
    def note(cls, text: str) -> Reason:
        return cls(ReasonKind.NOTE, text)


def join_text(reasons: Iterable[Reason]) -> str:
    """The reasons as one line, as addresses.csv and the findings show them."""
    return "; ".join(reason.text for reason in reasons)


def dump(reason: Reason | None) -> str:
    """A reason as one JSON string (the run's checkpoint stores verdicts with their reasons)."""
    return "" if reason is None else json.dumps(reason.to_json(), sort_keys=True)


def load(text: str) -> Reason | None:
    if not text:
        return None
    if not text.startswith("{"):  # a checkpoint written before reasons were records
        return Reason.note(text)
    return Reason.from_json(json.loads(text))


LONG_FIELD = 512  # characters: a field longer than this is cut in every report output
_KEPT = 128  # characters of a cut field that stay, so a reader can still recognise it
LONG_REASON = 4096  # reasons are several sentences joined; only one quoting an over-long field is cut


def cut(text: str, limit: int = LONG_FIELD) -> str:
    """`text`, or when longer than `limit` its start with its length and sha256: a published file's 5 MB field
    must not be copied into every report output (it would be again in addresses.csv, findings.jsonl,
    report.json and report.md), yet the cut value still identifies the original."""
    if len(text) <= limit:
        return text
    digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
    return f"{text[:_KEPT]}… (cut: {len(text):,} characters, sha256 {digest})"
