"""The XRP Ledger and Aptos balance benchmarks at 200 addresses, so they cannot rot: each checks every figure
against its stand-in's state at the snapshot and prints its table."""

from __future__ import annotations

from benchmarks import aptos_balances, xrpl_balances


def test_xrpl_benchmark_reads_every_balance(capsys) -> None:
    xrpl_balances.main(200, 4)
    table = capsys.readouterr().out
    assert "| XRP `account_info` |" in table and "| 1,020.0 | 204 |" in table


def test_aptos_benchmark_reads_every_balance(capsys) -> None:
    aptos_balances.main(200, 4)
    table = capsys.readouterr().out
    assert "| 2,020.0 | 404 |" in table and "| 1,020.0 | 204 |" in table
