"""The cross-check benchmark at 3,000 rows per file, so it cannot rot: it must find exactly the double claims
its generator planted (it exits non-zero otherwise) and print its table."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_cross_check_benchmark_finds_what_it_planted():
    result = subprocess.run([sys.executable, "benchmarks/cross_check.py", "--rows", "3000"], cwd=ROOT,
                            capture_output=True, text=True, check=False, timeout=300,
                            env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    assert result.returncode == 0, result.stderr[-2000:]
    table = result.stdout.splitlines()[2].split("|")
    assert table[1].strip() == "3 x 3,000" and "(as planted)" in table[6]
    assert int(table[6].split()[0].replace(",", "")) > 0
