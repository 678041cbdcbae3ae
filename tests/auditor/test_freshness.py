"""Signed statements classified as fresh (they name the snapshot's date, height or nonce) or not (fixed text),
once per distinct statement; the [audit] keys that state what to look for; the per-asset split in the totals."""

from datetime import date
from decimal import Decimal

import pytest

from auditor.aggregate import Aggregator
from auditor.assets import AssetRegistry
from auditor.config import ConfigError, load_config
from auditor.findings import FindingLog
from auditor.freshness import FreshBasis, FreshnessClassifier, FreshnessSettings, classify
from auditor.ownership import RowResult
from chains.base import AddressRow, BalanceQuery, RowStatus

SNAPSHOT = FreshnessSettings(snapshot_date=date(2026, 11, 30), snapshot_nonce="a7f3c9e1-por-2026-11")


@pytest.mark.parametrize("statement", [
    "OKX reserves 2026-11-30",
    "OKX proof of reserves 20261130",
    "snapshot 30/11/2026: I am an OKX address",
    "snapshot 11/30/2026",
    "30.11.2026",
    "2026/11/30",
    "I control this address on November 30, 2026",
    "as of 30 November 2026",
    "as of Nov 30, 2026",
    "as of 30 nov. 2026",
    "dated (2026-11-30)",
])
def test_statements_naming_the_snapshot_date_are_fresh(statement):
    found = classify(statement, FreshnessSettings(snapshot_date=date(2026, 11, 30)))
    assert found.basis is FreshBasis.DATE and found.fresh, statement
    assert found.evidence.lower() in statement.lower()


@pytest.mark.parametrize("statement", [
    "I am an OKX address",
    "OKX reserves 2026-11-29",  # another day
    "OKX reserves 2025-11-30",  # another year
    "OKX reserves 202611301",  # the compact date glued into a longer number
    "ref 120261130",
    "November 3, 2026",
    "30/11/20261",
    "",
])
def test_fixed_or_other_dates_are_not_fresh(statement):
    found = classify(statement, FreshnessSettings(snapshot_date=date(2026, 11, 30)))
    assert found.basis is FreshBasis.NONE and not found.fresh and found.label == "not fresh", statement


def test_a_date_is_only_looked_for_when_stated():
    assert not classify("OKX reserves 2026-11-30", FreshnessSettings()).fresh


@pytest.mark.parametrize(("statement", "height", "fresh"), [
    ("OKX snapshot at block 21034567", 21034567, True),
    ("OKX snapshot at block 21,034,567", 21034567, True),
    ("block 21_034_567", 21034567, True),
    ("OKX snapshot at block 21034567", 21034568, False),
    ("OKX snapshot at block 210345678", 21034567, False),  # a longer number is not the height
    ("OKX snapshot at block 121034567", 21034567, False),
    ("height 812", 812, True),
    ("height 812", None, False),  # a row without a snapshot height has none to name
])
def test_statements_naming_the_row_height(statement, height, fresh):
    found = classify(statement, FreshnessSettings(), height)
    assert found.fresh is fresh and (found.basis is FreshBasis.HEIGHT) is fresh


def test_the_nonce_counts_first_and_only_whole():
    found = classify("I am an OKX address a7f3c9e1-por-2026-11 on 2026-11-30", SNAPSHOT, 5)
    assert found.basis is FreshBasis.NONCE and found.evidence == "a7f3c9e1-por-2026-11"
    assert classify("nonce A7F3C9E1-POR-2026-11", SNAPSHOT).basis is FreshBasis.NONCE  # hex case does not matter
    assert not classify("nonce a7f3c9e1-por-2026-112", SNAPSHOT).fresh
    assert not classify("nonce xa7f3c9e1-por-2026-11", SNAPSHOT).fresh
    assert classify("the 2026-11-30 audit", SNAPSHOT).basis is FreshBasis.DATE


def test_each_distinct_statement_is_classified_once(monkeypatch):
    import auditor.freshness as module

    calls = []
    real = module.classify
    monkeypatch.setattr(module, "classify", lambda *args: calls.append(args) or real(*args))
    classifier = FreshnessClassifier(SNAPSHOT)
    for _ in range(1000):
        assert not classifier.of("I am an OKX address", 7).fresh
        assert classifier.of("OKX 2026-11-30", 7).fresh
    assert len(calls) == 2


REGISTRY = AssetRegistry.load()


def _row(line: int, message: str, amount: str, status: RowStatus = RowStatus.VERIFIED, height: int = 100):
    address = "0x" + f"{line:040x}"
    row = AddressRow(line, "ETH", "ETH", address, amount=amount, message=message)
    return RowResult(row, status, network=REGISTRY.network("ETH"), token=REGISTRY.resolve("ETH", "ETH"),
                     query=BalanceQuery(address), declared=Decimal(amount), onchain=Decimal(amount), height=height)


def test_totals_split_verified_reserves_by_freshness():
    aggregator = Aggregator(REGISTRY, FindingLog(), FreshnessClassifier(SNAPSHOT))
    rows = [_row(2, "I am an OKX address", "1.5"), _row(3, "OKX 2026-11-30", "2.25"),
            _row(4, "OKX block 100", "4"), _row(5, "OKX block 100", "8", height=101),  # not its own height
            _row(6, "OKX 2026-11-30", "16", RowStatus.UNCHECKED)]  # unverified: in no verified figure
    for result in rows:
        aggregator.add(result)
    totals = aggregator.assets["ETH"]
    assert totals.onchain_verified == Decimal("15.75")
    assert totals.onchain_verified_fresh == Decimal("6.25") and totals.fresh_addresses == 2
    assert totals.networks["ETH"]["onchain_verified_fresh"] == Decimal("6.25")
    statements = {(s["statement"], s["basis"], s.get("evidence")): (s["rows"], s["verified_rows"])
                  for s in aggregator.statement_freshness()}
    assert statements == {("I am an OKX address", "none", None): (1, 1), ("OKX 2026-11-30", "date", "2026-11-30"):
                          (2, 1), ("OKX block 100", "height", "100"): (1, 1), ("OKX block 100", "none", None): (1, 1)}
    owed = {"ETH": Decimal("10")}
    plain, = aggregator.verdicts(owed, lambda asset: Decimal(1))
    assert plain.ok and plain.reserves == Decimal("15.75") and plain.ratio == Decimal("1.575")
    strict, = aggregator.verdicts(owed, lambda asset: Decimal(1), require_fresh=True)
    assert not strict.ok and strict.reserves == Decimal("6.25") and strict.ratio == Decimal("0.625")
    assert strict.why_not == ["fresh reserves 6.25 below 1 x liabilities"]


def _config(tmp_path, audit: str):
    path = tmp_path / "audit.toml"
    path.write_text(f"[input]\nfile = 'a.csv'\n[audit]\n{audit}\n", encoding="utf-8")
    return load_config(path, {})


def test_config_keys(tmp_path):
    config = _config(tmp_path, "snapshot_date = 2026-11-30\nsnapshot_nonce = 'a7f3c9e1'\nrequire_fresh = true")
    assert config.freshness == FreshnessSettings(date(2026, 11, 30), "a7f3c9e1", True)
    assert _config(tmp_path, "snapshot_date = '2026-11-30'").freshness.snapshot_date == date(2026, 11, 30)
    assert _config(tmp_path, "").freshness == FreshnessSettings()


@pytest.mark.parametrize(("audit", "message"), [
    ("snapshot_date = '30/11/2026'", "snapshot_date: must be a date"),
    ("snapshot_date = 2026-11-30T00:00:00", "without a time"),
    ("snapshot_date = 20261130", "snapshot_date: must be a date"),
    ("snapshot_nonce = 'abc'", "at least 8 characters"),
    ("snapshot_nonce = ' a7f3c9e1 '", "without surrounding spaces"),
    ("require_fresh = 'yes'", "require_fresh: must be true or false"),
    ("require_frsh = true", "did you mean 'require_fresh'"),
    ("snapshot_dat = 2026-11-30", "did you mean 'snapshot_date'"),
])
def test_config_refusals(tmp_path, audit, message):
    with pytest.raises(ConfigError, match=message.replace("(", r"\(")):
        _config(tmp_path, audit)
