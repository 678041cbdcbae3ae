"""`auditor run` on an OKX-layout file of DOT (Polkadot) and USDT/USDC (Polkadot Asset Hub) rows, signed with
OKX's Ed25519 scheme by the keys of the accounts, read from Chopsticks (a real Asset Hub runtime) at the
snapshot block while money moved after it; a pruned node makes the run exit 3."""

from __future__ import annotations

import csv
import json
from decimal import Decimal
from pathlib import Path

from auditor.cli import main
from tests.chains.substrate.conftest import USDC, USDT, World
from tests.nodes.substrate_proxy import SubstrateProxy
from tests.worlds.okx import write_file
from tests.worlds.substrate import parts


def _file(world: World, folder: Path) -> Path:
    dot, hub = parts(world)
    return write_file(folder / "okx_dot.csv", [*dot.rows, *hub.rows])


def _config(world: World, folder: Path, url: str) -> Path:
    path = folder / "dot.toml"
    path.write_text(f"""
[input]
file = "{_file(world, folder)}"
[output]
dir = "{folder / 'out'}"
[networks.DOT]
url = "{url}"
backend = "substrate-rpc"
requests_per_second = 1000000
[networks.DOT.options]
genesis_hash = "{world.genesis}"  # Chopsticks' made-up genesis; mainnet's is in the registry
[networks.DOTAH]
url = "{url}"
backend = "substrate-rpc"
requests_per_second = 1000000
[networks.DOTAH.options]
genesis_hash = "{world.genesis}"
[liabilities]
DOT = "20"
USDT = "1000000"
USDC = "300"
""")
    return path


def test_audit_totals_are_the_snapshots(substrate_world: World, tmp_path: Path) -> None:
    world = substrate_world
    code = main(["run", str(_config(world, tmp_path, world.node.url))])
    report = json.loads((tmp_path / "out" / "latest" / "report.json").read_text())
    assets = report["assets"]
    a = world.accounts
    dot = sum(world.native[x] for x in a[:3])
    dot_at_tip = sum(world.native_tip[x] for x in a[:3])
    assert dot != dot_at_tip
    assert Decimal(assets["DOT"]["onchain_verified"]) == Decimal(dot) / 10**10 == Decimal("20.5")
    usdt = world.assets[(USDT, a[0])] + world.assets[(USDT, a[1])]
    assert Decimal(assets["USDT"]["onchain_verified"]) == Decimal(usdt) / 10**6
    assert assets["USDT"]["networks"]["DOTAH"]["onchain_verified"] == str(Decimal(usdt) / 10**6)
    assert Decimal(assets["USDC"]["onchain_verified"]) == Decimal(world.assets[(USDC, a[0])]) / 10**6
    assert report["snapshot"]["DOT"]["methods"] == {"System.Account": 3}
    assert report["snapshot"]["DOTAH"]["methods"] == {"Assets.Account": 3}
    with (tmp_path / "out" / "latest" / "addresses.csv").open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 6 and all(r["status"] == "verified" for r in rows), rows
    assert code == 0, report


def test_pruned_node_makes_the_run_exit_3(substrate_world: World, tmp_path: Path) -> None:
    world = substrate_world
    with SubstrateProxy(world.node.url) as proxy:
        proxy.pruned.add(world.node.rpc("chain_getBlockHash", [world.height]))
        code = main(["run", str(_config(world, tmp_path, proxy.url))])
    report = json.loads((tmp_path / "out" / "latest" / "report.json").read_text())
    assert code == 3
    errors = report["data_source_errors"]
    assert sorted(e["network"] for e in errors) == ["DOT", "DOTAH"]
    assert all("State already discarded" in e["error"] for e in errors)
    assert report["assets"]["DOT"]["onchain_verified"] == "0"
