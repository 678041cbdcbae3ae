"""Secrets from the environment (`${NAME}` in a URL, url_env, headers_env, the webhook URL) reach the endpoints
but no output: stdout, stderr (JSON logs), report files, the history database, the metrics file, the chart,
the webhook body; a missing one is an error naming the variable and the key, never a value."""

from __future__ import annotations

import json

import pytest

from auditor.cli import main
from auditor.config import ConfigError, load_config
from auditor.demo.anvil import free_port
from tests.auditor.ops.support import WebhookReceiver, write_config

SECRETS = {"ETH_KEY": "S3cretEthKey-42xyz", "ARB_TOKEN": "S3cretArbToken77", "HOOK": "S3cretHookPath99",
           "HEADER": "S3cretHeaderVal55"}


def _everything_written(out_dir, captured: list[str], hook: WebhookReceiver, metrics) -> list[tuple[str, bytes]]:
    found = [(str(p), p.read_bytes()) for p in out_dir.rglob("*") if p.is_file() and not p.is_symlink()]
    found += [("metrics", metrics.read_bytes())] if metrics.exists() else []
    found += [("webhook body", body) for body in hook.raw]
    found += [("console", text.encode()) for text in captured]
    return found


def test_no_secret_in_any_output(tmp_path, demo_chains, monkeypatch, capsys):
    out, metrics = tmp_path / "out", tmp_path / "metrics" / "auditor.prom"
    with WebhookReceiver() as hook:
        monkeypatch.setenv("ETH_KEY", SECRETS["ETH_KEY"])
        monkeypatch.setenv("TEST_ARB_RPC", f"{demo_chains['arb_url']}/?token={SECRETS['ARB_TOKEN']}")
        monkeypatch.setenv("TEST_HOOK", hook.url(f"/hooks/{SECRETS['HOOK']}"))
        monkeypatch.setenv("TEST_HEADER", SECRETS["HEADER"])
        config = write_config(
            tmp_path / "audit.toml", demo_chains, out=out, usdt_owed="99000000",  # a shortfall: the webhook fires
            eth=demo_chains["eth_url"] + "/?apikey=${ETH_KEY}", output_extra=f'metrics_file = "{metrics}"',
            extra='[alerts]\nwebhook_env = "TEST_HOOK"\ncommand = "cat"',
        )
        config.write_text(config.read_text().replace("chain_id = 1", 'chain_id = 1\nretries = 1\n'
                                                     'headers_env = { "X-Api-Key" = "TEST_HEADER" }'))
        captured = []
        assert main(["--log-format", "json", "run", str(config)]) == 1
        captured.append("".join(capsys.readouterr()))
        assert main(["check", str(config)]) == 0
        assert main(["history", str(config), "--format", "json"]) == 0
        captured.append("".join(capsys.readouterr()))
        dead = f"http://user:{SECRETS['ETH_KEY']}@127.0.0.1:{free_port()}/v3/{SECRETS['ETH_KEY']}"
        config.write_text(config.read_text().replace(demo_chains["eth_url"] + "/?apikey=${ETH_KEY}", dead))
        assert main(["run", str(config), "--log-format", "json"]) == 3  # errors that would echo the URL
        assert main(["check", str(config)]) == 3
        captured.append("".join(capsys.readouterr()))
    assert len(hook.raw) == 2 and "127.0.0.1" in captured[-1]  # alerts went out; errors name the endpoint
    report = json.loads((out / "latest" / "report.json").read_text())
    assert report["data_source_errors"] and (out / "history.sqlite").exists() and metrics.exists()
    for line in captured[0].splitlines():  # --log-format json: every console line is a JSON object
        json.loads(line)
    for where, data in _everything_written(out, captured, hook, metrics):
        for name, secret in SECRETS.items():
            assert secret.encode() not in data, f"{name} in {where}"


def test_missing_reference_names_variable_and_key(tmp_path):
    config = tmp_path / "c.toml"
    config.write_text('[input]\nfile = "x.csv"\n[networks.ETH]\nurl = "https://rpc.example/${RPC_KEY}"\n'
                      '[networks.TRON.options]\nsolidity_url = "https://x.example/?k=${TRON_KEY}"\n')
    with pytest.raises(ConfigError, match=r"\[networks.ETH\] url: environment variable RPC_KEY .* is not set"
                       r"\n.*\[networks.TRON\] options.solidity_url: environment variable TRON_KEY"):
        load_config(config, {})  # both named at once
    with pytest.raises(ConfigError, match=r"\[networks.TRON\] options.solidity_url: environment variable TRON_KEY"):
        load_config(config, {"RPC_KEY": "k" * 20})
    loaded = load_config(config, {"RPC_KEY": "abc123def456", "TRON_KEY": "t" * 12})
    assert loaded.networks["ETH"].endpoint.url == "https://rpc.example/abc123def456"
    assert loaded.networks["ETH"].endpoint.display == "https://rpc.example"
    assert loaded.networks["TRON"].endpoint is None  # options alone give no endpoint
