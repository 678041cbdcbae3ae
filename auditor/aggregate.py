"""Stage 4 of the pipeline: totals per asset across networks, compared with the file's declared amounts,
its own summary section and the declared liabilities.

All sums are exact Decimals in whole units (tokens of one asset may have different decimals on different
networks, e.g. USDT has 6 on Ethereum and 18 on BNB Chain).
"""

from __future__ import annotations

import hashlib
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from typing import Any

from auditor.assets import AssetRegistry
from auditor.findings import DeclaredVsOnchain, FindingLog, MissingBalance, QuorumDispute, RowRef, SummaryMismatch
from auditor.formats import SummaryRow
from auditor.freshness import Freshness, FreshnessClassifier
from auditor.money import add, covers, dec_str, ratio
from auditor.ownership import RowResult
from auditor.reasons import Reason, ReasonKind, cut
from chains.base import RowStatus

ZERO = Decimal(0)
MESSAGES_LISTED = 50
REASON_KINDS_LISTED = 100
STATEMENTS_KEPT = 10_000  # distinct (statement, height) pairs remembered; a file has a handful
LONG_STATEMENT = 4096  # characters: a longer statement (a malformed file's) is classified each time, not kept


@dataclass
class AssetTotals:
    onchain: Decimal = ZERO
    onchain_verified: Decimal = ZERO
    onchain_verified_fresh: Decimal = ZERO  # the part of onchain_verified proven by statements naming the snapshot
    declared: Decimal = ZERO
    fresh_addresses: int = 0  # verified rows whose statement names the snapshot
    addresses: Counter[str] = field(default_factory=Counter)  # status -> count
    missing: int = 0  # rows whose balance the data source could not give
    disputed: int = 0  # rows whose balance a provider quorum's endpoints disagree on (counted nowhere)
    networks: dict[str, dict[str, Decimal]] = field(default_factory=lambda: defaultdict(lambda: defaultdict(Decimal)))


@dataclass(frozen=True)
class AssetVerdict:
    asset: str
    totals: AssetTotals
    liabilities: Decimal | None
    ratio: Decimal | None
    required_ratio: Decimal
    ok: bool  # nothing found wrong: no shortfall against the liabilities, no failed row, every balance read
    why_not: list[str]
    require_fresh: bool = False  # the ratio counts only reserves proven by fresh statements ([audit] require_fresh)

    @property
    def reserves(self) -> Decimal:
        """What the ratio rests on: verified reserves, or only their fresh part with require_fresh."""
        return self.totals.onchain_verified_fresh if self.require_fresh else self.totals.onchain_verified

    @property
    def state(self) -> str:
        """PASS, FAIL, or NO LIABILITIES: with no liabilities figure to compare with, nothing is shown to pass."""
        if not self.ok:
            return "FAIL"
        return "PASS" if self.liabilities is not None else "NO LIABILITIES"

    @property
    def result(self) -> str:
        """The state, with why when it fails."""
        return f"FAIL: {'; '.join(self.why_not)}" if not self.ok else self.state


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
            result.note(Reason(ReasonKind.REPEAT, f"repeats line {first} (same network, address and coin), whose "
                               "balance is counted there", line=first))
            result.query = None
        elif verified and not verified_before:
            self._seen[digest] = (first, True)
            result.note(Reason(ReasonKind.PROVES_EARLIER, f"proves the address of line {first}, whose balance and "
                               "declared amount are counted there", line=first))
        else:
            result.status = RowStatus.DUPLICATE
            result.reasons = [Reason(ReasonKind.DUPLICATE, f"duplicate of line {first} (same network, address and "
                                     "coin); counted once", line=first)]
            result.query = None


class Aggregator:
    def __init__(self, registry: AssetRegistry, findings: FindingLog,
                 freshness: FreshnessClassifier | None = None) -> None:
        self.registry = registry
        self.findings = findings
        self.freshness = freshness or FreshnessClassifier()
        # (statement, its classification) -> rows, verified rows: what each distinct statement proves
        self.statements: dict[tuple[str, Freshness], list[int]] = {}
        self.statements_other = 0  # rows beyond the first MESSAGES_LISTED distinct (statement, classification)
        self._statement_seen: dict[tuple[str, int | None], tuple[Freshness, list[int] | None]] = {}
        self.assets: dict[str, AssetTotals] = defaultdict(AssetTotals)
        self.rows: Counter[str] = Counter()
        self.declared_by_token: dict[str, Decimal] = defaultdict(Decimal)
        self.heights_seen: dict[str, set[int]] = defaultdict(set)
        self.messages: Counter[str] = Counter()  # the statements the rows sign, so a reader sees what was proven
        # status -> reason group -> rows: why rows fell short, rows failing alike counted together
        self.reasons: dict[str, Counter[str]] = {"failed": Counter(), "unchecked": Counter()}
        self.messages_other = 0  # rows whose message is beyond the first MESSAGES_LISTED distinct ones
        # network -> status and scheme counts, so a reader sees per chain what was proven and how
        self.by_network: dict[str, Counter[str]] = defaultdict(Counter)
        self.schemes_by_network: dict[str, Counter[str]] = defaultdict(Counter)

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
        message = cut(result.row.message)
        if message in self.messages or len(self.messages) < MESSAGES_LISTED:
            self.messages[message] += 1
        else:
            self.messages_other += 1
        # classified once per distinct (statement, height): one dictionary look-up per row
        seen = self._statement_seen.get((result.row.message, result.height))
        freshness, counts = seen if seen is not None else self._classify(result.row.message, message, result.height)
        if counts is None:
            self.statements_other += 1
        else:
            counts[0] += 1
            counts[1] += status == "verified"
        if status in self.reasons:
            reasons = self.reasons[status]
            primary = result.primary
            kind = cut(primary.group) if primary is not None else "(no reason given)"
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
            self.findings.add(MissingBalance(row_ref(result), result.balance_error))
        if result.dispute is not None and result.counted:
            totals.disputed += 1
            self.findings.add(QuorumDispute.of(row_ref(result), result.dispute, token.decimals))
        if result.onchain is None:
            return
        if result.counted:
            totals.onchain = add(totals.onchain, result.onchain)
            per_network["onchain"] = add(per_network["onchain"], result.onchain)
        if result.status == RowStatus.VERIFIED:
            totals.onchain_verified = add(totals.onchain_verified, result.onchain)
            per_network["onchain_verified"] = add(per_network["onchain_verified"], result.onchain)
            if freshness.fresh:
                totals.fresh_addresses += 1
                totals.onchain_verified_fresh = add(totals.onchain_verified_fresh, result.onchain)
                per_network["onchain_verified_fresh"] = add(per_network["onchain_verified_fresh"], result.onchain)
        if result.counted and result.declared is not None and result.declared != result.onchain:
            self.findings.add(DeclaredVsOnchain(row_ref(result), result.declared, result.onchain))

    def _classify(self, statement: str, listed_as: str, height: int | None) -> tuple[Freshness, list[int] | None]:
        """A statement met for the first time at this height: its classification and its row counts (None once
        MESSAGES_LISTED distinct ones are listed)."""
        freshness = self.freshness.of(statement, height)
        key = (listed_as, freshness)
        counts = self.statements.get(key)
        if counts is None and len(self.statements) < MESSAGES_LISTED:
            counts = self.statements[key] = [0, 0]
        if len(self._statement_seen) < STATEMENTS_KEPT and len(statement) <= LONG_STATEMENT:
            self._statement_seen[(statement, height)] = (freshness, counts)
        return freshness, counts

    def message_counts(self) -> dict[str, int]:
        counts = dict(self.messages)
        if self.messages_other:
            counts["(other)"] = self.messages_other
        return counts

    def statement_freshness(self) -> list[dict[str, Any]]:
        """Each distinct signed statement with its classification and rows, most rows first."""
        ordered = sorted(self.statements.items(), key=lambda kv: (-kv[1][0], kv[0][0], kv[0][1].evidence))
        listed: list[dict[str, Any]] = [
            {"statement": message, **freshness.to_json(), "rows": rows, "verified_rows": verified}
            for (message, freshness), (rows, verified) in ordered]
        if self.statements_other:
            listed.append({"statement": "(other)", "fresh": None, "basis": None, "rows": self.statements_other})
        return listed

    def verdicts(
        self, liabilities: Mapping[str, Decimal], ratio_for: Callable[[str], Decimal],
        extra_assets: Iterable[str] = (), require_fresh: bool = False,
    ) -> list[AssetVerdict]:
        """Per asset: the ratio of the verified reserves (only their fresh part with `require_fresh`: the rest is
        reported apart, never counted) to the liabilities."""
        names = sorted(set(self.assets) | {a.upper() for a in liabilities} | set(extra_assets))
        verdicts = []
        for asset in names:
            totals = self.assets[asset]
            owed = liabilities.get(asset)
            required = ratio_for(asset)
            why_not = []
            reserves = totals.onchain_verified_fresh if require_fresh else totals.onchain_verified
            value = ratio(reserves, owed) if owed is not None else None
            if owed is not None and not covers(reserves, required, owed):
                which = "fresh reserves" if require_fresh else "reserves"
                why_not.append(f"{which} {dec_str(reserves)} below {dec_str(required)} x liabilities")
            if totals.addresses[RowStatus.FAILED.value]:
                why_not.append(f"{totals.addresses[RowStatus.FAILED.value]} row(s) failed")
            if totals.missing:
                why_not.append(f"{totals.missing} balance(s) could not be read")
            if totals.disputed:
                why_not.append(f"{totals.disputed} balance(s) disputed by the quorum's endpoints")
            verdicts.append(AssetVerdict(asset, totals, owed, value, required, not why_not, why_not, require_fresh))
        return verdicts

    def summary_checks(self, summary: Iterable[SummaryRow]) -> list[SummaryCheck]:
        """Each summary row against the detail rows it totals. Published summaries are rounded (OKX prints 4
        places), so a summary matches when it equals the detail total rounded (half-up or down) to its places.
        A disagreement (amount or height) is also a finding that fails the run, with both figures."""
        checks = []
        for row in summary:
            check = self._summary_check(row)
            if check.mismatch is not None:
                self.findings.add(check.mismatch)
            checks.append(check)
        return checks

    def _summary_check(self, row: SummaryRow) -> SummaryCheck:
        if row.error:
            return SummaryCheck(row.line, row.coin, row.amount, problem=row.error)
        coin = row.coin.strip()
        heights: tuple[int, ...] = ()
        if coin.upper().endswith("(ALL)"):
            asset = coin[: -len("(ALL)")].strip().upper()
            detail = self.assets[asset].declared if asset in self.assets else ZERO
            onchain = self.assets[asset].onchain if asset in self.assets else ZERO
            total_of = f"asset {asset} across networks"
        else:
            token = self.registry.resolve(coin, "")
            if token is None:  # cannot be checked: said, not counted as a disagreement
                problem = f"coin {cut(coin)!r} is not in the registry"
                return SummaryCheck(row.line, row.coin, row.amount, problem=problem)
            detail = self.declared_by_token.get(token.code, ZERO)
            per_network = self.assets[token.asset].networks if token.asset in self.assets else {}
            onchain = per_network[token.network]["onchain"] if token.network in per_network else ZERO
            total_of = f"{token.code} on {token.network}"
            seen = self.heights_seen.get(token.code, set())
            if row.snapshot_height is not None and seen and seen != {row.snapshot_height}:
                heights = tuple(sorted(seen))
        matches = row.amount is not None and _matches_rounded(row.amount, detail)
        mismatch = None if matches and not heights else SummaryMismatch(
            row.line, row.coin, total_of, row.amount, detail, row.snapshot_height, heights)
        return SummaryCheck(row.line, row.coin, row.amount, total_of=total_of, detail=detail, onchain=onchain,
                            summary_height=row.snapshot_height, detail_heights=heights, mismatch=mismatch)


@dataclass(frozen=True, slots=True)
class SummaryCheck:
    """One summary row of the file against the detail rows it totals."""

    line: int
    coin: str
    summary: Decimal | None
    problem: str = ""  # the summary row could not be checked (malformed, coin unknown)
    total_of: str = ""
    detail: Decimal = ZERO
    onchain: Decimal = ZERO
    summary_height: int | None = None
    detail_heights: tuple[int, ...] = ()  # set only when they differ from the summary's height
    mismatch: SummaryMismatch | None = None

    @property
    def ok(self) -> bool:
        return not self.problem and self.mismatch is None

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"line": self.line, "coin": cut(self.coin), "summary": dec_str(self.summary)}
        if self.problem:
            return data | {"ok": False, "problem": self.problem}
        if self.detail_heights:
            data["height_mismatch"] = {"summary": self.summary_height, "detail": list(self.detail_heights)}
        return data | {"total_of": self.total_of, "detail": dec_str(self.detail), "onchain": dec_str(self.onchain),
                       "ok": self.ok}

    def describe(self) -> str:
        text = self.problem or (f"summary {dec_str(self.summary)} vs detail total {dec_str(self.detail)} "
                                f"({self.total_of}), on chain {dec_str(self.onchain)}")
        if self.detail_heights:
            text += f"; summary height {self.summary_height} vs detail rows at {list(self.detail_heights)}"
        return f"line {self.line} `{cut(self.coin)}`: {text}"


def network_label(result: RowResult) -> str:
    """The registry's code of the row's network; the file's own spelling when the registry does not know it."""
    if result.network is not None:
        return result.network.code
    return result.row.network.strip() or "(no network)"


def _matches_rounded(published: Decimal, exact: Decimal) -> bool:
    exponent = published.as_tuple().exponent
    places = Decimal(1).scaleb(exponent) if isinstance(exponent, int) and exponent < 0 else Decimal(1)
    return published in (exact.quantize(places, ROUND_HALF_UP), exact.quantize(places, ROUND_DOWN), exact)


def row_ref(result: RowResult) -> RowRef:
    network = result.network.code if result.network else result.row.network
    return RowRef(result.row.line, result.row.coin, network, result.row.address)
