"""Alerts: a webhook on 127.0.0.1 receives the JSON summary (retried after a 500), the alert command gets it
too; a shortfall, an incomplete run and a crash alert; a passing run does not; a webhook that never answers
costs at most [alerts] max_seconds and changes neither the report nor the exit code."""

from __future__ import annotations

import json
import time

import pytest

from auditor import run as audit_run
from auditor.cli import main
from auditor.demo.anvil import free_port
from auditor.ops.history import RunHistory
from tests.auditor.ops.support import WebhookReceiver, env_for, write_config


def _alerting_config(tmp_path, demo, hook: WebhookReceiver, monkeypatch, *, alerts_extra: str = "", **kwargs):
    for name, value in env_for(demo, TEST_HOOK=hook.url()).items():
        monkeypatch.setenv(name, value)
    extra = f'[alerts]\nwebhook_env = "TEST_HOOK"\n{alerts_extra}'
    return write_config(tmp_path / "audit.toml", demo, out=tmp_path / "out", extra=extra, **kwargs)


def test_shortfall_posts_to_the_webhook_after_a_500_and_runs_the_command(tmp_path, demo_chains, monkeypatch):
    received = tmp_path / "command-got.json"
    command = f"cat > {received} && echo \"$AUDITOR_EXIT_CODE $AUDITOR_REPORT_DIR\" > {received}.env"
    with WebhookReceiver(statuses=(500,)) as hook:
        config = _alerting_config(tmp_path, demo_chains, hook, monkeypatch, usdt_owed="99000000",
                                  alerts_extra=f"command = '{command}'")
        assert main(["run", str(config)]) == 1
    assert hook.attempts == 2 and len(hook.received) == 1  # the 500 was retried
    body = hook.received[0]
    assert body["exit_code"] == 1 and body["config"] == str(config.resolve())
    assert body["assets"]["USDT"]["ok"] is False and body["assets"]["ETH"]["ok"] is True
    assert body["report"] == str((tmp_path / "out" / "latest").resolve() / "report.md")
    assert "USDT" in body["text"] and "exited 1" in body["text"]  # Slack's field, readable on its own
    assert json.loads(received.read_text()) == body
    code, directory = (tmp_path / "command-got.json.env").read_text().split()
    assert code == "1" and directory == str((tmp_path / "out" / "latest").resolve())


def test_passing_run_sends_nothing(tmp_path, demo_chains, monkeypatch):
    with WebhookReceiver() as hook:
        assert main(["run", str(_alerting_config(tmp_path, demo_chains, hook, monkeypatch))]) == 0
    assert hook.attempts == 0


def test_incomplete_run_alerts_with_exit_3(tmp_path, demo_chains, monkeypatch):
    with WebhookReceiver() as hook:
        config = _alerting_config(tmp_path, demo_chains, hook, monkeypatch, eth=f"http://127.0.0.1:{free_port()}")
        config.write_text(config.read_text().replace("chain_id = 1", "chain_id = 1\nretries = 1"))
        assert main(["run", str(config)]) == 3
    assert [b["exit_code"] for b in hook.received] == [3]
    assert "balance(s) could not be read" in hook.received[0]["text"]


def test_crash_alerts_with_exit_70_and_is_recorded(tmp_path, demo_chains, monkeypatch, capsys):
    async def broken(*args, **kwargs):
        raise ZeroDivisionError("a bug")

    monkeypatch.setattr(audit_run, "run_audit", broken)
    with WebhookReceiver() as hook:
        config = _alerting_config(tmp_path, demo_chains, hook, monkeypatch)
        assert main(["run", str(config)]) == 70
    assert [b["exit_code"] for b in hook.received] == [70] and "ZeroDivisionError" in hook.received[0]["message"]
    assert "Traceback" in capsys.readouterr().err
    assert [r.exit_code for r in RunHistory(tmp_path / "out").runs(str(config.resolve()))] == [70]


def test_unreachable_webhook_is_bounded_and_not_fatal(tmp_path, demo_chains, monkeypatch, capsys):
    with WebhookReceiver(statuses=(503,) * 100) as hook:
        config = _alerting_config(tmp_path, demo_chains, hook, monkeypatch, usdt_owed="99000000",
                                  alerts_extra="max_seconds = 2")
        started = time.monotonic()
        assert main(["run", str(config)]) == 1  # the run's own verdict, whatever happened to the alert
        elapsed = time.monotonic() - started
    assert hook.attempts >= 2 and not hook.received
    assert elapsed < 15  # the run itself takes a few seconds; the alert adds at most max_seconds
    err = capsys.readouterr().err
    assert "alert not sent" in err and "HTTP 503" in err
    assert json.loads((tmp_path / "out" / "latest" / "report.json").read_text())["exit_code"] == 1


@pytest.mark.parametrize("edit, message", [
    ('webhook_env = "TEST_HOOK"', "[alerts] webhook_env: environment variable NO_SUCH_HOOK is not set"),
    ("[alerts]", "[alerts] unknown key(s) webhook"),
])
def test_alert_settings_errors_name_the_key(tmp_path, demo_chains, monkeypatch, capsys, edit, message):
    with WebhookReceiver() as hook:
        config = _alerting_config(tmp_path, demo_chains, hook, monkeypatch)
    replacement = {'webhook_env = "TEST_HOOK"': 'webhook_env = "NO_SUCH_HOOK"', "[alerts]": "[alerts]\nwebhook = 1"}
    config.write_text(config.read_text().replace(edit, replacement[edit]))
    assert main(["run", str(config)]) == 2
    assert message in capsys.readouterr().err
