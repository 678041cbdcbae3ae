"""The answer to "is this user's balance in the published liabilities?": yes or no, with the reason."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class InclusionResult:
    included: bool
    format: str  # "okx-v1", "okx-v2", "okx-zk-stark-v1", "bitmex"
    reason: str
    details: dict[str, str] = field(default_factory=dict)  # e.g. the root hash and the user's verified total
