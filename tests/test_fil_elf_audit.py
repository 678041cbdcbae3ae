"""An OKX-layout file with FIL and ELF rows, signed with real keys in OKX's "ECDSA family" scheme, through
`auditor run` against the local Lotus and aelf stand-ins, with money moving after each snapshot: the per-asset
totals must be the chains' at the snapshot; a source without the needed state or history exits 3."""

from __future__ import annotations

import csv
import json
from decimal import Decimal
from pathlib import Path

import pytest

from auditor.cli import main
from tests.nodes.aelf_server import AelfLedger, AelfServer
from tests.nodes.lotus_server import FilLedger, LotusServer
from tests.nodes.stand_in import ServerThread
from tests.worlds.aelf import build as build_elf
from tests.worlds.filecoin import build as build_fil
from tests.worlds.okx import write_file


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("fil_elf")
    fil, elf = FilLedger(), AelfLedger(lib_lag=1)
    parts = [build_fil(fil), build_elf(elf)]
    path = write_file(tmp / "okx_fil_elf.csv", [row for part in parts for row in part.rows])
    expect = {asset: total for part in parts for asset, total in part.at_snapshot.items()}
    expect |= {f"{asset}@head": total for part in parts for asset, total in part.at_tip.items()}
    lotus, aelf = LotusServer(fil), AelfServer(elf)
    with ServerThread(lotus), ServerThread(aelf):
        yield {"tmp": tmp, "file": path, "expect": expect, "lotus": lotus, "aelf": aelf,
               "rows": sum(len(part.rows) for part in parts)}


def _config(world, name: str) -> Path:
    path = world["tmp"] / f"{name}.toml"
    path.write_text(f"""
[input]
file = "{world['file']}"
[output]
dir = "{world['tmp'] / name}"
[networks.FIL]
url = "{world['lotus'].rpc_url}"
backend = "lotus"
requests_per_second = 1000000
[networks.FIL.options]
finality_epochs = 3
[networks.ELF]
url = "{world['aelf'].url}"
backend = "aelf-web"
requests_per_second = 1000000
[liabilities]
FIL = "5000"
ELF = "200000"
""")
    return path


def test_fil_and_elf_totals_are_exact_at_the_snapshot(world):
    code = main(["run", str(_config(world, "ok"))])
    out = world["tmp"] / "ok" / "latest"
    report = json.loads((out / "report.json").read_text())
    expect = world["expect"]
    assert expect["FIL"] != expect["FIL@head"] and expect["ELF"] != expect["ELF@head"]
    assets = report["assets"]
    assert Decimal(assets["FIL"]["onchain_verified"]) == expect["FIL"]
    assert Decimal(assets["ELF"]["onchain_verified"]) == expect["ELF"]
    assert report["rows"]["verified"] == world["rows"] == report["rows"]["total"]
    assert report["snapshot"]["FIL"]["methods"] == {"StateGetActor": 3}
    assert report["snapshot"]["ELF"]["methods"] == {"GetBalance-rollback": 2}
    with (out / "addresses.csv").open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert all(Decimal(r["declared"]) == Decimal(r["onchain"]) for r in rows), rows
    assert code == 0, report


def test_sources_without_the_snapshot_state_exit_3(world):
    world["lotus"].faults.pruned_below = 10**6
    world["aelf"].faults.no_results = True
    try:
        code = main(["run", str(_config(world, "refused"))])
    finally:
        world["lotus"].faults.pruned_below = None
        world["aelf"].faults.no_results = False
    report = json.loads((world["tmp"] / "refused" / "latest" / "report.json").read_text())
    errors = {e["network"]: e["error"] for e in report["data_source_errors"]}
    assert set(errors) == {"FIL", "ELF"}
    assert "could not find" in errors["FIL"] and "no transaction results" in errors["ELF"]
    assert report["assets"]["FIL"]["onchain"] == "0" and report["assets"]["FIL"]["addresses"]["missing_balance"] == 3
    assert code == 3


def test_check_passes_then_refuses_a_pruned_lotus(world, capsys):
    assert main(["check", str(_config(world, "check"))]) == 0
    world["lotus"].faults.pruned_below = 10**6
    try:
        assert main(["check", str(_config(world, "check"))]) == 3
    finally:
        world["lotus"].faults.pruned_below = None
    assert "could not find" in capsys.readouterr().out
