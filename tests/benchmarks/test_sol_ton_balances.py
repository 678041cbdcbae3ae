"""The Solana and TON balance benchmarks at 200 addresses, so they cannot rot: each checks every figure against its
stand-in's state at the snapshot and prints its table."""

from __future__ import annotations

from benchmarks import solana_balances, ton_balances


def test_solana_benchmark_reads_every_balance(capsys) -> None:
    solana_balances.main(200)
    table = capsys.readouterr().out
    assert "| 13 | 65.0 | 31% | 507 | 2,535 | 59% |" in table and "| 15 | 75.0 | 53% | 805 | 4,025 | 75% |" in table


def test_ton_benchmark_reads_every_balance(capsys) -> None:
    ton_balances.main(200)
    table = capsys.readouterr().out
    assert "| 205 | 1,025 |" in table and "| 405 | 2,025 |" in table
