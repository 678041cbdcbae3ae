"""One run at a time per config and per output directory: a second run stops at once naming the first (pid,
host, start), and a run killed with SIGKILL leaves a lock the next run takes over, with its half-written
directory removed."""

from __future__ import annotations

import json
import signal
import socket

import pytest

from auditor.cli import main
from auditor.ops.history import RunHistory
from auditor.ops.lock import Holder, RunLock, RunLocked, config_lock_dir
from tests.auditor.ops.support import GatedProxy, env_for, start_cli, write_config


def test_overlapping_runs_second_exits_4_naming_the_first(tmp_path, demo_chains, monkeypatch, capsys):
    out = tmp_path / "out"
    with GatedProxy(demo_chains["eth_url"]) as proxy:
        config = write_config(tmp_path / "audit.toml", demo_chains, out=out, eth=proxy.url)
        first = start_cli(["run", str(config)], env_for(demo_chains))
        try:
            assert proxy.entered.wait(60), first.stderr.read() if first.poll() is not None else "no request"
            for name, value in env_for(demo_chains).items():
                monkeypatch.setenv(name, value)
            assert main(["run", str(config)]) == 4
            err = capsys.readouterr().err
            assert f"pid {first.pid} on {socket.gethostname()}" in err and "started 20" in err
            assert str(config.resolve()) in err
        finally:
            proxy.gate.set()
            _, stderr = first.communicate(timeout=120)
    assert first.returncode == 0, stderr
    runs = RunHistory(out).runs(str(config.resolve()))
    assert [r.exit_code for r in runs] == [0]  # the refused run wrote nothing and is not a run of the history
    assert (out / ".lock").read_text() == ""  # released cleanly


def test_sigkilled_run_leaves_a_lock_the_next_run_takes_over(tmp_path, demo_chains, monkeypatch, capsys):
    out = tmp_path / "out"
    with GatedProxy(demo_chains["eth_url"]) as proxy:
        config = write_config(tmp_path / "audit.toml", demo_chains, out=out, eth=proxy.url)
        first = start_cli(["run", str(config)], env_for(demo_chains))
        assert proxy.entered.wait(60)
        assert list(out.glob(".*.partial"))  # mid-run: its report is being written
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=30)
        first.stdout.close(), first.stderr.close()
        holder = Holder.read((out / ".lock").read_text())
        assert holder is not None and holder.pid == first.pid and holder.alive_here() is False
        proxy.gate.set()
        for name, value in env_for(demo_chains).items():
            monkeypatch.setenv(name, value)
        assert main(["run", str(config)]) == 0
    err = capsys.readouterr().err
    assert "taking over the lock" in err and f"pid {first.pid}" in err
    assert not list(out.glob(".*.partial"))  # the killed run's half-written directory is gone
    report = json.loads((out / "latest" / "report.json").read_text())
    assert report["exit_code"] == 0 and report["rows"]["total"] == 26


def test_lock_refuses_a_second_holder_in_process(tmp_path):
    with RunLock(tmp_path, "a.toml"):
        try:
            with RunLock(tmp_path, "b.toml"):
                raise AssertionError("two holders")
        except RunLocked as exc:
            assert "config a.toml" in str(exc) and "b.toml" not in str(exc)
    with RunLock(tmp_path, "b.toml") as lock:  # free again, and not a stale takeover
        assert lock.taken_over is None


def test_same_config_with_another_output_directory_waits_too(tmp_path, demo_chains, monkeypatch, capsys):
    with GatedProxy(demo_chains["eth_url"]) as proxy:
        config = write_config(tmp_path / "audit.toml", demo_chains, out=tmp_path / "out", eth=proxy.url)
        first = start_cli(["run", str(config)], env_for(demo_chains))
        try:
            assert proxy.entered.wait(60)
            for name, value in env_for(demo_chains).items():
                monkeypatch.setenv(name, value)
            assert main(["run", str(config), "--out", str(tmp_path / "elsewhere")]) == 4
            err = capsys.readouterr().err
            assert f"config {config.resolve()}" in err and f"pid {first.pid}" in err
        finally:
            proxy.gate.set()
            first.communicate(timeout=120)
    assert first.returncode == 0
    assert not (tmp_path / "elsewhere" / "latest").exists()


def test_config_lock_is_keyed_by_the_resolved_path(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert config_lock_dir("audit.toml") == config_lock_dir(tmp_path / "audit.toml")
    assert config_lock_dir("audit.toml") != config_lock_dir(tmp_path / "other.toml")


@pytest.mark.parametrize("workers", [1, 2])  # in this process, and with a pool of signature workers
def test_sigterm_removes_the_partial_run_and_releases_the_lock(tmp_path, demo_chains, workers):
    out = tmp_path / "out"
    with GatedProxy(demo_chains["eth_url"]) as proxy:
        config = write_config(tmp_path / "audit.toml", demo_chains, out=out, eth=proxy.url, workers=workers)
        run = start_cli(["run", str(config)], env_for(demo_chains))
        assert proxy.entered.wait(60)
        assert list(out.glob(".*.partial"))
        run.send_signal(signal.SIGTERM)  # what `systemctl stop` sends
        _, stderr = run.communicate(timeout=60)
    assert run.returncode == 128 + signal.SIGTERM, stderr
    assert not list(out.glob(".*.partial")) and not (out / "latest").exists(), stderr
    assert (out / ".lock").read_text() == ""  # released: the next run starts without a takeover
    assert "stopped by SIGTERM" in stderr
