"""An OKX-layout file with FIL and ELF rows, signed with real keys in OKX's "ECDSA family" scheme, through
`auditor run` against the local Lotus and aelf stand-ins, with money moving after each snapshot: the per-asset
totals must be the chains' at the snapshot; a source without the needed state or history exits 3."""

from __future__ import annotations

import csv
import json
from decimal import Decimal
from pathlib import Path

import pytest
from coincurve import PrivateKey

from auditor.cli import main
from chains.aelf import addresses as aelf_addresses
from chains.filecoin import addresses as fil_addresses
from tests.chains.okx_ecdsa_signing import sign_okx_ecdsa
from tests.nodes.aelf_server import AelfLedger, AelfServer
from tests.nodes.lotus_server import FilLedger, LotusServer
from tests.nodes.stand_in import ServerThread

MESSAGE = "I am an OKX address"
HEADER = ["coin", "Network", "Snapshot Height", "address", "amount", "message", "signature1", "signature2",
          "redeem script/ public key"]


def _keys(base: int, count: int) -> list[PrivateKey]:
    return [PrivateKey((base + i).to_bytes(32, "big")) for i in range(count)]


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("fil_elf")
    rows: list[list[str]] = []
    expect: dict[str, int] = {}

    fil = FilLedger()
    fil_keys = _keys(3000, 3)
    fil_accounts = [fil_addresses.encode(fil_addresses.payload_of(k.public_key)) for k in fil_keys]
    fil_outsider = fil_addresses.encode(fil_addresses.payload_of(PrivateKey((3999).to_bytes(32, "big")).public_key))
    for i, account in enumerate(fil_accounts[:2]):
        fil.credit(account, (i + 1) * 2500 * 10**18 + 17)
    fil.credit(fil_outsider, 10**6 * 10**18)
    fil_height = fil.mine(2)
    fil.transfer(fil_outsider, fil_accounts[0], 40 * 10**18)  # after H
    fil.transfer(fil_accounts[1], fil_outsider, 9 * 10**18)
    fil.transfer(fil_outsider, fil_accounts[2], 1 * 10**18)  # an account created after H
    fil.mine(5)

    elf = AelfLedger(lib_lag=1)
    elf_keys = _keys(4000, 2)
    elf_accounts = [aelf_addresses.encode(aelf_addresses.account_of(k.public_key)) for k in elf_keys]
    elf_outsider = aelf_addresses.encode(aelf_addresses.account_of(PrivateKey((4999).to_bytes(32, "big")).public_key))
    for i, account in enumerate(elf_accounts):
        elf.issue(account, (i + 1) * 70_000 * 10**8 + 3)
    elf.issue(elf_outsider, 10**7 * 10**8)
    elf_height = elf.mine(2)
    elf.transfer(elf_outsider, elf_accounts[0], 321 * 10**8)  # after H
    elf.transfer(elf_accounts[1], elf_outsider, 5 * 10**8)
    elf.mine(3)

    for key, account in zip(fil_keys, fil_accounts, strict=True):
        amount = Decimal(fil.balance(account, fil_height)) / 10**18
        rows.append(["FIL", "FIL", fil_height, account, f"{amount:f}", MESSAGE, sign_okx_ecdsa(key, MESSAGE), "", ""])
    for i, (key, account) in enumerate(zip(elf_keys, elf_accounts, strict=True)):
        amount = Decimal(elf.balance(account, "ELF", elf_height)) / 10**8
        shown = f"ELF_{account}_AELF" if i else account  # both address forms
        rows.append(["ELF", "AELF", elf_height, shown, f"{amount:f}", MESSAGE, sign_okx_ecdsa(key, MESSAGE), "", ""])
    expect["FIL"] = sum(fil.balance(a, fil_height) for a in fil_accounts)
    expect["FIL@head"] = sum(fil.balance(a) for a in fil_accounts)
    expect["ELF"] = sum(elf.balance(a, "ELF", elf_height) for a in elf_accounts)
    expect["ELF@head"] = sum(elf.balance(a) for a in elf_accounts)

    path = tmp / "okx_fil_elf.csv"
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(HEADER)
        writer.writerows(rows)
    lotus, aelf = LotusServer(fil), AelfServer(elf)
    with ServerThread(lotus), ServerThread(aelf):
        yield {"tmp": tmp, "file": path, "expect": expect, "lotus": lotus, "aelf": aelf, "rows": len(rows)}


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
    assert Decimal(assets["FIL"]["onchain_verified"]) == Decimal(expect["FIL"]) / 10**18
    assert Decimal(assets["ELF"]["onchain_verified"]) == Decimal(expect["ELF"]) / 10**8
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
