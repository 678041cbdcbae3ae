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


CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def _tree_pids(pid: int) -> list[int]:
    """A process and all its descendants (from /proc)."""
    found, pending = [], [pid]
    while pending:
        current = pending.pop()
        found.append(current)
        with contextlib.suppress(OSError):
            for task in Path(f"/proc/{current}/task").iterdir():
                pending.extend(int(c) for c in (task / "children").read_text().split())
    return found


def _cpu_ticks(stat_path: str) -> int | None:
    """utime + stime of /proc/<pid>/stat or /proc/<pid>/task/<tid>/stat, in clock ticks (None: gone)."""
    try:
        fields = Path(stat_path).read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return int(fields[11]) + int(fields[12])  # fields 14 and 15 of proc(5), counted after the ")"


class CpuMeter:
    """CPU-seconds of process trees and threads while the audit runs, from their /proc stat files: the
    stand-in nodes (anvil, litecoind: each a tree of processes) and the TRON server (a thread of this process)
    are measured apart from the auditor, so each figure says what that party costs."""

    def __init__(self, trees: dict[str, int | None], threads: dict[str, int | None]) -> None:
        self._trees = {name: pid for name, pid in trees.items() if pid}
        self._threads = {name: tid for name, tid in threads.items() if tid}
        self._start = self._sample()

    def _sample(self) -> dict[str, int]:
        ticks = {name: sum(_cpu_ticks(f"/proc/{p}/stat") or 0 for p in _tree_pids(pid))
                 for name, pid in self._trees.items()}
        ticks |= {name: _cpu_ticks(f"/proc/self/task/{tid}/stat") or 0 for name, tid in self._threads.items()}
        return ticks

    def seconds(self) -> dict[str, float]:
        now = self._sample()
        return {name: (now[name] - self._start[name]) / CLOCK_TICKS for name in now}


def run_audit(config: Path, log: Path, extra: list[str] | None = None, profile: Path | None = None,
              meter: CpuMeter | None = None) -> dict:
    """`python -m auditor run CONFIG` in a subprocess: wall time, exit code, peak RSS of the process tree, and
    the auditor's CPU-seconds (main process and workers: the larger of wait4's rusage, which holds every
    descendant reaped in the tree, and the sum of each process's last /proc sample), with `meter`'s parties'
    CPU-seconds over the same interval."""
    command = [sys.executable]
    if profile is not None and profile.suffix == ".txt":  # py-spy's sampled stacks (all processes), collapsed
        command = [str(Path(sys.executable).parent / "py-spy"), "record", "--format", "raw", "--subprocesses", "--rate", "50", "-o", str(profile), "--",
                   sys.executable]
    elif profile is not None:
        command += ["-m", "cProfile", "-o", str(profile)]
    command += ["-m", "auditor", "run", str(config), *(extra or [])]
    peak = 0
    last_ticks: dict[int, int] = {}  # per process of the auditor's tree: its CPU at the last sample
    started = time.perf_counter()
    with log.open("w") as handle:
        process = subprocess.Popen(command, cwd=ROOT, stdout=handle, stderr=subprocess.STDOUT,
                                   env=os.environ | {"PYTHONPATH": str(ROOT)})
        while True:
            peak = max(peak, _tree_rss_kb(process.pid))
            for pid in _tree_pids(process.pid):
                ticks = _cpu_ticks(f"/proc/{pid}/stat")
                if ticks is not None:
                    last_ticks[pid] = max(ticks, last_ticks.get(pid, 0))
            try:  # wait4 returns the exit status with the rusage of the process and its reaped descendants
                pid, status, usage = os.wait4(process.pid, os.WNOHANG)
            except ChildProcessError:
                break
            if pid:
                process.returncode = os.waitstatus_to_exitcode(status)
                break
            time.sleep(0.1)
    wall = time.perf_counter() - started
    sampled = sum(last_ticks.values()) / CLOCK_TICKS
    waited = usage.ru_utime + usage.ru_stime if pid else 0.0
    result = {"exit": process.returncode, "wall": wall, "peak_rss_mb": peak / 1024,
              "auditor_cpu_s": max(sampled, waited), "auditor_processes": len(last_ticks)}
    if meter is not None:
        result["other_cpu_s"] = meter.seconds()
    return result


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


def _bare_signatures(csv_path: str, part: int, parts: int) -> list[tuple[bytes, bytes]]:
    """(65-byte r || s || recovery id, 32-byte digest) of every signature of every `parts`-th row of the file,
    starting at row `part`: what one process of the bare-recovery measurement recovers."""
    import base64

    from chains.evm.ownership import personal_sign_of_hash
    from chains.tron.ownership import digest_v1
    from chains.utxo.messages import message_digest

    evm = personal_sign_of_hash(MESSAGE.encode())
    tron = digest_v1(MESSAGE.encode())  # one recovery per signature, as in the row check's first attempt
    ltc = message_digest(MESSAGE, "Litecoin Signed Message:\n")
    out: list[tuple[bytes, bytes]] = []
    with open(csv_path, newline="") as handle:
        records = csv.reader(handle)
        next(records)
        for index, record in enumerate(records):
            if index % parts != part:
                continue
            for text in (record[7], record[8]):
                if not text:
                    continue
                if record[2] == "LTC":
                    raw = base64.b64decode(text)
                    out.append((raw[1:] + bytes([(raw[0] - 27) & 3]), ltc))
                else:
                    raw = bytes.fromhex(text[2:])
                    out.append((raw[:64] + bytes([(raw[64] - 27) % 4]), evm if record[2] == "ETH" else tron))
    return out


def _bare_recover(task: tuple[str, int, int]) -> tuple[int, float, float]:
    """One process of the bare-recovery measurement: its signatures decoded first (not timed), then only
    coincurve's recovery, one call per signature."""
    from coincurve import PublicKey

    signatures = _bare_signatures(*task)
    recover = PublicKey.from_signature_and_message
    started, cpu_started = time.perf_counter(), time.thread_time()
    for signature, digest in signatures:
        recover(signature, digest, hasher=None)
    return len(signatures), time.perf_counter() - started, time.thread_time() - cpu_started


def bare_recovery(fixture: Fixture, processes: int = 2) -> dict:
    """The limit of the ownership stage on this machine: every signature of the file recovered by coincurve
    (libsecp256k1) in `processes` processes, nothing else (no parsing, hashing or address work). Rate =
    signatures / the slowest process's recovery time."""
    from concurrent.futures import ProcessPoolExecutor

    tasks = [(str(fixture.csv_path), part, processes) for part in range(processes)]
    with ProcessPoolExecutor(processes) as pool:
        done = list(pool.map(_bare_recover, tasks))
    signatures = sum(count for count, _, _ in done)
    seconds = max(elapsed for _, elapsed, _ in done)
    cpu = sum(cpu for _, _, cpu in done)
    return {"signatures": signatures, "seconds": seconds, "rate": signatures / seconds, "processes": processes,
            "cpu_s": cpu}


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
        tron_thread = ServerThread(ledger)
        with tron_thread as tron:
            config = write_config(tmp / "okx_scale.toml", fixture, tmp / "out", world, anvil.url, ltc.url,
                                  tron.url, workers=workers)
            results["bare"] = [bare_recovery(fixture, workers)]  # the limit, measured in this same run
            if verify:  # the ownership stage by itself: the same file and pipeline, no [networks]
                alone = write_config(tmp / "ownership_only.toml", fixture, tmp / "ownership", world, anvil.url,
                                     ltc.url, tron.url, workers=workers, networks=False)
                results["ownership_only"] = run_audit(alone, tmp / "ownership.log", ["--quiet"])
                results["ownership_only"]["timings"] = json.loads(
                    (tmp / "ownership" / "latest" / "timings.json").read_text())
                # again right after: the machine is shared, so the ownership run is compared with the limit
                # measured on either side of it
                results["bare"].append(bare_recovery(fixture, workers))
                results["evm_alone"] = evm_reads_alone(fixture, anvil.url, world)
            nodes = CpuMeter({"anvil": getattr(getattr(anvil, "_process", None), "pid", None),
                              "litecoind": ltc.pid},
                             {"TRON stand-in (thread)": tron_thread._thread.native_id})
            results["audit"] = run_audit(config, tmp / "audit.log", profile=profile, meter=nodes)
            results["bare"].append(bare_recovery(fixture, workers))  # again after: the machine's drift shows
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
    requests = timings.get("requests", {})
    if requests:
        lines += [
            "",
            "Requests the audit sent, per network (report.json `run.requests`, counted by the auditor's transport):",
            "",
            "| network | balances | requests | per 1,000 balances | JSON-RPC calls | retries | MB received |",
            "|---|---:|---:|---:|---:|---:|---:|",
        ]
        for network, sent in requests.items():
            read = timings["stages"].get(f"balances {network}", {}).get("done", 0)
            per = f"{sent['requests'] * 1000 / read:,.1f}" if read else "-"
            lines.append(f"| {network} | {read:,} | {sent['requests']:,} | {per} | {sent.get('calls', 0):,} | "
                         f"{sent.get('retries', 0):,} | {sent.get('bytes_received', 0) / 1e6:,.1f} |")
    bare = results["bare"]

    def limit_of(measured: list[dict]) -> float:
        return sum(b["signatures"] for b in measured) / sum(b["seconds"] for b in measured)

    limit = limit_of(bare[-2:])  # on either side of the full audit
    floor = signatures / limit if signatures else 0.0
    others = audit.get("other_cpu_s", {})
    rates = ", ".join(f"{b['rate']:,.0f}/s" for b in bare)
    lines += [
        f"- bare key recovery (coincurve, {bare[0]['processes']} processes, every signature of the file, nothing "
        f"else): {rates} (before the ownership-only run, after it, after the full audit); limit around the full "
        f"audit {limit:,.0f} signatures/s, so the signature floor of this file is {floor:.1f} s",
        f"- whole audit / signature floor: {wall / floor:.2f}x (target <= 2.5x)" if floor else "- no signatures",
        f"- CPU-seconds during the audit: auditor {audit['auditor_cpu_s']:.1f} (main process and "
        f"{audit['auditor_processes'] - 1} other processes: workers, forkserver); "
        + "; ".join(f"{name} {seconds:.1f}" for name, seconds in others.items()),
    ]
    if "ownership_only" in results:
        alone = results["ownership_only"]
        own = alone["timings"]["stages"]["ownership"]
        own_limit = limit_of(bare[:2])  # on either side of the ownership-only run
        bare_cpu_per_signature = sum(b["cpu_s"] for b in bare) / sum(b["signatures"] for b in bare)
        workers = bare[0]["processes"]

        def cpu_rate(stage: dict) -> float:  # signatures/s of `workers` processes spending the stage's CPU
            return stage["signatures"] / (stage.get("cpu_ms", 0) / 1000 / workers) if stage.get("cpu_ms") else 0.0

        full = timings["stages"].get("ownership", {})
        measures = [
            ("the stage's own cost: signatures / (its CPU-s in the workers / 2), full audit", cpu_rate(full), limit),
            ("the same, ownership-only run", cpu_rate(own), own_limit),
            ("the stage's span in the ownership-only run (paced by reading and aggregation in the main process)",
             own["signatures"] / own["span"], own_limit),
            ("the whole ownership-only run, start to exit (reading, classifying, writing the report included)",
             own["signatures"] / alone["wall"], own_limit),
        ]
        lines += [
            "",
            f"Ownership stage against the limit (bare recovery: {bare_cpu_per_signature * 1e6:.1f} CPU-us a "
            f"signature; target >= 80 %):",
            "",
            "| measure | signatures/s | bare recovery around it | ratio |",
            "|---|---:|---:|---:|",
            *(f"| {name} | {rate:,.0f} | {bound:,.0f} | {rate / bound:.0%} |" for name, rate, bound in measures),
            "",
            f"- ownership alone (`auditor run` without [networks], {own['done']:,} rows, {workers} worker processes): "
            f"{alone['wall']:.1f} s wall, {alone['auditor_cpu_s']:.1f} CPU-s (main process and workers), "
            f"{_rate(own['done'], alone['wall'])} rows; workers' CPU in the checks {own.get('cpu_ms', 0) / 1000:.1f} s "
            f"for {own['signatures']:,} signatures (bare recovery of them all: "
            f"{bare_cpu_per_signature * own['signatures']:.1f} CPU-s; rows repeating an address and signature "
            "under another coin are checked once)",
        ]
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
