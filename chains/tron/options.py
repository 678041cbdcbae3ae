"""Backend settings of a TRON endpoint (`[endpoints.TRON.options]` in the user's config)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from chains.base import Endpoint
from chains.tron import addresses


@dataclass(frozen=True, slots=True)
class TronOptions:
    solidity_url: str | None = None  # where /walletsolidity/* is served (a FullNode serves it on port 8091)
    events_url: str | None = None  # TronGrid-style /v1 API for TRC-20 history; default: the endpoint url
    confirmed: bool = True  # TRC-20 tips from the solidified state, events only_confirmed
    pin_group_size: int = 16  # balanceOf reads between two head reads (see TronBalanceAdapter)
    pin_rounds: int = 4  # attempts for an account whose transfers landed while it was read
    events_page_size: int = 200  # TronGrid's maximum
    max_event_pages: int = 500  # per account and token: 100,000 events
    events_settle_seconds: float = 3.0  # wait after a block's time before trusting the event index holds it
    check_history: bool = True  # refuse a node without balance history (see snapshot)
    history_probe_address: str | None = None  # an account known to hold TRX at the snapshot: must read > 0

    @classmethod
    def from_endpoint(cls, endpoint: Endpoint) -> TronOptions:
        raw: Mapping[str, Any] = endpoint.options or {}
        unknown = set(raw) - set(cls.__slots__)
        if unknown:
            raise ValueError(f"unknown TRON endpoint options: {', '.join(sorted(unknown))}")
        default_group = max(1, 4 * endpoint.max_concurrency)
        probe = raw.get("history_probe_address")
        return cls(
            solidity_url=_text(raw, "solidity_url"),
            events_url=_text(raw, "events_url"),
            confirmed=_flag(raw, "confirmed", True),
            pin_group_size=_positive(raw, "pin_group_size", default_group),
            pin_rounds=_positive(raw, "pin_rounds", 4),
            events_page_size=min(200, _positive(raw, "events_page_size", 200)),
            max_event_pages=_positive(raw, "max_event_pages", 500),
            events_settle_seconds=float(raw.get("events_settle_seconds", 3.0)),
            check_history=_flag(raw, "check_history", True),
            history_probe_address=addresses.canonical(str(probe)) if probe else None,
        )


def _text(raw: Mapping[str, Any], key: str) -> str | None:
    value = raw.get(key)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise ValueError(f"TRON option {key} must be a string")
    return value


def _flag(raw: Mapping[str, Any], key: str, default: bool) -> bool:
    value = raw.get(key, default)
    if not isinstance(value, bool):
        raise ValueError(f"TRON option {key} must be true or false")
    return value


def _positive(raw: Mapping[str, Any], key: str, default: int) -> int:
    value = raw.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"TRON option {key} must be a positive integer")
    return value
