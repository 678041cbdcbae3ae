"""The Substrate balance benchmark at 200 accounts against Chopsticks, so it cannot rot: it checks every figure
against what was written at the snapshot block and prints its table."""

from __future__ import annotations

import pytest

from benchmarks import substrate_balances
from tests.nodes import chopsticks


def test_substrate_benchmark_reads_every_balance(capsys) -> None:
    if not chopsticks.available():
        pytest.skip("chopsticks not installed (npm ci in the project root)")
    substrate_balances.main(200)
    table = capsys.readouterr().out
    assert "| 200 accounts |" in table
    # snapshot checks (6) + 1 read of 200 keys + the re-check: 8 requests for 200 addresses
    assert table.count("| 40.0 (2 state_queryStorageAt of ≤1,000 keys, 8 HTTP requests in all) |") == 2
    assert "| 45.0 (201 state_getStorage calls in JSON-RPC batches, 9 HTTP requests in all) |" in table
