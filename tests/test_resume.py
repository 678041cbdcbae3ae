"""A run killed with SIGKILL and started again with `--resume` ends with the report of an uninterrupted run, and
does not check or ask again what its checkpoint holds.

The file is the OKX-scale fixture (benchmarks/okx_fixture.py) at a few hundred rows: EVM rows (ETH, two ERC-20s,
contract wallets proven by their owners) on anvil, LTC multisig rows on a regtest litecoind, TRON rows on the
local TRON server. Each endpoint sits behind a counting proxy on 127.0.0.1 that decodes the balance reads of
every request (and slows them, so the run can be stopped part-way). `python -m auditor run` runs in a
subprocess; the test watches its checkpoint and kills it during ownership, then (resumed) in the middle of the
balance reads, then resumes it to the end.
"""

from __future__ import annotations

import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from auditor.demo.anvil import Anvil
from benchmarks.okx_fixture import Split, build_fixture, fund_anvil, fund_litecoind, tron_ledger, write_config
from tests.nodes import litecoind
from tests.nodes.counting_proxy import CountingProxy
from tests.nodes.tron_server import ServerThread

ROOT = Path(__file__).resolve().parents[1]
ROWS = 900
CHUNK = 30
RUN_TIMEOUT = 240.0

pytestmark = pytest.mark.skipif(not litecoind.available(), reason="litecoind not installed (make install)")


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("resume")
    fixture = build_fixture(ROWS, tmp / "cache", processes=1)
    with Anvil(chain_id=1) as anvil, litecoind.Litecoind() as ltc:
        evm = fund_anvil(anvil, fixture)
        fund_litecoind(ltc, fixture)
        with (
            ServerThread(tron_ledger(fixture)) as tron,
            CountingProxy(anvil.url, delay=0.05) as eth_proxy,
            CountingProxy(ltc.url, delay=0.05) as ltc_proxy,
            CountingProxy(tron.url, delay=0.01) as tron_proxy,
        ):
            # one config for every run (its sha256 is in the report); each run writes to its own --out
            config = write_config(tmp / "resume.toml", fixture, tmp / "unused", evm, eth_proxy.url,
                                  ltc_proxy.url_with_credentials(ltc.url), tron_proxy.url, workers=1, chunk_size=CHUNK)
            yield {"config": config, "proxies": (eth_proxy, ltc_proxy, tron_proxy), "tmp": tmp}


def _counts(world) -> Counter:
    time.sleep(0.3)  # requests a killed run had sent are all counted by now
    total: Counter = Counter()
    for proxy in world["proxies"]:
        total.update(proxy.reset())
    return total


def _start(config: Path, out: Path, *extra: str) -> subprocess.Popen:
    command = [sys.executable, "-m", "auditor", "run", str(config), "--out", str(out), *extra]
    return subprocess.Popen(command, cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=os.environ | {"PYTHONPATH": str(ROOT)})


def _finish(process: subprocess.Popen) -> tuple[int, str]:
    _, err = process.communicate(timeout=RUN_TIMEOUT)
    return process.returncode, err


def _saved(out: Path) -> dict[str, int]:
    """What the checkpoint holds: verdicts, and balances per kind of read."""
    path = out / ".work" / "checkpoint.sqlite"
    if not path.exists():
        return {}
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5) as db:
            # a chunk of verdicts is one row of 16-byte digests end to end; a part of reads one row of JSON answers
            saved = {"verdicts": sum(len(blob) // 16 for (blob,) in db.execute("SELECT digests FROM verdict_chunks"))}
            for network, text in db.execute("SELECT network, answers FROM balance_parts"):
                for _, contract, detail, *_ in json.loads(text):
                    tron = "tron-trc20" if contract else "tron-trx"
                    kind = {"ETH": "evm-balance", "LTC": "ltc-scan"}.get(network, tron)
                    saved[kind] = saved.get(kind, 0) + 1
                    if detail.startswith("EvmQueryDetail("):
                        saved["evm-owners"] = saved.get("evm-owners", 0) + 1
    except sqlite3.Error:  # not created yet, or mid-write: ask again
        return {}
    return saved


def _kill_when(process: subprocess.Popen, out: Path, ready) -> dict[str, int]:
    """SIGKILL the run as soon as `ready(saved)` holds; what the checkpoint held then."""
    deadline = time.monotonic() + RUN_TIMEOUT
    while time.monotonic() < deadline:
        assert process.poll() is None, f"the run ended before the kill point: {process.communicate()}"
        if ready(_saved(out)):
            process.send_signal(signal.SIGKILL)
            process.wait(timeout=30)
            return _saved(out)
        time.sleep(0.01)
    process.kill()
    raise AssertionError("kill point not reached")


def _report_files(out: Path) -> dict[str, object]:
    """Everything the run wrote, less the run's own timestamps and timings."""
    latest = out / "latest"
    report = json.loads((latest / "report.json").read_text())
    report.pop("run")
    markdown = re.sub(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", "<time>", (latest / "report.md").read_text())
    files = {name: (latest / name).read_text() for name in ("addresses.csv", "balances.csv", "findings.jsonl")}
    return {"report.json": report, "report.md": markdown, **files}


def test_killed_runs_resume_to_the_same_report_without_asking_again(world):
    split = Split.of(ROWS)
    _counts(world)
    config = world["config"]
    code, err = _finish(_start(config, world["tmp"] / "reference"))
    assert code == 0, err
    reference = _report_files(world["tmp"] / "reference")
    asked = _counts(world)
    # the proxies see every balance read: one per EVM row, LTC row and TRON row (TRX and TRC-20 in Multicall
    # batches; a history page only for the accounts the block scan names: one USDT transfer after H names two)
    assert asked["evm-balance"] == split.evm and asked["ltc-scan"] == split.utxo
    assert asked["tron-trx"] == asked["tron-trc20"] == split.tron // 2 and asked["tron-events"] == 2
    assert asked["evm-owners"] > 0
    assert [line for line in err.splitlines() if line.startswith("auditor: ownership")], err  # progress, not a TTY

    out = world["tmp"] / "killed"
    # 1: killed while signatures are being checked, before most balances are read
    at_first = _kill_when(_start(config, out), out, lambda s: 0 < s.get("verdicts", 0) < ROWS // 2)
    assert not (out / "latest").exists()
    _counts(world)
    # 2: resumed, and killed again in the middle of the balance reads
    halfway = max(split.evm // 2, at_first.get("evm-balance", 0) + 2 * CHUNK)
    at_second = _kill_when(_start(config, out, "--resume"), out, lambda s: s.get("evm-balance", 0) >= halfway)
    assert at_second["verdicts"] >= at_first["verdicts"]
    assert at_second.get("evm-balance", 0) < split.evm or at_second.get("ltc-scan", 0) < split.utxo
    _counts(world)
    # 3: resumed to the end, quietly
    code, err = _finish(_start(config, out, "--resume", "--quiet"))
    assert code == 0, err
    # --quiet: no progress lines (the lock taken over from the killed run is still said)
    assert not [line for line in err.splitlines() if "/s" in line or "%" in line], err
    assert _report_files(out) == reference
    resumed = _counts(world)
    for kind in ("evm-balance", "evm-owners", "ltc-scan", "tron-trx", "tron-trc20"):
        assert resumed[kind] == asked[kind] - at_second.get(kind, 0), (kind, resumed, asked, at_second)
    timings = json.loads((out / "latest" / "timings.json").read_text())
    assert timings["stages"]["ownership"]["done"] == ROWS - at_second["verdicts"]
    assert not (out / ".work" / "checkpoint.sqlite").exists()  # removed once the report is written


def test_resume_without_a_checkpoint_is_a_fresh_run(world):
    code, err = _finish(_start(world["config"], world["tmp"] / "fresh", "--resume", "--quiet"))
    assert code == 0, err
    assert _report_files(world["tmp"] / "fresh")["report.json"]["rows"]["verified"] == ROWS
    _counts(world)
