"""README's first command (`make demo` -> `auditor demo`) must keep running a full, passing audit."""

import json

from auditor.cli import main


def test_demo_runs_a_full_audit(tmp_path, capsys):
    assert main(["demo", "--out", str(tmp_path)]) == 0
    report = json.loads((tmp_path / "latest" / "report.json").read_text())
    assert report["rows"]["verified"] == report["rows"]["total"] == 26
    assert set(report["snapshot"]) == {"ETH", "ARBITRUM"} and all(a["ok"] for a in report["assets"].values())
    assert "report.md" in capsys.readouterr().out
