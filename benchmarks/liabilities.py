"""OKX Merkle-sum tree verification: nodes/s and peak RSS on a generated tree (default 1,000,000 leaves).

The tree is generated level by level into temporary files (each level right to left, as OKX lists it, padding
included) and concatenated root first, so the generator's memory is flat too. The verification runs in a fresh
process, whose peak RSS is what we report.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
COINS = ("BTC", "ETH", "USDT")


def _text(value: Decimal) -> str:
    return "0" if value == 0 else format(value.normalize(), "f")


def _line(node_hash: str, level: int, values) -> str:
    body = ",".join(f'"{c}":"{_text(v)}"' for c, v in zip(COINS, values, strict=True))
    return f"{node_hash},{level},{{{body}}}\n"


def _leaf(index: int) -> tuple[str, tuple[Decimal, ...]]:
    digest = hashlib.sha256(index.to_bytes(8, "big")).digest()
    values = tuple(Decimal(int.from_bytes(digest[i:i + 3], "big") * ((index + i) % 3 != 0)).scaleb(-8)
                   for i in (0, 4, 8))
    return digest.hex(), values


def _parse(line: str) -> tuple[str, tuple[Decimal, ...]]:
    node_hash, _level, body = line.split(",", 2)
    data = json.loads(body)
    return node_hash, tuple(Decimal(data[c]) for c in COINS)


def generate(path: Path, leaves: int, work: Path) -> int:
    """Writes the tree to `path`; returns its node count."""
    zero = (Decimal(0),) * 3
    level_files = []
    first = work / "level1.txt"
    with first.open("w") as out:  # leaves, right to left, padding first when odd
        if leaves % 2 and leaves > 1:
            out.write(_line(_leaf(leaves - 1)[0], 1, zero))
        for index in range(leaves - 1, -1, -1):
            leaf_hash, values = _leaf(index)
            out.write(_line(leaf_hash, 1, values))
    level_files.append(first)
    count, level = leaves + (leaves % 2 and leaves > 1), 1
    while count > 1:
        level += 1
        parents = count // 2
        target = work / f"level{level}.txt"
        with level_files[-1].open() as source, target.open("w") as out:
            for number in range(parents):
                right_hash, right = _parse(source.readline())
                left_hash, left = _parse(source.readline())
                sums = tuple(a + b for a, b in zip(left, right, strict=True))
                text = left_hash + right_hash + "".join(_text(v) for v in sums) + str(level)
                node_hash = hashlib.sha256(text.encode()).hexdigest()
                if number == 0 and parents % 2 and parents > 1:
                    out.write(_line(node_hash, level, zero))
                out.write(_line(node_hash, level, sums))
        count = parents + (parents % 2 and parents > 1)
        level_files.append(target)
    nodes = 0
    with path.open("w") as out:
        for part in reversed(level_files):
            with part.open() as source:
                for line in source:
                    out.write(line)
                    nodes += 1
            part.unlink()
    return nodes


def verify_child(path: Path) -> None:
    sys.path.insert(0, str(ROOT))
    from auditor.liabilities.okx_tree import verify_okx_tree

    started = time.perf_counter()
    tree = verify_okx_tree(path)
    elapsed = time.perf_counter() - started
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"seconds": elapsed, "nodes": tree.nodes, "leaves": tree.leaves, "peak_rss_mb": peak_kb / 1024}))


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--leaves", type=int, default=1_000_000)
    parser.add_argument("--verify", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.verify:
        verify_child(args.verify)
        return 0
    work = Path(tempfile.mkdtemp(prefix="liab-bench-"))
    try:
        tree = work / "tree.txt"
        started = time.perf_counter()
        nodes = generate(tree, args.leaves, work)
        generated = time.perf_counter() - started
        size_mb = tree.stat().st_size / 2**20
        result = subprocess.run([sys.executable, __file__, "--verify", str(tree)], capture_output=True, text=True,
                                check=True, env=os.environ | {"PYTHONPATH": str(ROOT)})
        figures = json.loads(result.stdout)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    rate = figures["nodes"] / figures["seconds"]
    print("| measure | value |")
    print("|---|---:|")
    print(f"| leaves / nodes (file size) | {figures['leaves']:,} / {nodes:,} ({size_mb:,.0f} MB) |")
    print(f"| OKX tree verification, every hash and sum to the root | {figures['seconds']:.1f} s, {rate:,.0f} nodes/s |")
    print(f"| peak RSS of the verifying process | {figures['peak_rss_mb']:.0f} MB |")
    print(f"| (generating the tree, not the auditor's cost) | {generated:.1f} s |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
