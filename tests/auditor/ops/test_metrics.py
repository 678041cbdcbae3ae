"""The Prometheus text file parses with prometheus_client's own parser and carries the run's figures; a failing
run keeps the last success's timestamp."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from prometheus_client.parser import text_string_to_metric_families

from auditor.cli import main
from auditor.ops.history import RunRecord
from auditor.ops.metrics import render
from tests.auditor.ops.support import env_for, write_config


def _samples(path) -> dict[tuple[str, tuple], float]:
    families = text_string_to_metric_families(path.read_text())
    return {(s.name, tuple(sorted((k, v) for k, v in s.labels.items() if k != "config"))): s.value
            for family in families for s in family.samples}


def _epoch(text: str) -> float:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC).timestamp()


def test_metrics_file_after_a_passing_then_a_failing_run(tmp_path, demo_chains, monkeypatch):
    for name, value in env_for(demo_chains).items():
        monkeypatch.setenv(name, value)
    metrics = tmp_path / "textfile" / "auditor.prom"
    config = write_config(tmp_path / "audit.toml", demo_chains, out=tmp_path / "out",
                          output_extra=f'metrics_file = "{metrics}"')
    assert main(["run", str(config)]) == 0
    report = json.loads((tmp_path / "out" / "latest" / "report.json").read_text())
    samples = _samples(metrics)
    for asset, figures in report["assets"].items():
        assert samples[("auditor_reserve_ratio", (("asset", asset),))] == float(figures["ratio"])
        assert samples[("auditor_onchain", (("asset", asset), ("scope", "verified")))] == float(
            figures["onchain_verified"])
        assert samples[("auditor_liabilities", (("asset", asset),))] == float(figures["liabilities"])
        assert samples[("auditor_asset_ok", (("asset", asset),))] == 1
    assert samples[("auditor_rows", (("status", "verified"),))] == report["rows"]["verified"] == 26
    assert samples[("auditor_last_exit_code", ())] == 0
    assert samples[("auditor_last_run_duration_seconds", ())] > 0
    first_start = _epoch(report["run"]["started_at"])
    assert samples[("auditor_last_success_timestamp_seconds", ())] == first_start
    assert metrics.stat().st_mode & 0o777 == 0o644
    assert not [p for p in metrics.parent.iterdir() if p != metrics]  # no temporary file left behind

    config.write_text(config.read_text().replace('USDT = "40000000"', 'USDT = "99000000"'))
    assert main(["run", str(config)]) == 1
    samples = _samples(metrics)
    assert samples[("auditor_last_exit_code", ())] == 1
    assert samples[("auditor_asset_ok", (("asset", "USDT"),))] == 0
    assert samples[("auditor_last_success_timestamp_seconds", ())] == first_start  # still the first run's


def test_labels_are_escaped_and_decimals_exact():
    from decimal import Decimal

    from auditor.ops.history import AssetRecord

    record = RunRecord(started_at="2026-11-26T03:00:00Z", config_path='/srv/a "b"\\c.toml', exit_code=3,
                       duration_seconds=1.5, rows={"total": 2},
                       assets=(AssetRecord("USDT", Decimal("123456789012.123456"), *[None] * 6),))
    text = render(record.config_path, record, record, None)
    assert 'auditor_onchain{config="/srv/a \\"b\\"\\\\c.toml",asset="USDT",scope="all"} 123456789012.123456' in text
    samples = {s.name: s for f in text_string_to_metric_families(text) for s in f.samples}
    assert samples["auditor_last_success_timestamp_seconds"].value == 0  # never succeeded
    assert samples["auditor_onchain"].labels["config"] == '/srv/a "b"\\c.toml'
    assert "auditor_reserve_ratio" not in samples  # no ratio without liabilities: absent, not 0
