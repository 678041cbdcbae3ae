"""Stage 4 of the pipeline: totals per asset across networks, compared with the file's declared amounts,
its own summary section and the declared liabilities.

All sums are exact Decimals in whole units (tokens of one asset may have different decimals on different
networks, e.g. USDT has 6 on Ethereum and 18 on BNB Chain).
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from functools import lru_cache

from auditor.assets import AssetRegistry
from auditor.findings import FindingLog
from auditor.formats import SummaryRow
from auditor.money import CONTEXT, add, covers, dec_str, ratio
from auditor.ownership import RowResult
from chains.base import RowStatus

ZERO = Decimal(0)
MESSAGES_LISTED = 50
REASON_KINDS_LISTED = 100


_QUOTED = re.compile(r"'[^']*'|\"[^\"]*\"")
_FILE_LINE = re.compile(r"\S*[:/]\d+:")  # file:line: prefixes
_HEX_OR_NUMBER = re.compile(r"\b(0x)?[0-9a-fA-F]{6,}\b|\b\d+\b")


@lru_cache(maxsize=4096)  # called per failed or unchecked row; most rows of a file share a handful of reasons
def reason_kind(reason: str) -> str:
    """A row's reason without its particulars (file, line, numbers, keys, addresses, quoted values), so that
    rows failing for the same reason group together in the report."""
    first = reason.split("; ")[0]
    first = _QUOTED.sub("'…'", first)
    first = _FILE_LINE.sub("", first)
    return _HEX_OR_NUMBER.sub("…", first).strip()


@dataclass
class AssetTotals:
    onchain: Decimal = ZERO
    onchain_verified: Decimal = ZERO
    declared: Decimal = ZERO
    addresses: Counter = field(default_factory=Counter)  # status -> count
    missing: int = 0  # rows whose balance the data source could not give
    networks: dict[str, dict[str, Decimal]] = field(default_factory=lambda: defaultdict(lambda: defaultdict(Decimal)))


@dataclass(frozen=True)
class AssetVerdict:
    asset: str
    totals: AssetTotals
    liabilities: Decimal | None
    ratio: Decimal | None
    required_ratio: Decimal
    ok: bool
    why_not: list[str]


class Deduplicator:
    """Rows repeating an earlier (network, address, coin) are counted once. The first row of a key carries its
    balance and declared amount into the totals, whatever its status. After it:

    * a failed row stays failed (a forged proof is never hidden behind a good one) and counts nothing more;
    * the first verified row, when the first row was not verified, proves that address: its balance goes into
      `onchain_verified` only (it is already in `onchain` and `declared`);
    * any other repeat is a duplicate.
    """

    def __init__(self) -> None:
        # 16-byte digests instead of the key strings: a 628k-row file costs ~60 MB here instead of ~200 MB,
        # and a collision (2^-128) cannot plausibly merge two different rows. Value: (first line, verified yet).
        self._seen: dict[bytes, tuple[int, bool]] = {}

    def check(self, result: RowResult) -> None:
        if result.network is None or result.token is None:
            return
        address = result.query.address if result.query else result.row.address.strip().lower()
        key = hashlib.blake2b(f"{result.network.code}\0{address}\0{result.token.code}".encode(), digest_size=16)
        digest = key.digest()
        verified = result.status == RowStatus.VERIFIED
        seen = self._seen.get(digest)
        if seen is None:
            self._seen[digest] = (result.row.line, verified)
            return
        first, verified_before = seen
        result.counted = False
        if result.status == RowStatus.FAILED:
            result.note(f"repeats line {first} (same network, address and coin), whose balance is counted there")
            result.query = None
        elif verified and not verified_before:
            self._seen[digest] = (first, True)
            result.note(f"proves the address of line {first}, whose balance and declared amount are counted there")
        else:
            result.status = RowStatus.DUPLICATE
            result.reason = f"duplicate of line {first} (same network, address and coin); counted once"
            result.query = None


class Aggregator:
    def __init__(self, registry: AssetRegistry, findings: FindingLog) -> None:
        self.registry = registry
        self.findings = findings
        self.assets: dict[str, AssetTotals] = defaultdict(AssetTotals)
        self.rows: Counter = Counter()
        self.declared_by_token: dict[str, Decimal] = defaultdict(Decimal)
        self.heights_seen: dict[str, set[int]] = defaultdict(set)
        self.messages: Counter = Counter()  # the statements the rows sign, so a reader sees what was proven
        self.reasons: dict[str, Counter] = {"failed": Counter(), "unchecked": Counter()}  # why rows fell short
        self.messages_other = 0  # rows whose message is beyond the first MESSAGES_LISTED distinct ones
        # network -> status and scheme counts, so a reader sees per chain what was proven and how
        self.by_network: dict[str, Counter] = defaultdict(Counter)
        self.schemes_by_network: dict[str, Counter] = defaultdict(Counter)

    def add(self, result: RowResult) -> None:
        status = result.status.value  # read once: an enum's .value is a descriptor call, and this runs per row
        self.rows[status] += 1
        self.rows["total"] += 1
        network = network_label(result)
        by_network = self.by_network[network]
        by_network[status] += 1
        by_network["total"] += 1
        if result.scheme:
            self.schemes_by_network[network][result.scheme] += 1
        message = result.row.message
        if message in self.messages or len(self.messages) < MESSAGES_LISTED:
            self.messages[message] += 1
        else:
            self.messages_other += 1
        if status in self.reasons:
            reasons = self.reasons[status]
            kind = reason_kind(result.reason)
            if kind in reasons or len(reasons) < REASON_KINDS_LISTED:
                reasons[kind] += 1
            else:
                reasons["(other reasons)"] += 1
        if result.token is None or result.status == RowStatus.DUPLICATE:
            return
        token, totals = result.token, self.assets[result.token.asset]
        totals.addresses[status] += 1
        per_network = totals.networks[token.network]
        if result.declared is not None and result.counted:
            totals.declared = add(totals.declared, result.declared)
            per_network["declared"] = add(per_network["declared"], result.declared)
            self.declared_by_token[token.code] = add(self.declared_by_token[token.code], result.declared)
        if result.height is not None:
            self.heights_seen[token.code].add(result.height)
        if result.balance_error:
            totals.missing += 1
            self.findings.add("missing", _row_ref(result) | {"error": result.balance_error})
        if result.onchain is None:
            return
        if result.counted:
            totals.onchain = add(totals.onchain, result.onchain)
            per_network["onchain"] = add(per_network["onchain"], result.onchain)
        if result.status == RowStatus.VERIFIED:
            totals.onchain_verified = add(totals.onchain_verified, result.onchain)
            per_network["onchain_verified"] = add(per_network["onchain_verified"], result.onchain)
        if result.counted and result.declared is not None and result.declared != result.onchain:
            self.findings.add(
                "discrepancy",
                _row_ref(result)
                | {
                    "kind": "declared_vs_onchain",
                    "declared": dec_str(result.declared),
                    "onchain": dec_str(result.onchain),
                    "difference": dec_str(CONTEXT.subtract(result.onchain, result.declared)),
                }
            )

    def message_counts(self) -> dict[str, int]:
        counts = dict(self.messages)
        if self.messages_other:
            counts["(other)"] = self.messages_other
        return counts

    def verdicts(
        self, liabilities: Mapping[str, Decimal], ratio_for, extra_assets: Iterable[str] = ()
    ) -> list[AssetVerdict]:
        names = sorted(set(self.assets) | {a.upper() for a in liabilities} | set(extra_assets))
        verdicts = []
        for asset in names:
            totals = self.assets[asset]
            owed = liabilities.get(asset)
            required = ratio_for(asset)
            why_not = []
            value = ratio(totals.onchain_verified, owed) if owed is not None else None
            if owed is not None and not covers(totals.onchain_verified, required, owed):
                why_not.append(f"reserves {dec_str(totals.onchain_verified)} below {dec_str(required)} x liabilities")
            if totals.addresses[RowStatus.FAILED.value]:
                why_not.append(f"{totals.addresses[RowStatus.FAILED.value]} row(s) failed")
            if totals.missing:
                why_not.append(f"{totals.missing} balance(s) could not be read")
            verdicts.append(AssetVerdict(asset, totals, owed, value, required, not why_not, why_not))
        return verdicts

    def summary_checks(self, summary: Iterable[SummaryRow]) -> list[dict[str, object]]:
        """Each summary row against the detail rows it totals. Published summaries are rounded (OKX prints 4
        places), so a summary matches when it equals the detail total rounded (half-up or down) to its places."""
        checks = []
        for row in summary:
            check: dict[str, object] = {"line": row.line, "coin": row.coin, "summary": dec_str(row.amount)}
            if row.error:
                checks.append(check | {"ok": False, "problem": row.error})
                continue
            coin = row.coin.strip()
            total_of = None
            if coin.upper().endswith("(ALL)"):
                asset = coin[: -len("(ALL)")].strip().upper()
                detail = self.assets[asset].declared if asset in self.assets else ZERO
                onchain = self.assets[asset].onchain if asset in self.assets else ZERO
                total_of = f"asset {asset} across networks"
            else:
                token = self.registry.resolve(coin, "")
                if token is None:
                    checks.append(check | {"ok": False, "problem": f"coin {coin!r} is not in the registry"})
                    continue
                detail = self.declared_by_token.get(token.code, ZERO)
                per_network = self.assets[token.asset].networks if token.asset in self.assets else {}
                onchain = per_network[token.network]["onchain"] if token.network in per_network else ZERO
                total_of = f"{token.code} on {token.network}"
                heights = self.heights_seen.get(token.code, set())
                if row.snapshot_height is not None and heights and heights != {row.snapshot_height}:
                    check["height_mismatch"] = {
                        "summary": row.snapshot_height, "detail": sorted(heights)
                    }
            check |= {"total_of": total_of, "detail": dec_str(detail), "onchain": dec_str(onchain)}
            matches = row.amount is not None and _matches_rounded(row.amount, detail)
            check["ok"] = matches and "height_mismatch" not in check
            checks.append(check)
        return checks


def network_label(result: RowResult) -> str:
    """The registry's code of the row's network; the file's own spelling when the registry does not know it."""
    if result.network is not None:
        return result.network.code
    return result.row.network.strip() or "(no network)"


def _matches_rounded(published: Decimal, exact: Decimal) -> bool:
    places = Decimal(1).scaleb(published.as_tuple().exponent) if published.as_tuple().exponent < 0 else Decimal(1)
    return published in (exact.quantize(places, ROUND_HALF_UP), exact.quantize(places, ROUND_DOWN), exact)


def _row_ref(result: RowResult) -> dict[str, object]:
    return {
        "line": result.row.line,
        "coin": result.row.coin,
        "network": result.network.code if result.network else result.row.network,
        "address": result.row.address,
    }
