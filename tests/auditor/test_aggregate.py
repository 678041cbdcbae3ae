"""Repeated rows of one (network, address, coin) are counted once, whatever their order and statuses."""

from decimal import Decimal
from itertools import product

from auditor.aggregate import Aggregator, Deduplicator
from auditor.assets import AssetRegistry
from auditor.findings import FindingLog
from auditor.ownership import RowResult
from chains.base import AddressRow, BalanceQuery, RowStatus

REGISTRY = AssetRegistry.load()
ADDRESS = "0x" + "ab" * 20


def _result(line: int, status: RowStatus) -> RowResult:
    row = AddressRow(line, "ETH", "ETH", ADDRESS, amount="5")
    return RowResult(row, status, network=REGISTRY.network("ETH"), token=REGISTRY.resolve("ETH", "ETH"),
                     query=BalanceQuery(ADDRESS), declared=Decimal(5), onchain=Decimal(5))


def test_every_order_counts_the_balance_once():
    statuses = (RowStatus.VERIFIED, RowStatus.FAILED, RowStatus.UNCHECKED)
    for length in (1, 2, 3, 4):
        for order in product(statuses, repeat=length):
            dedupe, aggregator = Deduplicator(), Aggregator(REGISTRY, FindingLog())
            for line, status in enumerate(order, start=2):
                result = _result(line, status)
                dedupe.check(result)
                aggregator.add(result)
            totals = aggregator.assets["ETH"]
            assert totals.onchain == 5 and totals.declared == 5, order
            assert totals.onchain_verified == (5 if RowStatus.VERIFIED in order else 0), order
            failed_rows = order.count(RowStatus.FAILED)
            assert aggregator.rows["failed"] == failed_rows, order  # a forged repeat is never hidden
            assert aggregator.rows["total"] == length
