"""Known address-file layouts, recognised by their header names (never by column count).

OKX has changed its layout over the years; every version is a summary section (`coin,snapshot height,amount`),
a blank line, and a detail section whose header names its columns:

* okx-2022 (7 columns): coin,address,amount,message,signature1,signature2,redeem script - amounts in base units
* okx-9col: adds Network and Snapshot Height; decimal amounts
* okx-11col: adds eoa1, eoa2 (contract wallets proven by their owners' signatures)
* okx-12col (2026): adds Type (Non Staking / Native ETH Staking / Eigenlayer Staking)
* okx-2025: digitalAsset,network,address,signedMessage,signedMessage2,message,publicKey,owner1,owner2 (no amounts)
* htx: coin,address,snapshot height,balance,message,signature
* generic: any CSV whose columns the config maps (see `GenericColumns`)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

# Canonical field -> header spellings seen in published files (compared after normalize_header).
FIELD_SYNONYMS: dict[str, tuple[str, ...]] = {
    "coin": ("coin", "digitalasset", "asset", "currency", "symbol"),
    "kind": ("type",),
    "network": ("network", "chain"),
    "snapshot_height": ("snapshot height", "snapshotheight", "snapshot block", "height", "block height"),
    "address": ("address", "wallet address"),
    "amount": ("amount", "balance"),
    "message": ("message", "msg"),
    "signature1": ("signature1", "signature 1", "signature", "signedmessage", "signed message"),
    "signature2": ("signature2", "signature 2", "signedmessage2", "signed message2"),
    "script": (
        "redeem script/public key",
        "redeem script / public key",
        "redeem script",
        "redeemscript",
        "public key",
        "publickey",
        "pubkey",
        "script",
    ),
    "eoa1": ("eoa1", "owner1"),
    "eoa2": ("eoa2", "owner2"),
}

REQUIRED_FIELDS = ("coin", "network", "snapshot_height", "address", "amount", "message", "signature1")
# Registry settings implied by who published a layout: the same network name can mean another signing scheme
# at another exchange (SCHEMES.md: HTX's TRON digests are not OKX's).
EXCHANGE_REGISTRY: dict[str, dict[str, Any]] = {
    "htx": {
        "networks": {
            "TRON": {"ownership_scheme": "htx-tron"},
            **{
                code: {"ownership_scheme": "htx-evm"}
                for code in ("ETH", "BSC", "ARBITRUM", "OPTIMISM", "POLYGON", "AVAXC", "BASE", "LINEA", "ETC")
            },
        }
    },
}
SUMMARY_FIELDS = {"coin", "amount"}  # 2022-2025 files add "snapshot height"; 2026 files have coin,amount
EMPTY_MARKERS = frozenset({"", "null", "NULL", "\\N", "-", "None", "nil"})


def normalize_header(name: str) -> str:
    name = name.replace("\ufeff", "").strip().lower()
    name = " ".join(name.split())
    return name.replace("/ ", "/").replace(" /", "/")


_LOOKUP = {normalize_header(s): field for field, spellings in FIELD_SYNONYMS.items() for s in spellings}


@dataclass(frozen=True)
class Layout:
    name: str
    columns: Mapping[str, int]  # canonical field -> column index
    width: int
    amounts_in_base_units: bool

    @property
    def required_width(self) -> int:
        """Fields a record needs: every column up to the last of coin, address, amount, message, signature1."""
        needed = [self.columns[f] for f in REQUIRED_FIELDS if f in self.columns]
        return max(needed, default=-1) + 1

    @property
    def exchange(self) -> str:
        return self.name.split("-")[0]

    def registry_defaults(self) -> dict[str, Any]:
        return EXCHANGE_REGISTRY.get(self.exchange, {})

    def get(self, record: Sequence[str], field: str) -> str:
        index = self.columns.get(field)
        if index is None or index >= len(record):
            return ""
        value = record[index].strip()
        return "" if value in EMPTY_MARKERS else value


def map_header(header: Sequence[str]) -> tuple[dict[str, int], list[str]]:
    """Canonical field -> index for the names we know, and the names we do not."""
    columns: dict[str, int] = {}
    unknown: list[str] = []
    for index, name in enumerate(header):
        field = _LOOKUP.get(normalize_header(name))
        if field is None:
            if normalize_header(name):
                unknown.append(name.strip())
        elif field not in columns:
            columns[field] = index
    return columns, unknown


def is_summary_header(columns: Mapping[str, int]) -> bool:
    return "address" not in columns and set(columns) >= SUMMARY_FIELDS


def detect_layout(header: Sequence[str]) -> Layout | None:
    """The OKX/HTX layout this detail header belongs to, or None if it has no address column."""
    columns, _unknown = map_header(header)
    if "address" not in columns or "coin" not in columns:
        return None
    names = {normalize_header(h) for h in header}
    if "digitalasset" in names or "signedmessage" in names:
        name = "okx-2025"
    elif "kind" in columns:
        name = "okx-12col"
    elif "eoa1" in columns:
        name = "okx-11col"
    elif "network" in columns:
        name = "okx-9col"
    elif "snapshot_height" in columns and "signature1" in columns and "signature2" not in columns:
        name = "htx"
    else:
        name = "okx-2022"
    return Layout(name, columns, len(header), amounts_in_base_units=(name == "okx-2022"))


@dataclass(frozen=True)
class GenericColumns:
    """A user's mapping of canonical fields to the column names of their own CSV (config `[input.columns]`)."""

    columns: Mapping[str, str]  # canonical field -> header name in the file
    amounts_in_base_units: bool = False

    def layout(self, header: Sequence[str]) -> tuple[Layout | None, list[str]]:
        by_name = {normalize_header(h): i for i, h in enumerate(header)}
        mapped: dict[str, int] = {}
        missing: list[str] = []
        for field, column in self.columns.items():
            index = by_name.get(normalize_header(column))
            if index is None:
                missing.append(f"{field} -> {column!r}")
            else:
                mapped[field] = index
        if missing:
            return None, missing
        return Layout("generic", mapped, len(header), self.amounts_in_base_units), []
