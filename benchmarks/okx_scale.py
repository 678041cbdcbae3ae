"""OKX scale: a full `auditor run` over an OKX 12-column file of N rows (default 628,484, one OKX month) with
real keys and signatures, against a local anvil, a regtest litecoind and the local TRON server, all funded
to match (see benchmarks/okx_fixture.py). Prints the wall time of each stage, rows/s, signatures/s, balance
reads/s and peak RSS, then a naive baseline on a 5,000-row sample (eth_account recovery and one web3 call per
row) and the ratio.

    .venv/bin/python benchmarks/okx_scale.py [--rows 628484] [--baseline-rows 5000] [--profile DIR]

Building the fixture is not timed with the audit; it is cached in benchmarks/.cache keyed by N.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import json
import os
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from auditor.demo.anvil import Anvil  # noqa: E402
from benchmarks.okx_fixture import (  # noqa: E402
    HEIGHTS,
    MESSAGE,
    Fixture,
    build_fixture,
    fund_anvil,
    fund_litecoind,
    tron_ledger,
    write_config,
)
from tests.nodes.litecoind import Litecoind  # noqa: E402
from tests.nodes.tron_server import ServerThread  # noqa: E402

CACHE = ROOT / "benchmarks" / ".cache"
ASSET_OF = {"ETH": ("ETH", "ETH", 18), "USDT-ERC20": ("USDT", "ETH", 6), "USDC-ERC20": ("USDC", "ETH", 6),
            "LTC": ("LTC", "LTC", 8), "TRX": ("TRX", "TRON", 6), "USDT-TRC20": ("USDT", "TRON", 6)}


def _tree_rss_kb(pid: int) -> int:
    """Resident memory of a process and all its descendants, in KiB (from /proc)."""
    total, pending = 0, [pid]
    while pending:
        current = pending.pop()
        with contextlib.suppress(OSError):
            for line in Path(f"/proc/{current}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
            for task in Path(f"/proc/{current}/task").iterdir():
                children = (task / "children").read_text().split()
                pending.extend(int(c) for c in children)
    return total


def run_audit(config: Path, log: Path, extra: list[str] | None = None, profile: Path | None = None) -> dict:
    """`python -m auditor run CONFIG` in a subprocess: wall time, exit code, peak RSS of the process tree."""
    command = [sys.executable]
    if profile is not None and profile.suffix == ".txt":  # py-spy's sampled stacks (all processes), collapsed
        command = [str(Path(sys.executable).parent / "py-spy"), "record", "--format", "raw", "--subprocesses", "--rate", "50", "-o", str(profile), "--",
                   sys.executable]
    elif profile is not None:
        command += ["-m", "cProfile", "-o", str(profile)]
    command += ["-m", "auditor", "run", str(config), *(extra or [])]
    peak = 0
    started = time.perf_counter()
    with log.open("w") as handle:
        process = subprocess.Popen(command, cwd=ROOT, stdout=handle, stderr=subprocess.STDOUT,
                                   env=os.environ | {"PYTHONPATH": str(ROOT)})
        while process.poll() is None:
            peak = max(peak, _tree_rss_kb(process.pid))
            time.sleep(0.2)
    return {"exit": process.returncode, "wall": time.perf_counter() - started, "peak_rss_mb": peak / 1024}


def evm_reads_alone(fixture: Fixture, anvil_url: str, world) -> dict:
    """The EVM adapter by itself over every address-asset pair of the file at the snapshot (Multicall3,
    1,000 per call, 4 in flight): what the EVM balance stage can do when it has the machine."""
    import asyncio

    from auditor.assets import AssetRegistry
    from chains.base import BalanceQuery, Endpoint
    from chains.evm.adapter import EvmBalanceAdapter

    queries = [BalanceQuery(record[0].lower(), contract)
               for record in fixture.funding()["evm"] for contract in (None, world.usdt.lower(), world.usdc.lower())]
    endpoint = Endpoint(url=anvil_url, backend="jsonrpc", display=anvil_url, batch_size=1000, max_concurrency=4,
                        requests_per_second=0)

    async def read() -> tuple[float, int]:
        async with EvmBalanceAdapter(AssetRegistry.load().network("ETH"), endpoint) as adapter:
            await adapter.snapshot(world.height)
            started = time.perf_counter()
            answers = await adapter.fetch_balances(queries, world.height)
            return time.perf_counter() - started, sum(a.amount or 0 for a in answers.values())

    seconds, total = asyncio.run(read())
    expected = sum(sum(record[1:4]) for record in fixture.funding()["evm"])
    return {"pairs": len(queries), "seconds": seconds, "exact": total == expected}


def check_totals(report: dict, fixture: Fixture) -> list[str]:
    """Differences between the report's verified on-chain totals and what the fixture funded (empty: none)."""
    expected: dict[tuple[str, str], Decimal] = {}
    for coin, amount in fixture.expected_totals().items():
        asset, network, decimals = ASSET_OF[coin]
        expected[(asset, network)] = expected.get((asset, network), Decimal(0)) + Decimal(amount).scaleb(-decimals)
    problems = []
    for (asset, network), amount in sorted(expected.items()):
        found = report["assets"].get(asset, {}).get("networks", {}).get(network, {}).get("onchain_verified")
        if found is None or Decimal(found) != amount:
            problems.append(f"{asset} on {network}: report {found}, funded {amount}")
    return problems


def naive_baseline(fixture: Fixture, anvil_url: str, contracts: dict[str, str], sample: int) -> dict:
    """eth_account recovery and one web3 call per row, over the first `sample` EVM rows of the file."""
    from eth_account import Account
    from eth_account.messages import encode_defunct
    from web3 import HTTPProvider, Web3

    from chains.signing.secp256k1 import keccak256

    rows = []
    with fixture.csv_path.open(newline="") as handle:
        for record in csv.reader(handle):
            if len(record) == 12 and record[2] == "ETH" and not record[10]:
                rows.append(record)
                if len(rows) == sample:
                    break
    w3 = Web3(HTTPProvider(anvil_url))
    abi = [{"name": "balanceOf", "type": "function", "stateMutability": "view",
            "inputs": [{"name": "a", "type": "address"}], "outputs": [{"name": "", "type": "uint256"}]}]
    tokens = {coin: w3.eth.contract(address=Web3.to_checksum_address(c), abi=abi) for coin, c in contracts.items()}
    digest = encode_defunct(primitive=keccak256(MESSAGE.encode()))
    started = time.perf_counter()
    for _, _, _, _, address, _, _, signature, *_ in rows:
        assert Account.recover_message(digest, signature=signature) == address
    recovered = time.perf_counter()
    for coin, _, _, height, address, *_ in rows:
        if coin == "ETH":
            w3.eth.get_balance(address, block_identifier=int(height))
        else:
            tokens[coin].functions.balanceOf(address).call(block_identifier=int(height))
    done = time.perf_counter()
    return {"rows": len(rows), "recover_s": recovered - started, "balances_s": done - recovered,
            "rows_per_s": len(rows) / (done - started)}


def run_benchmark(rows: int, cache: Path = CACHE, baseline_rows: int = 5000, workers: int = 2,
                  profile: Path | None = None, keep: Path | None = None, verify: bool = True) -> dict:
    started = time.perf_counter()
    fixture = build_fixture(rows, cache)
    results: dict = {"rows": rows, "fixture_s": time.perf_counter() - started,
                     "file_mb": fixture.csv_path.stat().st_size / 1e6}
    with tempfile.TemporaryDirectory(prefix="okx-scale-") as tmp_name, Anvil(chain_id=1) as anvil, \
            Litecoind() as ltc:
        tmp = Path(keep or tmp_name)
        tmp.mkdir(parents=True, exist_ok=True)
        started = time.perf_counter()
        world = fund_anvil(anvil, fixture)
        fund_litecoind(ltc, fixture)
        ledger = tron_ledger(fixture)
        results["funding_s"] = time.perf_counter() - started
        with ServerThread(ledger) as tron:
            config = write_config(tmp / "okx_scale.toml", fixture, tmp / "out", world, anvil.url, ltc.url,
                                  tron.url, workers=workers)
            if verify:  # the ownership stage by itself: the same file and pipeline, no [networks]
                alone = write_config(tmp / "ownership_only.toml", fixture, tmp / "ownership", world, anvil.url,
                                     ltc.url, tron.url, workers=workers, networks=False)
                results["ownership_only"] = run_audit(alone, tmp / "ownership.log", ["--quiet"])
                results["ownership_only"]["timings"] = json.loads(
                    (tmp / "ownership" / "latest" / "timings.json").read_text())
                results["evm_alone"] = evm_reads_alone(fixture, anvil.url, world)
            results["audit"] = run_audit(config, tmp / "audit.log", profile=profile)
            latest = tmp / "out" / "latest"
            if not (latest / "report.json").exists():
                raise RuntimeError(f"no report; log: {(tmp / 'audit.log').read_text()[-3000:]}")
            report = json.loads((latest / "report.json").read_text())
            results["timings"] = json.loads((latest / "timings.json").read_text())
            results["report_rows"] = report["rows"]
            results["total_problems"] = check_totals(report, fixture)
            results["expected"] = fixture.expected_totals()
            if baseline_rows:
                results["baseline"] = naive_baseline(
                    fixture, anvil.url, {"USDT-ERC20": world.usdt, "USDC-ERC20": world.usdc}, baseline_rows)
    return results


def _rate(count: float, seconds: float) -> str:
    return f"{count / seconds:,.0f}/s" if seconds > 0 else "-"


def table(results: dict) -> str:
    audit, timings = results["audit"], results["timings"]
    wall = audit["wall"]
    lines = [
        f"`auditor run` on {results['rows']:,} OKX 12-column rows ({results['file_mb']:.0f} MB): exit "
        f"{audit['exit']}, {wall:.1f} s wall (process start to exit), peak RSS {audit['peak_rss_mb']:.0f} MB "
        "(auditor and its worker processes together)",
        "",
        "| stage | items | busy s | span s | rate |",
        "|---|---:|---:|---:|---:|",
    ]
    for name, stage in timings["stages"].items():
        span = stage["span"]
        lines.append(f"| {name} | {stage['done']:,} {stage['unit']} | {stage['busy']:.1f} | {span:.1f} | "
                     f"{_rate(stage['done'], span)} |")
    rows = results["report_rows"]
    signatures = timings["stages"].get("ownership", {}).get("signatures", 0)
    balances = sum(s["done"] for n, s in timings["stages"].items() if n.startswith("balances "))
    lines += [
        "",
        f"- whole run: {_rate(rows['total'], wall)} rows; audit wall inside the process "
        f"{timings['wall']:.1f} s; signatures checked {signatures:,} ({_rate(signatures, timings['wall'])} over the run)",
        f"- balance reads: {balances:,} ({_rate(balances, timings['wall'])} over the run)",
        f"- rows: {rows}",
        f"- totals equal to what was funded: {'yes' if not results['total_problems'] else results['total_problems']}",
        f"- fixture build (not timed with the audit): {results['fixture_s']:.0f} s; funding the chains "
        f"{results['funding_s']:.0f} s; LTC: only a sample of the multisig addresses is funded (the rest hold 0)",
    ]
    if "ownership_only" in results:
        alone = results["ownership_only"]
        own = alone["timings"]["stages"]["ownership"]
        lines.append(f"- ownership alone (`auditor run` without [networks], {own['done']:,} rows, 2 worker processes): "
                     f"{alone['wall']:.1f} s wall, {_rate(own['done'], alone['wall'])} rows, "
                     f"{_rate(own['signatures'], alone['wall'])} signatures (ownership stage span {own['span']:.1f} s: "
                     f"{_rate(own['signatures'], own['span'])} signatures)")
        evm = results["evm_alone"]
        lines.append(f"- EVM balance reads alone (the adapter, Multicall3 1,000 per call, 4 in flight): {evm['pairs']:,} "
                     f"address-asset pairs in {evm['seconds']:.1f} s = {_rate(evm['pairs'], evm['seconds'])}, "
                     f"total exact: {evm['exact']}")
    if "baseline" in results:
        base = results["baseline"]
        ratio = (rows["total"] / wall) / base["rows_per_s"]
        lines.append(f"- naive baseline ({base['rows']:,} EVM rows: eth_account recovery {base['recover_s']:.1f} s, "
                     f"one web3 call per row {base['balances_s']:.1f} s): {base['rows_per_s']:,.0f} rows/s; "
                     f"`auditor run` is {ratio:,.1f}x faster")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=628_484)
    parser.add_argument("--baseline-rows", type=int, default=5000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--profile", type=Path, help="write a cProfile of the auditor's main process here "
                        "(or, for a .txt path, py-spy's collapsed stacks of all its processes)")
    parser.add_argument("--keep", type=Path, help="keep the run directory, config and log here")
    args = parser.parse_args()
    results = run_benchmark(args.rows, baseline_rows=args.baseline_rows, workers=args.workers,
                            profile=args.profile, keep=args.keep)
    print(table(results))
    print(f"\nmeasured {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {os.cpu_count()} cores; "
          f"snapshot heights {HEIGHTS}")


if __name__ == "__main__":
    main()
