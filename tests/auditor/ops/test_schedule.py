"""`auditor schedule`: cron expressions read and turned into systemd OnCalendar (checked by systemd-analyze when
present), the crontab line actually runs an audit through sh with its environment file and log, `--install`
replaces this config's line only, `--systemd` writes a service and a timer."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess

import pytest

from auditor.cli import main
from auditor.ops.schedule import ScheduleError, parse_cron
from tests.auditor.ops.support import ROOT, write_config


@pytest.mark.parametrize("cron, calendar", [
    ("0 3 * * *", "*-*-* 03:00:00"),
    ("@daily", "*-*-* 00:00:00"),
    ("*/15 8-18/5 * * mon-fri", "Mon,Tue,Wed,Thu,Fri *-*-* 08,13,18:00,15,30,45:00"),
    ("30 2 1,15 * *", "*-*-01,15 02:30:00"),
    ("5 4 * jan,jul 0", "Sun *-01,07-* 04:05:00"),
    ("0 0 * * 0-7", "*-*-* 00:00:00"),  # 0 and 7 are both Sunday: every day
])
def test_cron_to_on_calendar(cron, calendar):
    assert parse_cron(cron).on_calendar() == calendar
    if shutil.which("systemd-analyze"):
        checked = subprocess.run(["systemd-analyze", "calendar", calendar], capture_output=True, text=True, check=False)
        assert checked.returncode == 0, checked.stderr


@pytest.mark.parametrize("cron, message", [
    ("0 3 * *", "5 fields"), ("61 * * * *", "minute must be 0..59"), ("0 3 1 * mon", "use one of them"),
    ("@reboot", "only @hourly"), ("0 5-3 * * *", "empty range"),
])
def test_bad_cron_expressions(cron, message):
    with pytest.raises(ScheduleError, match=message):
        parse_cron(cron).on_calendar()


def test_crontab_line_runs_an_audit_with_env_file_and_log(tmp_path, demo_chains):
    config = write_config(tmp_path / "daily audit.toml", demo_chains, out=tmp_path / "out")
    env_file = tmp_path / "daily audit.env"
    env_file.write_text(f'TEST_ARB_RPC="{demo_chains["arb_url"]}"\n')
    env_file.chmod(0o600)
    done = subprocess.run([os.sys.executable, "-m", "auditor", "schedule", str(config), "--cron", "17 3 * * *"],
                          cwd=ROOT, capture_output=True, text=True, check=False, env=_without_arb())
    assert done.returncode == 0, done.stderr
    line = done.stdout.strip()
    assert line.startswith("17 3 * * * cd ") and line.endswith(f"# auditor-schedule:{config.resolve()}")
    command = line[len("17 3 * * * "):line.rindex(" # auditor-schedule:")].replace("\\%", "%")
    ran = subprocess.run(["sh", "-c", command], cwd="/", capture_output=True, text=True, check=False,
                         env=_without_arb(), timeout=300)
    assert ran.returncode == 0 and ran.stdout == ran.stderr == ""  # everything went to the log
    log_lines = [json.loads(line) for line in (tmp_path / "out" / "audit.log").read_text().splitlines()]
    assert log_lines[-1]["event"] == "finished" and log_lines[-1]["exit_code"] == 0
    assert json.loads((tmp_path / "out" / "latest" / "report.json").read_text())["rows"]["verified"] == 26


def test_install_replaces_only_this_configs_line(tmp_path, demo_chains, monkeypatch, capsys):
    store = tmp_path / "crontab.txt"
    store.write_text("MAILTO=ops@example.org\n0 1 * * * backup.sh\n")
    fake = tmp_path / "bin" / "crontab"
    fake.parent.mkdir()
    fake.write_text(f'#!/bin/sh\nif [ "$1" = "-l" ]; then cat {store}; else cat > {store}; fi\n')
    fake.chmod(fake.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("PATH", f"{fake.parent}{os.pathsep}{os.environ['PATH']}")
    config = write_config(tmp_path / "audit.toml", demo_chains, out=tmp_path / "out")
    assert main(["schedule", str(config), "--install"]) == 0
    assert main(["schedule", str(config), "--install", "--cron", "30 4 * * *"]) == 0
    lines = store.read_text().splitlines()
    assert lines[:2] == ["MAILTO=ops@example.org", "0 1 * * * backup.sh"]
    assert len(lines) == 3 and lines[2].startswith("30 4 * * * cd ")  # replaced, not added twice
    assert "does not exist yet" in capsys.readouterr().err  # the environment file is asked for


def test_systemd_units(tmp_path, demo_chains):
    config = write_config(tmp_path / "audit.toml", demo_chains, out=tmp_path / "out")
    env_file = tmp_path / "secrets.env"
    env_file.write_text("X=1\n")
    env_file.chmod(0o644)
    units = tmp_path / "units"
    assert main(["schedule", str(config), "--systemd", str(units), "--cron", "0 3 * * *", "--env-file",
                 str(env_file), "--name", "por-okx"]) == 0
    service = (units / "por-okx.service").read_text()
    timer = (units / "por-okx.timer").read_text()
    assert f"EnvironmentFile={env_file}" in service and f"WorkingDirectory={ROOT}" in service
    assert f"run {config.resolve()} --log-format json" in service
    assert f"StandardOutput=append:{tmp_path / 'out' / 'audit.log'}" in service and "Type=oneshot" in service
    assert "OnCalendar=*-*-* 03:00:00" in timer and "Unit=por-okx.service" in timer and "Persistent=true" in timer


def _without_arb() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k != "TEST_ARB_RPC"}
