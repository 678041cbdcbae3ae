"""The run history: three runs whose liabilities change show the deltas in report.json, report.md, `auditor
history` and the chart; retention keeps N runs; an old history.jsonl is imported."""

from __future__ import annotations

import itertools
import json
import xml.etree.ElementTree as ET
from decimal import Decimal

from auditor.cli import main
from auditor.ops.history import RunHistory, RunRecord
from tests.auditor.ops.support import env_for, write_config

SVG = "{http://www.w3.org/2000/svg}"


def test_three_runs_show_the_change_since_the_previous_run(tmp_path, demo_chains, monkeypatch, capsys):
    for name, value in env_for(demo_chains).items():
        monkeypatch.setenv(name, value)
    out = tmp_path / "out"
    config = tmp_path / "audit.toml"
    reports = []
    for usdt_owed, eth_owed in (("40000000", "1000"), ("30000000", "1000"), ("35000000", "900")):
        write_config(config, demo_chains, out=out, usdt_owed=usdt_owed, eth_owed=eth_owed,
                     output_extra="keep_runs = 2")
        assert main(["run", str(config)]) == 0
        reports.append(json.loads((out / "latest" / "report.json").read_text()))
    assert "previous" not in reports[0]["run"]
    for before, after in itertools.pairwise(reports):
        change = after["run"]["previous"]
        assert change["exit_code"] == 0 and change["started_at"] == before["run"]["started_at"]
        for asset in ("ETH", "USDT"):
            expected = Decimal(after["assets"][asset]["ratio"]) - Decimal(before["assets"][asset]["ratio"])
            assert Decimal(change["assets"][asset]["ratio_delta"]) == expected
            owed = Decimal(after["assets"][asset]["liabilities"]) - Decimal(before["assets"][asset]["liabilities"])
            assert Decimal(change["assets"][asset]["liabilities_delta"]) == owed
            assert Decimal(change["assets"][asset]["onchain_verified_delta"]) == 0  # same chain state
        assert change["rows_delta"] == {k: 0 for k in ("total", "verified", "failed", "unchecked", "duplicate")}
    assert Decimal(reports[1]["run"]["previous"]["assets"]["USDT"]["ratio_delta"]) > 0  # less owed: ratio up
    assert Decimal(reports[2]["run"]["previous"]["assets"]["ETH"]["liabilities_delta"]) == -100
    markdown = (out / "latest" / "report.md").read_text()
    assert "## Change since the previous run" in markdown and "| ETH |" in markdown and "ratios.svg" in markdown

    chart = ET.parse(out / "latest" / "ratios.svg").getroot()
    lines = {p.find(f"{SVG}title").text: p.get("points").split() for p in chart.iter(f"{SVG}polyline")}
    assert set(lines) == {"ETH", "USDT"} and all(len(points) == 3 for points in lines.values())
    usdt_y = [float(p.split(",")[1]) for p in lines["USDT"]]
    assert usdt_y[1] < usdt_y[0] and usdt_y[2] > usdt_y[1]  # up, then down (SVG y grows downwards)

    runs = RunHistory(out).runs(str(config.resolve()))
    assert [r.exit_code for r in runs] == [0, 0, 0] and all(r.duration_seconds > 0 for r in runs)
    assert runs[0].snapshots == (("ARBITRUM", demo_chains["arb"].height, reports[0]["snapshot"]["ARBITRUM"]
                                  ["block_hash"]), ("ETH", demo_chains["eth"].height,
                                                    reports[0]["snapshot"]["ETH"]["block_hash"]))
    assert str(runs[2].asset("USDT").ratio) == reports[2]["assets"]["USDT"]["ratio"]
    assert runs[0].input_sha256 == reports[0]["input"]["sha256"]

    run_dirs = sorted(p.name for p in out.iterdir() if p.name[:1].isdigit())
    assert len(run_dirs) == 2 and (out / "latest").resolve().name == run_dirs[-1]  # keep_runs = 2

    capsys.readouterr()
    assert main(["history", str(config)]) == 0
    table = capsys.readouterr().out.splitlines()
    assert "USDT ratio" in table[0] and len(table) == 2 + 3
    usdt_delta = Decimal(reports[1]["run"]["previous"]["assets"]["USDT"]["ratio_delta"]).scaleb(2)
    assert f"(+{usdt_delta:.2f})" in table[3]
    monkeypatch.delenv("TEST_ARB_RPC")  # history needs none of the run's secrets
    assert main(["history", str(config), "--format", "json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [r["assets"]["USDT"]["ratio"] for r in listed["runs"]] == [r["assets"]["USDT"]["ratio"] for r in reports]
    assert listed["runs"][2]["change"]["assets"]["ETH"] == reports[2]["run"]["previous"]["assets"]["ETH"]


def test_failed_runs_are_recorded_too(tmp_path, demo_chains, monkeypatch):
    for name, value in env_for(demo_chains).items():
        monkeypatch.setenv(name, value)
    config = write_config(tmp_path / "audit.toml", demo_chains, out=tmp_path / "out", usdt_owed="99000000")
    assert main(["run", str(config)]) == 1
    config.write_text(config.read_text().replace('file = "', 'file = "missing-', 1))
    assert main(["run", str(config)]) == 2
    runs = RunHistory(tmp_path / "out").runs(str(config.resolve()))
    assert [r.exit_code for r in runs] == [1, 2]
    assert runs[0].asset("USDT").ok is False and not runs[1].complete and "cannot open" in runs[1].message


def test_old_history_jsonl_is_imported(tmp_path):
    line = {"run": "20260101T030000Z", "started_at": "2026-01-01T03:00:00Z", "exit_code": 1,
            "input_sha256": "ab" * 32, "assets": {"BTC": {"ratio": "0.98", "ok": False}}}
    (tmp_path / "history.jsonl").write_text(json.dumps(line) + "\nnot json\n")
    history = RunHistory(tmp_path)
    history.record(RunRecord(started_at="2026-01-02T03:00:00Z", config_path="/c.toml", exit_code=0))
    runs = history.runs("/c.toml")
    assert [r.exit_code for r in runs] == [1, 0] and runs[0].source == "history.jsonl"
    assert runs[0].asset("BTC").ratio == Decimal("0.98") and runs[0].asset("BTC").ok is False
    assert not (tmp_path / "history.jsonl").exists() and (tmp_path / "history.jsonl.migrated").exists()
    assert history.previous_complete("/c.toml").run_id == "20260101T030000Z"
