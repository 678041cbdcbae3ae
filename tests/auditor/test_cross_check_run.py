"""`auditor run` with `[cross_check] files`: an address of the audited file that another exchange's file also
claims is a failing finding (exit 1) in every report, naming both files; with no overlap the run passes."""

from __future__ import annotations

import csv
import json

from auditor.cli import main
from auditor.formats import open_address_file
from tests.auditor.ops.support import env_for, write_config


def _other_exchange(path, address: str) -> None:
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["Asset", "Chain", "Wallet", "Balance"])
        writer.writerow(["ETH", "ETH", address, "5"])


def test_a_double_claim_fails_the_run_and_is_reported(tmp_path, demo_chains, monkeypatch):
    for name, value in env_for(demo_chains).items():
        monkeypatch.setenv(name, value)
    rows = open_address_file(demo_chains["data"] / "okx_por_demo.csv").rows()
    claimed = next(r.address for r in rows if r.coin == "ETH" and r.network.upper() == "ETH")
    other = tmp_path / "other_exchange.csv"
    _other_exchange(other, claimed)
    table = (f'[cross_check]\nfiles = [{{ file = "{other}", exchange = "Other", columns = {{ coin = "Asset", '
             'network = "Chain", address = "Wallet", amount = "Balance" } }]\n')
    config = write_config(tmp_path / "audit.toml", demo_chains, out=tmp_path / "out", extra=table)
    assert main(["run", str(config), "--quiet"]) == 1
    run = tmp_path / "out" / "latest"
    report = json.loads((run / "report.json").read_text())
    claims = [f for f in report["discrepancies"] if f["kind"] == "double_claim"]
    assert len(claims) == 1 and claims[0]["address"].lower() == claimed.lower()
    assert [c["exchange"] for c in claims[0]["claims"]] == ["OKX", "Other"]
    assert "claimed" in claims[0]["text"] and claimed.lower() in (run / "report.md").read_text().lower()

    _other_exchange(other, "0x" + "42" * 20)  # nobody else claims the file's addresses
    assert main(["run", str(config), "--quiet"]) == 0
