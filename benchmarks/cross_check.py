"""`auditor cross-check` over three OKX-size files (628,484 rows each): time and peak RSS.

benchmarks/okx_fixture.py's generator does not fit: it signs every row (minutes) and writes Litecoin regtest
addresses, which a cross-check compares against mainnet forms. Double claims need no signatures, so this one
writes OKX 12-column files with the same mix (60 % EVM rows: ETH, USDT-ERC20 and USDC-ERC20 on each address;
25 % LTC mainnet P2SH/P2WSH; 15 % TRON: TRX and USDT-TRC20) from hashed indexes, with placeholder signatures.
Each exchange has its own addresses; 1 address in 1,000 of each file is also claimed by the next exchange, and
1 row in 5,000 repeats an earlier row of its own file, so the expected overlaps are known and checked.

The check runs as `python -m auditor cross-check` in a child process: its peak RSS (ru_maxrss of the children)
excludes the generator.

Run: python benchmarks/cross_check.py [--rows N]
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from chains.tron import addresses as tron_addresses
from chains.utxo.addresses import ScriptType, encode_address
from chains.utxo.params import UtxoParams

ROWS = 628_484
FILES = 3
HEADER = ["coin", "Type", "Network", "Snapshot Height", "address", "amount", "message", "signature1", "signature2",
          "redeem script/public key", "EOA1", "EOA2"]
LTC = UtxoParams(code="LTC", p2pkh=b"\x30", p2sh=b"\x32", hrp="ltc", message_magic="Litecoin Signed Message:\n")
SHARED_EVERY = 1000  # addresses also claimed by the next exchange
REPEAT_EVERY = 5000  # rows repeated within their own file


def _hash(*parts: object) -> bytes:
    return hashlib.blake2b("/".join(map(str, parts)).encode(), digest_size=32).digest()


def _rows_for(exchange: int, i: int) -> list[list[str]]:
    """The rows of address i of an exchange: its seed is the previous exchange's for shared addresses."""
    owner = exchange - 1 if exchange and i % SHARED_EVERY == exchange else exchange
    seed = _hash(owner, i)
    kind = i % 20  # 12 EVM, 5 LTC, 3 TRON per 20 addresses
    if kind < 12:
        address = "0x" + seed[:20].hex()
        return [[coin, "Non Staking", "ETH", "24000000", address, str(seed[25] + 1), "I am an OKX address", "0x",
                 "", "", "", ""] for coin in ("ETH", "USDT-ERC20", "USDC-ERC20")]
    if kind < 17:
        script_type = ScriptType.P2WSH if i % 2 else ScriptType.P2SH
        address = encode_address(script_type, seed if i % 2 else seed[:20], LTC)
        return [["LTC", "Non Staking", "LTC", "2900000", address, f"{seed[25]}.5", "I am an OKX address", "x", "x",
                 "52ae", "", ""]]
    address = tron_addresses.encode(b"\x41" + seed[:20])
    return [[coin, "Non Staking", "TRON", "70000000", address, str(seed[26]), "I am an OKX address", "0x", "", "", "",
             ""] for coin in ("TRX", "USDT-TRC20")]


def write_file(path: Path, exchange: int, rows: int) -> set[tuple[str, str]]:
    """Write `rows` detail rows; returns the (address, coin) of the rows that are double claims: those also in the
    previous exchange's file, and those repeated within this one."""
    written = 0
    claimed: set[tuple[str, str]] = set()
    earlier: list[list[str]] = []
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(HEADER)
        i = 0
        while written < rows:
            for row in _rows_for(exchange, i):
                if written >= rows:
                    break
                if written and written % REPEAT_EVERY == 0 and earlier:
                    writer.writerow(earlier[-1])
                    claimed.add((earlier[-1][4], earlier[-1][0]))
                    written += 1
                    if written >= rows:
                        break
                writer.writerow(row)
                written += 1
                if exchange and i % SHARED_EVERY == exchange:
                    claimed.add((row[4], row[0]))
                if written % 997 == 0:
                    earlier.append(row)
                    del earlier[:-1]
            i += 1
    return claimed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=ROWS)
    args = parser.parse_args()
    root = Path(__file__).resolve().parents[1]
    work = Path(tempfile.mkdtemp(prefix="cross-check-bench-"))
    try:
        paths = []
        expected: set[tuple[str, str]] = set()
        began = time.perf_counter()
        for exchange in range(FILES):
            path = work / f"exchange{exchange}.csv"
            expected |= write_file(path, exchange, args.rows)
            paths.append(path)
        generated = time.perf_counter() - began
        names = [f"EX{n}={p}" for n, p in enumerate(paths)]
        began = time.perf_counter()
        child = subprocess.run([sys.executable, "-m", "auditor", "cross-check", *names, "--out", str(work / "out")],
                               cwd=root, capture_output=True, text=True, check=False,
                               env=os.environ | {"PYTHONPATH": str(root)})
        elapsed = time.perf_counter() - began
        peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        if child.returncode not in (0, 1):
            raise SystemExit(f"cross-check exited {child.returncode}: {child.stderr[-2000:]}")
        summary = json.loads((work / "out" / "summary.json").read_text())
        if summary["double_claimed_balances"] != len(expected):
            raise SystemExit(f"expected {len(expected)} double-claimed balances, found "
                             f"{summary['double_claimed_balances']}")
        size_mb = sum(p.stat().st_size for p in paths) / 1e6
        total = FILES * args.rows
        print("| files x rows | input | time | rows/s | peak RSS | double-claimed balances (across exchanges + "
              "within a file) | claims in them | generating the files |")
        print("|---|---:|---:|---:|---:|---:|---:|---:|")
        print(f"| {FILES} x {args.rows:,} | {size_mb:,.0f} MB | {elapsed:.1f} s | {total / elapsed:,.0f} | "
              f"{peak_mb:,.0f} MB | {summary['double_claimed_balances']:,} (as planted) | "
              f"{summary['claims_in_double_claims']:,} "
              f"| {generated:.1f} s |")
        print()
        print(f"Exit code {child.returncode}. Each exchange's file shares 1 address in {SHARED_EVERY:,} with the "
              f"previous exchange's and repeats 1 row in {REPEAT_EVERY:,}; addresses are normalised per family "
              "(EIP-55 checksums, base58check, bech32) and indexed in an on-disk SQLite table (16-byte digests).")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
