"""`auditor run` on an OKX-layout file of EOS/Vaulta rows signed with real keys (the tests' and the published
vector's), against a real nodeos behind the Hyperion stand-in: per-asset totals exact at the snapshot, each
row verified, failed or unchecked by the account's permissions, a history server without the snapshot refused
(exit 3)."""

from __future__ import annotations

import csv
import json
from decimal import Decimal
from pathlib import Path

import pytest

from auditor.cli import main
from tests.chains.eos.world import MESSAGE, EosWorld
from tests.nodes.hyperion_server import HyperionThread

HEADER = ["coin", "Network", "Snapshot Height", "address", "amount", "message", "signature1", "signature2",
          "redeem script/ public key", " eoa1", " eoa2"]


def _file(world: EosWorld, path: Path) -> None:
    rows = []
    for coin, account, amount in (("EOS", "alice", "100"), ("EOS", "bob", "50"), ("EOS", "carol", "1"),
                                  ("USDT", "carol", "10"), ("EOS", "dave", "20")):
        signature, key = world.signature(account)
        rows.append([coin, "Vaulta", world.snapshot, account, amount, MESSAGE, signature, "", key, "", ""])
    vector = world.vector
    assert vector is not None
    signed = [vector["message"], vector["signature1"], "", vector["script_or_pubkey"], "", ""]
    rows.append(["EOS", "Vaulta", world.snapshot, "okbwallet1tr", "7.5", *signed])  # its active key
    rows.append(["USDT", "Vaulta", world.snapshot, "alice", "0", *signed])  # not alice's key
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        writer.writerows(rows)


def _config(world: EosWorld, tmp: Path, url: str) -> Path:
    path = tmp / "eos.toml"
    path.write_text(f"""
[input]
file = "{tmp / 'eos.csv'}"
[output]
dir = "{tmp / 'out'}"
[networks.EOS]
url = "{url}"
backend = "nodeos"
requests_per_second = 1000000
[networks.EOS.options]
chain_id = "{world.chain.chain_id}"
""")
    return path


def test_eos_rows_audited_end_to_end(eos_world, tmp_path):
    world = eos_world
    if world.vector is None:
        pytest.skip("../shared vectors not here")
    _file(world, tmp_path / "eos.csv")
    with HyperionThread(world.chain.api_url) as server:
        config = _config(world, tmp_path, server.url)
        assert main(["check", str(config)]) == 0
        code = main(["run", str(config), "--quiet"])
    latest = tmp_path / "out" / "latest"
    report = json.loads((latest / "report.json").read_text())
    with (latest / "addresses.csv").open(newline="") as handle:
        rows = {(r["address"], r["coin"]): r for r in csv.DictReader(handle)}
    assets = report["assets"]
    assert Decimal(assets["EOS"]["onchain_verified"]) == Decimal("158.5")  # alice, bob, carol, okbwallet1tr
    assert Decimal(assets["USDT"]["onchain_verified"]) == Decimal("10")
    for account in ("alice", "bob", "carol", "okbwallet1tr"):
        row = rows[(account, "EOS")]
        assert row["status"] == "verified" and "permission at block" in row["reason"], row
        assert Decimal(row["onchain"]) == Decimal(row["declared"])
    assert "active permission" in rows[("okbwallet1tr", "EOS")]["reason"]
    assert rows[("carol", "USDT")]["status"] == "verified"
    failed = rows[("alice", "USDT")]
    assert failed["status"] == "failed" and "does not control account 'alice'" in failed["reason"]
    dave = rows[("dave", "EOS")]
    assert dave["status"] == "unchecked" and "changed after the snapshot" in dave["reason"]
    assert report["snapshot"]["EOS"]["methods"] == {"eos-get_account-rollback": 5,
                                                    "eos-get_currency_balance-rollback": 2}
    assert code == 1  # the failed row


def test_history_without_the_snapshot_exits_3(eos_world, tmp_path):
    world = eos_world
    if world.vector is None:
        pytest.skip("../shared vectors not here")
    _file(world, tmp_path / "eos.csv")
    with HyperionThread(world.chain.api_url) as server:
        server.faults.first_indexed_block = world.snapshot + 2
        config = _config(world, tmp_path, server.url)
        assert main(["check", str(config)]) == 3
        code = main(["run", str(config), "--quiet"])
    report = json.loads((tmp_path / "out" / "latest" / "report.json").read_text())
    assert code == 3
    [error] = report["data_source_errors"]
    assert error["network"] == "EOS" and "history (Hyperion) starts at block" in error["error"]
    assert Decimal(report["assets"]["EOS"]["onchain_verified"]) == 0
