"""How long `auditor init` takes on a large OKX file: builds an okx-12col file of N rows (default 100,000; OKX's
monthly file has 628,484) over ten networks, times `write_config` (one streamed pass plus rendering) and prints
a markdown section. Signatures are not checked by init, so the rows carry a fixed placeholder signature.

    python benchmarks/init_speed.py [--rows N] [--file EXISTING.csv]
"""

from __future__ import annotations

import argparse
import csv
import random
import resource
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from auditor.init_config import write_config

NETWORKS = {  # network column -> (coin codes, snapshot height)
    "ETH": (("ETH", "USDT-ERC20", "USDC"), 21_000_000),
    "ARBITRUM": (("ETH-ARBITRUM", "USDT-ARBITRUM"), 250_000_000),
    "BSC": (("BNB", "USDT-BEP20"), 45_000_000),
    "TRON": (("TRX", "USDT-TRC20"), 68_000_000),
    "BTC": (("BTC",), 870_000),
    "LTC": (("LTC",), 2_800_000),
    "XRP": (("XRP",), 92_000_000),
    "APTOS": (("APTOS",), 250_000_000),
    "SOL": (("SOL",), 300_000_000),
    "TON": (("TONCOIN",), 45_000_000),
}


def build(path: Path, rows: int) -> None:
    rng = random.Random(18)
    codes = list(NETWORKS)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerows([["coin", "snapshot height", "amount"], ["ETH(ALL)", "-", "1"], []])
        writer.writerow(["coin", "Type", "Network", "Snapshot Height", "address", "amount", "message", "signature1",
                         "signature2", "redeem script/public key", "EOA1", "EOA2"])
        signature = "0x" + "ab" * 65
        for index in range(rows):
            network = codes[index % len(codes)]
            coins, height = NETWORKS[network]
            writer.writerow([coins[index % len(coins)], "Non Staking", network, height, f"0x{index:040x}",
                             Decimal(rng.randrange(1, 10**12)).scaleb(-6), "I am an OKX address", signature,
                             "", "", "", ""])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--file", type=Path, help="time init on this file instead of a generated one")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        if args.file is not None:
            source, label = args.file, args.file.name
        else:
            source = Path(folder) / "okx_por.csv"
            build(source, args.rows)
            label = f"generated okx-12col, {args.rows:,} rows"
        size = source.stat().st_size
        started = time.perf_counter()
        _target, survey = write_config(source, Path(folder) / "config.toml")
        elapsed = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print("## auditor init\n")
    print("| file | rows | MB | seconds | rows/s | peak RSS MB |")
    print("|---|---:|---:|---:|---:|---:|")
    print(f"| {label} | {survey.rows:,} | {size / 1e6:.1f} | {elapsed:.2f} | {survey.rows / elapsed:,.0f} | "
          f"{peak:.0f} |")


if __name__ == "__main__":
    main()
