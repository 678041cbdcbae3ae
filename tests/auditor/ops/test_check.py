"""`auditor check` against real anvil nodes: passes at the demo's snapshot blocks; a wrong chain id, a block
the node does not have, an unreachable endpoint (exit 3) and config problems (exit 2) are each named."""

from __future__ import annotations

import json

from auditor.cli import main
from auditor.demo.anvil import free_port
from tests.auditor.ops.support import env_for, write_config


def _check(tmp_path, demo, monkeypatch, capsys, *edits: tuple[str, str], fmt: str = "table") -> tuple[int, str]:
    for name, value in env_for(demo).items():
        monkeypatch.setenv(name, value)
    config = write_config(tmp_path / "audit.toml", demo, out=tmp_path / "out")
    for old, new in edits:
        assert old in config.read_text()
        config.write_text(config.read_text().replace(old, new, 1))
    capsys.readouterr()
    code = main(["check", str(config), "--format", fmt])
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def test_check_passes_on_the_demo_chains(tmp_path, demo_chains, monkeypatch, capsys):
    code, output = _check(tmp_path, demo_chains, monkeypatch, capsys, fmt="json")
    assert code == 0, output
    checks = {c["network"]: c for c in json.loads(output)["checks"]}
    for network, node, state in (("ETH", "eth_node", "eth"), ("ARBITRUM", "arb_node", "arb")):
        height = demo_chains[state].height
        block = demo_chains[node].rpc("eth_getBlockByNumber", [hex(height), False])
        assert checks[network]["ok"] and checks[network]["height"] == height  # the rows' Snapshot Height
        assert checks[network]["detail"] == f"block {block['hash']}"
    assert not (tmp_path / "out").exists()  # a check writes no report
    code, table = _check(tmp_path, demo_chains, monkeypatch, capsys)
    assert code == 0 and table.splitlines()[0].split() == ["network", "endpoint", "height", "result", "detail"]
    assert sum(" OK " in line for line in table.splitlines()) == 2


def test_wrong_chain_id_fails_with_exit_3(tmp_path, demo_chains, monkeypatch, capsys):
    code, output = _check(tmp_path, demo_chains, monkeypatch, capsys, ("chain_id = 1", "chain_id = 10"))
    assert code == 3 and "serves another chain: its chain id is 1, expected 10" in output and "FAIL" in output
    assert sum(" OK " in line for line in output.splitlines()) == 1  # Arbitrum is still fine


def test_missing_snapshot_block_fails_with_exit_3(tmp_path, demo_chains, monkeypatch, capsys):
    tip = int(demo_chains["eth_node"].rpc("eth_blockNumber"), 16)
    code, output = _check(tmp_path, demo_chains, monkeypatch, capsys,
                          ("chain_id = 1", f"chain_id = 1\nsnapshot_height = {tip + 1000}"))
    assert code == 3 and f"behind the snapshot height {tip + 1000}" in output


def test_unreachable_endpoint_fails_with_exit_3(tmp_path, demo_chains, monkeypatch, capsys):
    dead = f"http://127.0.0.1:{free_port()}"
    code, output = _check(tmp_path, demo_chains, monkeypatch, capsys,
                          (demo_chains["eth_url"], dead), ("chain_id = 1", "chain_id = 1\nretries = 1"))
    assert code == 3 and dead in output


def test_config_errors_exit_2_naming_variable_and_key(tmp_path, demo_chains, monkeypatch, capsys):
    code, output = _check(tmp_path, demo_chains, monkeypatch, capsys,
                          (f'url = "{demo_chains["eth_url"]}"', 'url = "http://127.0.0.1:8545/?key=${NOT_SET_KEY}"'))
    assert code == 2
    assert "[networks.ETH] url: environment variable NOT_SET_KEY (referenced as ${NOT_SET_KEY}) is not set" in output
    monkeypatch.delenv("TEST_ARB_RPC")
    config = tmp_path / "audit.toml"
    config.write_text(config.read_text().replace("${NOT_SET_KEY}", "x"))
    assert main(["check", str(config)]) == 2
    assert "[networks.ARBITRUM] url_env: environment variable TEST_ARB_RPC is not set" in capsys.readouterr().err


def test_a_network_without_any_snapshot_height_is_a_config_error(tmp_path, demo_chains, monkeypatch, capsys):
    code, output = _check(tmp_path, demo_chains, monkeypatch, capsys,
                          ("[liabilities]", f'[networks.POLYGON]\nurl = "{demo_chains["eth_url"]}"\n[liabilities]'))
    assert code == 2 and "set [networks.POLYGON] snapshot_height" in output
