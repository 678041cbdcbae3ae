"""What unattended runs add to each audit: recording the run in a year-long history, comparing with the previous
run, drawing the 90-run chart, writing the metrics file, pruning old run directories, taking the lock (no
network: the bookkeeping around `run_audit`, on a history of RUNS runs of ASSETS assets); then the demo's
26-row audit on two local anvil nodes, `run_audit` alone against `auditor run` with all of it.

Run: python benchmarks/unattended.py [RUNS] [ASSETS]
"""

from __future__ import annotations

import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from auditor.ops.chart import ratio_chart
from auditor.ops.history import AssetRecord, RunHistory, RunRecord, compare
from auditor.ops.lock import RunLock
from auditor.ops.metrics import render, write_atomically
from auditor.ops.retention import prune_runs

CONFIG = "/srv/auditor/configs/okx.toml"


def record(day: int, assets: int) -> RunRecord:
    start = datetime(2026, 1, 1, 3, tzinfo=UTC) + timedelta(days=day)
    return RunRecord(
        started_at=start.strftime("%Y-%m-%dT%H:%M:%SZ"), config_path=CONFIG, exit_code=0, duration_seconds=92.5,
        run_id=start.strftime("%Y%m%dT%H%M%SZ"), rows={"total": 628484, "verified": 628000, "failed": 0,
                                                       "unchecked": 484, "duplicate": 0},
        snapshots=(("ETH", 21000000 + day * 7200, "0x" + "ab" * 32), ("BTC", 870000 + day * 144, "00" * 32)),
        assets=tuple(AssetRecord(f"A{i:02d}", Decimal("123456789.123456789012345678") + day, Decimal("123456789"),
                                 Decimal("123456789"), Decimal("120000000"), Decimal("1.028806") + Decimal(day) / 10**4,
                                 Decimal("1"), True) for i in range(assets)),
    )


def timed(label: str, repeat: int, action) -> tuple[str, float]:
    started = time.perf_counter()
    for _ in range(repeat):
        action()
    return label, (time.perf_counter() - started) / repeat * 1000


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 365
    assets = int(sys.argv[2]) if len(sys.argv) > 2 else 30
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        history = RunHistory(out)
        history.initialise(CONFIG)
        fill_started = time.perf_counter()
        for day in range(runs):
            history.record(record(day, assets))
        fill = (time.perf_counter() - fill_started) / runs * 1000
        latest = record(runs, assets)
        for day in range(runs):
            (out / record(day, 0).run_id).mkdir()
        last90 = history.runs(CONFIG, 90)
        points = [(r.started_at, {a.asset: a.ratio for a in r.assets}) for r in last90]
        rows = [
            ("record one run (history of that many runs)", fill),
            timed("read the last 90 runs (previous run, chart)", 5, lambda: history.runs(CONFIG, 90)),
            timed("compare with the previous run", 20, lambda: compare(latest, last90[-1])),
            timed("draw ratios.svg (90 runs)", 5, lambda: ratio_chart(points, "okx.toml")),
            timed("render + write the metrics file atomically", 20, lambda: write_atomically(
                out / "m.prom", render(CONFIG, latest, latest, history.last_success(CONFIG)))),
            timed("take and release the lock", 50, lambda: RunLock(out, CONFIG).__enter__().__exit__(None)),
        ]
        started = time.perf_counter()
        prune_runs(out, 30, None)
        rows.append((f"prune {runs} run directories to 30", (time.perf_counter() - started) * 1000))
        size = (out / "history.sqlite").stat().st_size
    print(f"| step ({runs} runs of {assets} assets in the history) | ms |")
    print("|---|---:|")
    for label, ms in rows:
        print(f"| {label} | {ms:.2f} |")
    print(f"| history.sqlite size | {size / 1024:.0f} KiB |")
    print()
    demo_overhead()


def demo_overhead(repeat: int = 5) -> None:
    import asyncio
    import contextlib
    import io
    import os

    from tests.auditor.ops_support import write_config

    from auditor.audit import run_audit
    from auditor.cli import main as cli_main
    from auditor.config import load_config
    from auditor.demo.anvil import Anvil
    from auditor.demo.scenario import build_demo

    with tempfile.TemporaryDirectory() as tmp, Anvil(chain_id=1) as eth_node, Anvil(chain_id=42161) as arb_node:
        data = Path(tmp)
        eth, arb = build_demo(data, eth_node, arb_node)
        demo = {"data": data, "eth": eth, "arb": arb, "eth_url": eth_node.url, "arb_url": arb_node.url}
        os.environ["TEST_ARB_RPC"] = arb_node.url
        config_path = write_config(data / "audit.toml", demo, out=data / "out",
                                   output_extra=f'metrics_file = "{data / "m.prom"}"\nkeep_runs = 3')
        config = load_config(config_path)
        timings = {}
        for label, action in (
            ("run_audit alone", lambda: asyncio.run(run_audit(config, data / "bare"))),
            ("auditor run (lock, history, chart, retention, metrics)", lambda: cli_main(["run", str(config_path)])),
        ):
            with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
                action()  # warm up
                started = time.perf_counter()
                for _ in range(repeat):
                    action()
                timings[label] = (time.perf_counter() - started) / repeat * 1000
    print(f"| demo audit (26 rows, 2 anvil nodes), mean of {repeat} | ms |")
    print("|---|---:|")
    for label, ms in timings.items():
        print(f"| {label} | {ms:.0f} |")


if __name__ == "__main__":
    main()
