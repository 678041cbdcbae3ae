"""Signature workers: no process of the auditor outlives it, SIGKILL included (issue 13 item 6: the forkserver
and a worker stayed alive under ppid 1 for minutes)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from auditor import lifeline

ROOT = Path(__file__).resolve().parents[2]
HEADER = "coin,Network,Snapshot Height,address,amount,message,signature1,signature2,redeem script/ public key\n"


def _write_rows(path: Path, rows: int) -> None:
    """Rows with distinct addresses and signatures (random: each is recovered, and fails), so every row costs a
    signature check and the run lasts seconds."""
    with path.open("w", encoding="utf-8") as handle:
        handle.write(HEADER)
        for i in range(rows):
            handle.write(f"ETH,ETH,100,0x{os.urandom(20).hex()},{i}.5,I am an OKX address,"
                         f"0x{os.urandom(64).hex()}1b,,\n")


def _children() -> dict[int, list[int]]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_bytes()
        except OSError:
            continue
        ppid = int(stat.rpartition(b")")[2].split()[1])
        children.setdefault(ppid, []).append(int(entry))
    return children


def _descendants(pid: int) -> dict[int, int]:
    """pid -> depth below `pid` (1: child, 2: grandchild...)."""
    children, found, frontier, depth = _children(), {}, [pid], 0
    while frontier:
        depth += 1
        frontier = [c for p in frontier for c in children.get(p, [])]
        found.update({c: depth for c in frontier})
    return found


def _command_line(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return "?"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_sigkill_of_the_auditor_leaves_no_process(tmp_path):
    path = tmp_path / "big.csv"
    _write_rows(path, 100_000)
    config = tmp_path / "audit.toml"  # two workers whatever the machine's core count; no endpoint needed
    config.write_text(f'[input]\nfile = "{path}"\n[output]\ndir = "{tmp_path / "out"}"\n[audit]\nworkers = 2\n')
    environment = {**os.environ, "PYTHONPATH": str(ROOT)}
    auditor = subprocess.Popen(
        [sys.executable, "-m", "auditor", "run", str(config), "--quiet"],
        cwd=tmp_path, env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    seen: dict[int, int] = {}
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and auditor.poll() is None:
            seen.update(_descendants(auditor.pid))
            if any(depth >= 2 for depth in seen.values()):  # the forkserver has forked a worker
                time.sleep(0.3)  # let the others start too, then collect them all
                seen.update(_descendants(auditor.pid))
                break
            time.sleep(0.02)
        assert auditor.poll() is None, f"the run ended before its workers were seen: {auditor.stderr.read()[-2000:]}"
        assert any(depth >= 2 for depth in seen.values()), "no worker process appeared"
        auditor.send_signal(signal.SIGKILL)
        auditor.wait(timeout=10)
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and any(lifeline.process_alive(pid) for pid in seen):
            time.sleep(0.05)
        survivors = {pid: _command_line(pid) for pid in seen if lifeline.process_alive(pid)}
        assert not survivors, f"processes of the killed auditor still running: {survivors}"
    finally:
        if auditor.poll() is None:
            auditor.kill()
            auditor.wait()
        for pid in seen:  # only the processes this test started (collected by pid), should the check fail
            if lifeline.process_alive(pid):
                os.kill(pid, signal.SIGKILL)
        auditor.stderr.close()


def test_exit_with_ends_the_watching_process_when_the_watched_one_ends(tmp_path):
    """The watchdog alone (no PR_SET_PDEATHSIG): a child watching a process that is not its parent."""
    watched = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    script = (f"import time; from auditor import lifeline; lifeline.exit_with({watched.pid}); "
              "print('watching', flush=True); time.sleep(60)")
    watcher = subprocess.Popen([sys.executable, "-c", script], env={**os.environ, "PYTHONPATH": str(ROOT)},
                               stdout=subprocess.PIPE, text=True)
    try:
        assert watcher.stdout.readline().strip() == "watching"
        time.sleep(0.2)
        assert watcher.poll() is None  # still running while the watched process runs
        watched.kill()
        watched.wait()
        assert watcher.wait(timeout=5) == 1
    finally:
        for process in (watched, watcher):
            if process.poll() is None:
                process.kill()
                process.wait()
        watcher.stdout.close()


def test_demo_anvil_dies_with_the_process_that_started_it(tmp_path):
    from auditor.demo.anvil import anvil_binary

    try:
        anvil_binary()
    except FileNotFoundError:
        pytest.skip("anvil not installed")
    script = ("import os, time; from auditor.demo.anvil import Anvil; node = Anvil(); node.start(); "
              "print(node._process.pid, flush=True); time.sleep(60)")
    starter = subprocess.Popen([sys.executable, "-c", script], env={**os.environ, "PYTHONPATH": str(ROOT)},
                               stdout=subprocess.PIPE, text=True)
    anvil = 0
    try:
        anvil = int(starter.stdout.readline())
        assert lifeline.process_alive(anvil)
        starter.send_signal(signal.SIGKILL)
        starter.wait(timeout=10)
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and lifeline.process_alive(anvil):
            time.sleep(0.05)
        assert not lifeline.process_alive(anvil), "anvil outlived the killed process that started it"
    finally:
        if starter.poll() is None:
            starter.kill()
            starter.wait()
        if anvil and lifeline.process_alive(anvil):
            os.kill(anvil, signal.SIGKILL)
        starter.stdout.close()


def test_the_forkserver_dies_with_the_auditor_even_while_a_child_holds_its_alive_pipe(tmp_path):
    """PR_SET_PDEATHSIG in the forkserver alone: its child here is a plain process (no lifeline of its own)
    holding the write end of the forkserver's alive pipe, so EOF on that pipe cannot end the forkserver."""
    script = ("import multiprocessing, os, time; from auditor import lifeline; lifeline.start_forkserver(); "
              "child = multiprocessing.get_context('forkserver').Process(target=time.sleep, args=(60,)); "
              "child.start(); print(child.pid, flush=True); time.sleep(60)")
    starter = subprocess.Popen([sys.executable, "-c", script], env={**os.environ, "PYTHONPATH": str(ROOT)},
                               stdout=subprocess.PIPE, text=True, cwd=tmp_path)
    seen: dict[int, int] = {}
    try:
        child = int(starter.stdout.readline())
        seen = _descendants(starter.pid)
        forkservers = [pid for pid, depth in seen.items() if depth == 1 and "forkserver" in _command_line(pid)]
        assert len(forkservers) == 1 and seen.get(child) == 2
        starter.send_signal(signal.SIGKILL)
        starter.wait(timeout=10)
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and lifeline.process_alive(forkservers[0]):
            time.sleep(0.05)
        assert not lifeline.process_alive(forkservers[0]), "the forkserver outlived the process that started it"
    finally:
        if starter.poll() is None:
            starter.kill()
            starter.wait()
        for pid in seen:  # the plain child has no lifeline: end it (and anything else this test started)
            if lifeline.process_alive(pid):
                os.kill(pid, signal.SIGKILL)
        starter.stdout.close()


def test_the_gc_policy_holds_only_while_the_workers_are_open() -> None:
    """SignatureWorkers collects garbage less often while rows stream through, and puts the process's own
    thresholds back when it closes (a library caller keeps its settings)."""
    import gc

    from auditor.assets import AssetRegistry
    from auditor.workers import HOT_LOOP_GC_THRESHOLDS, SignatureWorkers

    before = gc.get_threshold()
    assert before != HOT_LOOP_GC_THRESHOLDS
    with SignatureWorkers(AssetRegistry.load(), {}, {}, workers=1):
        assert gc.get_threshold() == HOT_LOOP_GC_THRESHOLDS
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0


def test_a_pool_checks_rows_as_this_process_does() -> None:
    """Rows cross to the worker processes as plain tuples: the pool's verdicts, addresses and digests are the
    ones the in-process check gives, row for row (a real signature, a forged one, an input error)."""
    from auditor.assets import AssetRegistry
    from auditor.demo.signing import demo_key, evm_address, sign_okx_evm
    from auditor.workers import SignatureWorkers, checked_chunk
    from chains.base import AddressRow

    key = demo_key("workers-pool")
    address, signature = evm_address(key), sign_okx_evm(key, "I own it")
    rows = [
        AddressRow(2, "ETH", "ETH", address, "1.5", message="I own it", signature1=signature),
        AddressRow(3, "USDT-ERC20", "ETH", address, "2", message="I own it", signature1=signature),
        AddressRow(4, "ETH", "ETH", address, "1", message="I own that", signature1=signature),
        AddressRow(5, "ETH", "ETH", "0xnot", "", message="m", signature1="0x00", input_error="bad row"),
    ]
    registry = AssetRegistry.load()
    expected = checked_chunk(rows, registry, "okx")

    async def in_pool():
        with SignatureWorkers(registry, {}, {}, workers=2) as pool:
            return await pool.check(rows, "okx")

    import asyncio

    got = asyncio.run(in_pool())
    assert (got.proofs, got.addresses, got.digests, got.signatures) == (
        expected.proofs, expected.addresses, expected.digests, expected.signatures)
    assert [p.status.value if p else None for p in got.proofs] == ["verified", "verified", "failed", None]
