"""Issue 14 end to end: one OKX-layout file of XRP, DOT, APT, FIL, USDT-APT (USDT on Aptos) and ETH/USDT-ERC20
rows, each signed with a real key in its chain's scheme, through one `auditor run` with every network configured:

* XRP on the local rippled stand-in, APT and USDT-APT on the Aptos fullnode stand-in, FIL on the Lotus stand-in
  (each following its documented API; see tests/nodes/),
* DOT on Chopsticks (a real Asset Hub runtime), ETH and USDT-ERC20 on a real anvil (Multicall3, a real ERC-20).

Money moves on every chain after its snapshot, so the per-asset totals (USDT = Aptos + Ethereum) are exact only
if every figure is the snapshot's. Then each chain's server in turn refuses the snapshot: the run exits 3, only
that chain's rows are left unread (never 0) and every other total stays exact."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from decimal import Decimal
from pathlib import Path

import pytest

from auditor.cli import main
from auditor.demo.anvil import Anvil
from auditor.demo.chain import DemoChain
from tests.nodes import chopsticks
from tests.nodes.aptos_server import AptosChain, AptosServerThread
from tests.nodes.lotus_server import FilLedger, LotusServer
from tests.nodes.stand_in import ServerThread
from tests.nodes.substrate_proxy import SubstrateProxy
from tests.nodes.xrpl_server import XrplChain, XrplServerThread
from tests.worlds import aptos, evm, filecoin, substrate, xrpl
from tests.worlds.audit import erc20_overrides, liabilities, outputs, totals
from tests.worlds.okx import MESSAGE, Part, write_file

pytestmark = pytest.mark.skipif(not chopsticks.available(), reason="chopsticks not installed (npm ci)")


@pytest.fixture(scope="module")
def world(tmp_path_factory) -> Iterator[dict]:
    tmp = tmp_path_factory.mktemp("issue14")
    with ExitStack() as stack:
        dot_node = stack.enter_context(chopsticks.Chopsticks())
        anvil = stack.enter_context(Anvil(chain_id=1))
        dot_world = substrate.seed(dot_node)
        xrpl_chain, aptos_chain, fil_ledger = XrplChain(), AptosChain(), FilLedger()
        eth, contracts = evm.build(DemoChain(anvil))
        parts = [xrpl.build(xrpl_chain, rlusd_rows=False), substrate.parts(dot_world, asset_hub=False)[0],
                 aptos.build(aptos_chain, coins={"APT": "APT", "USDT": "USDT-APT"}), filecoin.build(fil_ledger), eth]
        servers = {"XRP": stack.enter_context(XrplServerThread(xrpl_chain)),
                   "APTOS": stack.enter_context(AptosServerThread(aptos_chain)),
                   "FIL": stack.enter_context(ServerThread(LotusServer(fil_ledger)))}
        urls = {"XRP": servers["XRP"].url, "DOT": dot_node.url, "APTOS": servers["APTOS"].url,
                "FIL": servers["FIL"].rpc_url, "ETH": anvil.url}
        yield {"tmp": tmp, "parts": parts, "contracts": contracts, "dot": dot_world, "servers": servers, "urls": urls,
               "file": write_file(tmp / "okx_issue14.csv", [row for part in parts for row in part.rows])}


def _config(world: dict, name: str, urls: dict[str, str]) -> Path:
    path = world["tmp"] / f"{name}.toml"
    path.write_text(f"""
[input]
file = "{world['file']}"
messages = ["{MESSAGE}"]
[output]
dir = "{world['tmp'] / name}"
[networks.XRP]
url = "{urls['XRP']}"
backend = "rippled"
requests_per_second = 1000000
[networks.DOT]
url = "{urls['DOT']}"
backend = "substrate-rpc"
requests_per_second = 1000000
[networks.DOT.options]
genesis_hash = "{world['dot'].genesis}"  # Chopsticks' made-up genesis; mainnet's is in the registry
[networks.APTOS]
url = "{urls['APTOS']}"
backend = "aptos-rest"
requests_per_second = 1000000
[networks.FIL]
url = "{urls['FIL']}"
backend = "lotus"
requests_per_second = 1000000
[networks.FIL.options]
finality_epochs = 3
[networks.ETH]
url = "{urls['ETH']}"
requests_per_second = 1000000
{erc20_overrides(world['contracts'])}
{liabilities(world['parts'])}""")
    return path


def test_every_asset_is_exact_at_the_snapshot(world: dict) -> None:
    parts: list[Part] = world["parts"]
    config = _config(world, "ok", world["urls"])
    assert main(["check", str(config)]) == 0  # every endpoint answers at its snapshot
    code = main(["run", str(config)])
    report, rows = outputs(world["tmp"] / "ok")
    expect = totals(parts)
    assert set(expect) == {"XRP", "DOT", "APT", "FIL", "USDT", "ETH"}
    for part in parts:  # money moved after every snapshot: a reader of any tip gets other totals
        assert all(part.at_tip[asset] != part.at_snapshot[asset] for asset in part.at_snapshot), part.network
    assets = report["assets"]
    for asset, amount in expect.items():
        assert Decimal(assets[asset]["onchain_verified"]) == amount, (asset, assets[asset])
        assert Decimal(assets[asset]["ratio"]) == 1, (asset, assets[asset])
    usdt = {part.network: part.at_snapshot["USDT"] for part in parts if "USDT" in part.at_snapshot}
    assert set(usdt) == {"APTOS", "ETH"}
    for network, amount in usdt.items():
        assert Decimal(assets["USDT"]["networks"][network]["onchain_verified"]) == amount, network
    assert Decimal(assets["USDT"]["onchain_verified"]) == usdt["APTOS"] + usdt["ETH"]
    assert len(rows) == report["rows"]["total"] == sum(len(part.rows) for part in parts)
    assert all(r["status"] == "verified" and Decimal(r["declared"]) == Decimal(r["onchain"]) for r in rows), rows
    assert set(report["snapshot"]) == {"XRP", "DOT", "APTOS", "FIL", "ETH"}
    for part in parts:
        assert report["snapshot"][part.network]["height"] == part.height, part.network
    assert code == 0, report


@contextmanager
def _refusing(world: dict, network: str) -> Iterator[tuple[dict[str, str], str]]:
    """The network's server without the snapshot's state (as a pruned or non-full-history node); the URLs to
    use and the words of its refusal."""
    urls, servers = dict(world["urls"]), world["servers"]
    if network == "DOT":
        with SubstrateProxy(urls["DOT"]) as proxy:
            proxy.pruned.add(world["dot"].node.rpc("chain_getBlockHash", [world["dot"].height]))
            yield {**urls, "DOT": proxy.url}, "State already discarded"
        return
    faults = servers[network].faults
    undo: Callable[[], None]
    if network == "XRP":
        faults.history_from, undo = servers["XRP"].chain.head, lambda: setattr(faults, "history_from", None)
        words = "has no block"
    elif network == "APTOS":
        faults.oldest_block, undo = servers["APTOS"].chain.head, lambda: setattr(faults, "oldest_block", 0)
        words = "block_pruned"
    else:
        faults.pruned_below, undo = 10**6, lambda: setattr(faults, "pruned_below", None)
        words = "could not find"
    try:
        yield urls, words
    finally:
        undo()


@pytest.mark.parametrize("refused", ["XRP", "DOT", "APTOS", "FIL"])
def test_a_server_refusing_the_snapshot_leaves_only_its_rows_unread(world: dict, refused: str) -> None:
    parts: list[Part] = world["parts"]
    with _refusing(world, refused) as (urls, words):
        code = main(["run", str(_config(world, f"refused-{refused}", urls))])
    report, rows = outputs(world["tmp"] / f"refused-{refused}")
    errors = {e["network"]: e["error"] for e in report["data_source_errors"]}
    assert list(errors) == [refused] and words in errors[refused], errors
    unread = [r for r in rows if r["onchain"] == ""]
    refused_part = next(part for part in parts if part.network == refused)
    assert len(unread) == len(refused_part.rows) == report["missing_balances_total"], unread
    assert {r["network"] for r in unread} == {refused}
    assert all(Decimal(r["declared"]) == Decimal(r["onchain"]) for r in rows if r["network"] != refused)
    read = totals(part for part in parts if part.network != refused)
    for asset in totals(parts):  # the refused chain's figures are missing, never read at its tip
        assert Decimal(report["assets"][asset]["onchain_verified"]) == read.get(asset, 0), asset
    assert code == 3, report
