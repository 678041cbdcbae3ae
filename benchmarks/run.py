"""Runs every benchmark and writes BENCHMARKS.md (`make bench`). Each script prints its own figures; this one
collects them, with the machine and the date, so the file says where the numbers came from."""

from __future__ import annotations

import datetime
import os
import platform
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCRIPTS = [
    ("EVM: ownership, balances, full `auditor run` on an OKX-size file", ["benchmarks/evm.py"]),
    ("UTXO ownership", ["benchmarks/utxo_ownership.py"]),
    ("UTXO balance backends (regtest litecoind, ElectrumX, local Esplora server)", ["benchmarks/utxo_backends.py"]),
    ("TRON ownership and balances (local java-tron/TronGrid server)", ["benchmarks/tron.py"]),
    ("OKX zk-STARK v1 liabilities sum proofs", ["benchmarks/stark.py"]),
    ("OKX ECDSA-family ownership (XRP, FIL, ELF, CFX, LUNC, AVAX-X, FEVM)", ["benchmarks/okx_ecdsa_ownership.py"]),
    ("Ed25519 ownership (SOL, APTOS, SUI, TON, DOT, PI, ADA, NEAR)", ["benchmarks/ed25519_ownership.py"]),
    ("Liabilities: OKX Merkle-sum tree verification (generated, 1M leaves)", ["benchmarks/liabilities.py"]),
    ("Unattended runs: history, chart, metrics, retention, lock (per run)", ["benchmarks/unattended.py"]),
    ("EOS, Starknet and beacon-chain BLS ownership", ["benchmarks/eos_stark_bls_ownership.py"]),
    ("OKX scale: full `auditor run` over EVM, LTC multisig and TRON rows, per stage", ["benchmarks/okx_scale.py"]),
    ("Refusing an over-long (131072-character) address field, per network", ["benchmarks/long_fields.py"]),
]


def main() -> int:
    sections = [
        "# Benchmarks",
        "",
        f"Written by `make bench` (benchmarks/run.py) on {datetime.date.today()}: {os.cpu_count()} cores, "
        f"{platform.machine()}, Python {platform.python_version()}. Nodes run on the same machine as the auditor, "
        "so node CPU competes with ours; remote nodes shift the balance of costs (see notes).",
        "",
    ]
    for title, command in SCRIPTS:
        result = subprocess.run([sys.executable, *command], cwd=ROOT, capture_output=True, text=True, check=False,
                                env=os.environ | {"PYTHONPATH": str(ROOT)}, timeout=3600)
        output = result.stdout.strip() or result.stderr.strip()[-2000:]
        sections += [f"## {title}", "", output if output.startswith("|") else f"```\n{output}\n```", ""]
        print(f"{title}: exit {result.returncode}", file=sys.stderr)
    notes = ROOT / "benchmarks" / "NOTES.md"
    if notes.exists():
        sections += [notes.read_text().strip(), ""]
    (ROOT / "BENCHMARKS.md").write_text("\n".join(sections))
    return 0


if __name__ == "__main__":
    sys.exit(main())
