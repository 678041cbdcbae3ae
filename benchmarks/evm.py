"""EVM benchmarks: ownership verifications/s, balances/s (Multicall3 vs JSON-RPC batch vs web3), and a full
`auditor run` over an OKX-size file (628,484 rows) with its peak memory. Prints Markdown for BENCHMARKS.md.

    .venv/bin/python benchmarks/evm.py [--rows 628484]
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from coincurve import PrivateKey

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from auditor.assets import AssetRegistry  # noqa: E402
from auditor.demo.anvil import Anvil  # noqa: E402
from auditor.demo.chain import DemoChain  # noqa: E402
from auditor.demo.signing import evm_address, sign_okx_evm  # noqa: E402
from chains.base import AddressRow, BalanceQuery, Endpoint  # noqa: E402
from chains.evm import EvmFamily  # noqa: E402
from chains.evm.adapter import EvmBalanceAdapter  # noqa: E402

MESSAGE = "I am an OKX address"
HEADER = ["coin", "Network", "Snapshot Height", "address", "amount", "message", "signature1", "signature2",
          "redeem script/ public key", " eoa1", " eoa2"]


def keys(count: int) -> list[PrivateKey]:
    return [PrivateKey((i + 1).to_bytes(32, "big")) for i in range(count)]


def bench_ownership(count: int = 20_000) -> str:
    network = AssetRegistry.load().network("ETH")
    family = EvmFamily()
    rows = [AddressRow(i, "ETH", "ETH", evm_address(k), message=MESSAGE, signature1=sign_okx_evm(k, MESSAGE))
            for i, k in enumerate(keys(count))]
    started = time.perf_counter()
    verified = sum(family.verify_ownership(row, network).status == "verified" for row in rows)
    elapsed = time.perf_counter() - started
    assert verified == count
    return f"| EVM ownership (personal_sign of keccak, coincurve recovery) | {count:,} rows | {count / elapsed:,.0f} rows/s |"


async def _adapter_rate(url: str, queries: list[BalanceQuery], height: int, batch: int) -> tuple[float, str]:
    endpoint = Endpoint(url=url, backend="jsonrpc", display=url, batch_size=batch, max_concurrency=4,
                        requests_per_second=0)
    network = AssetRegistry.load().network("ETH")
    async with EvmBalanceAdapter(network, endpoint) as adapter:
        await adapter.snapshot(height)
        started = time.perf_counter()
        answers = await adapter.fetch_balances(queries, height)
        elapsed = time.perf_counter() - started
    methods = {a.method for a in answers.values()}
    assert all(a.ok for a in answers.values())
    return len(queries) / elapsed, ",".join(sorted(methods))


def bench_balances(count: int = 20_000) -> list[str]:
    from web3 import HTTPProvider, Web3

    lines = []
    with Anvil(chain_id=1) as node:
        chain = DemoChain(node)
        token = chain.deploy_token("Bench USD", "BUSD", 6)
        holders = [evm_address(k) for k in keys(count // 2)]
        for address in holders[:50]:
            chain.mint(token, address, 10**6)
        before_multicall = chain.mine()
        chain.deploy_multicall3()
        height = chain.mine()
        queries = [q for h in holders for q in (BalanceQuery(h.lower()), BalanceQuery(h.lower(), token.lower()))]
        rate, method = asyncio.run(_adapter_rate(node.url, queries, height, 500))
        lines.append(f"| EVM balances, {method}, 500 per call, 4 in flight | {len(queries):,} balances | {rate:,.0f} balances/s |")
        rate, method = asyncio.run(_adapter_rate(node.url, queries, before_multicall, 500))
        lines.append(f"| EVM balances, {method} (no Multicall3 at block), 500 per batch | {len(queries):,} balances | {rate:,.0f} balances/s |")
        w3 = Web3(HTTPProvider(node.url))
        sample = holders[:1000]
        started = time.perf_counter()
        for address in sample:
            w3.eth.get_balance(address, block_identifier=height)
        rate = len(sample) / (time.perf_counter() - started)
        lines.append(f"| web3.py `eth.get_balance`, one call each (baseline) | {len(sample):,} balances | {rate:,.0f} balances/s |")
    return lines


def write_big_file(path: Path, rows: int, height: int, token_coin: str) -> None:
    """An OKX 11-column file of `rows` distinct rows: each address holds ETH and the token (two rows, one
    signature), as exchange files list them. Every row is a valid proof and none is a duplicate."""
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["coin", "snapshot height", "amount"])
        writer.writerow(["ETH", height, "0"])
        writer.writerow([])
        writer.writerow(HEADER)
        for k in range((rows + 1) // 2):
            key = PrivateKey((k + 1).to_bytes(32, "big"))
            address, signature = evm_address(key), sign_okx_evm(key, MESSAGE)
            for coin in ("ETH", token_coin)[: rows - 2 * k]:
                writer.writerow([coin, "ETH", height, address, "0", MESSAGE, signature, "", "", "", ""])


def bench_full_run(rows: int) -> list[str]:
    lines = []
    with tempfile.TemporaryDirectory() as tmp, Anvil(chain_id=1) as node:
        tmp_path = Path(tmp)
        chain = DemoChain(node)
        chain.deploy_multicall3()
        token = chain.deploy_token("Bench USD", "BUSD", 6)
        height = chain.mine()
        path = tmp_path / "big.csv"
        started = time.perf_counter()
        write_big_file(path, rows, height, "USDT-ERC20")
        size = path.stat().st_size
        config = tmp_path / "bench.toml"
        config.write_text(
            f'[input]\nfile = "{path}"\n[output]\ndir = "{tmp_path / "out"}"\n'
            f'[networks.ETH]\nurl = "{node.url}"\nchain_id = 1\nbatch_size = 1000\nmax_concurrency = 4\n'
            f'requests_per_second = 1000000\n[registry.tokens.USDT-ERC20]\ncontract = "{token}"\n'
        )
        lines.append(f"| generating the file ({rows:,} rows, {size / 1e6:.0f} MB) | - | {time.perf_counter() - started:.0f} s |")
        command = [sys.executable, "-c",
                   "import resource, sys, time; from auditor.cli import main; t = time.perf_counter(); "
                   f"code = main(['run', '{config}']); "
                   "print('ELAPSED', time.perf_counter() - t, 'RSS', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, 'EXIT', code)"]
        output = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, check=False,
                                env=os.environ | {"PYTHONPATH": str(ROOT)})
        stats = output.stdout.split("ELAPSED")[-1].split()
        elapsed, rss_kb, code = float(stats[0]), int(stats[2]), stats[4]
        lines.append(f"| `auditor run`, {rows:,} rows ({size / 1e6:.0f} MB), ownership + balances + report, exit {code} "
                     f"| {rows / elapsed:,.0f} rows/s | {elapsed:.0f} s, peak RSS {rss_kb / 1024:.0f} MB |")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=628_484)
    args = parser.parse_args()
    print("| benchmark | size | result |\n|---|---:|---:|")
    print(bench_ownership(), flush=True)
    for line in bench_balances():
        print(line, flush=True)
    for line in bench_full_run(args.rows):
        print(line, flush=True)
    print(f"\nmachine: {os.cpu_count()} cores, python {sys.version.split()[0]}, "
          f"self peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()
