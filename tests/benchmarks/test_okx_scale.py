"""The OKX-scale benchmark at 2,000 rows, so it cannot rot: it builds its fixture, funds the three local chains,
runs `auditor run` and must find exactly what it funded, with every stage timed."""

from __future__ import annotations

import pytest

from benchmarks import okx_scale
from benchmarks.okx_fixture import Split
from tests.nodes import litecoind

pytestmark = pytest.mark.skipif(not litecoind.available(), reason="litecoind not installed (make install)")

ROWS = 2000


def test_okx_scale_benchmark_finds_what_it_funded(tmp_path):
    results = okx_scale.run_benchmark(ROWS, cache=tmp_path / "cache", baseline_rows=100)
    assert results["audit"]["exit"] == 0
    assert results["total_problems"] == []
    expected = results["expected"]
    assert all(expected[coin] > 0 for coin in ("ETH", "USDT-ERC20", "USDC-ERC20", "LTC", "TRX", "USDT-TRC20"))
    assert results["report_rows"] == {"total": ROWS, "verified": ROWS, "failed": 0, "unchecked": 0, "duplicate": 0}
    split = Split.of(ROWS)
    stages = results["timings"]["stages"]
    assert stages["ownership"]["done"] == ROWS
    assert stages["balances ETH"]["done"] == split.evm
    assert stages["balances LTC"]["done"] == split.utxo
    assert stages["balances TRON"]["done"] == split.tron
    # two signatures on each multisig row and each contract-wallet row, one on the others
    safes = split.evm // 3 // 100
    assert stages["ownership"]["signatures"] == ROWS + split.utxo + 3 * safes
    assert results["baseline"]["rows"] == 100
    assert results["evm_alone"]["exact"] and results["evm_alone"]["pairs"] == split.evm
    alone = results["ownership_only"]["timings"]["stages"]
    assert alone["ownership"]["done"] == ROWS and not any(name.startswith("balances") for name in alone)
    # the limit: every signature of the file recovered bare, three times (around each audit run)
    assert [b["signatures"] for b in results["bare"]] == [stages["ownership"]["signatures"]] * 3
    assert all(b["rate"] > 0 and b["processes"] == 2 for b in results["bare"])
    # the auditor's CPU (main process, forkserver, two workers) apart from the nodes'
    audit = results["audit"]
    assert audit["auditor_processes"] >= 3 and 0 < audit["auditor_cpu_s"] < audit["wall"] * 8
    assert set(audit["other_cpu_s"]) == {"anvil", "litecoind", "TRON stand-in (thread)"}
    # it answered the TRON reads: since they go in batches, a 2,000-row run sends the stand-in a dozen requests,
    # which may take less than one clock tick (10 ms) of its thread's CPU, so the reads are counted instead
    assert audit["other_cpu_s"]["TRON stand-in (thread)"] >= 0
    assert 0 < results["timings"]["requests"]["TRON"]["requests"] < split.tron
    table = okx_scale.table(results)
    assert "balances TRON" in table and "naive baseline" in table and "ownership alone" in table
    assert "signature floor" in table and "Ownership stage against the limit" in table
    # the checks' CPU time comes back from the workers, and every network's requests are in the table
    assert stages["ownership"]["cpu_ms"] > 0 and alone["ownership"]["cpu_ms"] > 0
    assert all(f"| {network} | " in table for network in ("ETH", "LTC", "TRON"))
    assert all(b["cpu_s"] > 0 for b in results["bare"])


def test_a_second_build_reads_the_cached_fixture(tmp_path):
    from benchmarks.okx_fixture import build_fixture

    first = build_fixture(300, tmp_path, processes=1)
    stamp = first.csv_path.stat().st_mtime_ns
    second = build_fixture(300, tmp_path, processes=1)
    assert second.csv_path == first.csv_path and second.csv_path.stat().st_mtime_ns == stamp
    assert sum(1 for _ in first.csv_path.open()) == 300 + 1  # the header (no summary section since fixture v2)
