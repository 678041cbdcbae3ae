"""`auditor run` on the demo file with the fault proxy (tests/nodes/fault_proxy.py) in front of the ETH anvil: a
file that honestly falls short never passes, every row's figure is the true one or it is unread with the reason,
`methods` counts only figures read, and a reorg of the snapshot block fails the network with exit 3 naming the
height (issue 13, items 1, 11)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from auditor.cli import main
from auditor.demo.anvil import Anvil
from auditor.demo.scenario import build_demo
from tests.nodes.fault_proxy import FaultProxy, Faults

CONFIG = """
[input]
file = "{file}"
[output]
dir = "{out}"
[networks.ETH]
url = "{eth}"
chain_id = 1
batch_size = 2
retries = 2
max_concurrency = 1
requests_per_second = 1000000
[networks.ARBITRUM]
url = "{arb}"
[liabilities]
ETH = "1000"
USDT = "{usdt_owed}"
[registry.tokens.USDT-ERC20]
contract = "{eth_token}"
[registry.tokens.USDT-ARBITRUM]
contract = "{arb_token}"
"""


def _run(tmp_path: Path, demo: dict, eth_url: str, usdt_owed: str = "99000000") -> tuple[int, dict, list[dict], list]:
    config = tmp_path / "audit.toml"
    config.write_text(CONFIG.format(file=demo["data"] / "okx_por_demo.csv", out=tmp_path / "out", eth=eth_url,
                                    arb=demo["arb_url"], usdt_owed=usdt_owed, eth_token=demo["eth"].token,
                                    arb_token=demo["arb"].token))
    code = main(["run", str(config), "--quiet"])
    run = tmp_path / "out" / "latest"
    report = json.loads((run / "report.json").read_text())
    with (run / "addresses.csv").open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    with (run / "balances.csv").open(newline="") as handle:
        balances = list(csv.DictReader(handle))
    return code, report, rows, balances


def _eth_rows_true_or_unread(rows: list[dict]) -> tuple[int, int]:
    """The demo's declared amounts are the true balances at the snapshot: an ETH row has that figure, or none
    and a reason."""
    read = unread = 0
    for row in (r for r in rows if r["network"] == "ETH"):
        if row["onchain"]:
            assert row["onchain"] == row["declared"], row
            read += 1
        else:
            assert "balance" in row["reason"] or "eth_call" in row["reason"] or "block" in row["reason"], row
            unread += 1
    return read, unread


def test_stale_replies_never_turn_a_shortfall_into_a_pass(tmp_path, demo_chains):
    """Every 3rd eth_call answered with the previous one's reply (issue 13's first finding: a short file came out
    exit 0). Now the rows are read right or not at all, and the shortfall stays a shortfall."""
    with FaultProxy(demo_chains["eth_url"]) as proxy:
        proxy.faults = Faults(stale_every=3)
        code, report, rows, _ = _run(tmp_path, demo_chains, proxy.url)
        assert proxy.counts["injected"] >= 1
    assert code in (1, 3) and report["assets"]["USDT"]["ok"] is False
    read, _ = _eth_rows_true_or_unread(rows)
    assert read > 0


def test_a_dying_endpoint_keeps_what_was_read_and_methods_count_only_figures(tmp_path, demo_chains):
    """The proxy dies after the snapshot checks and two aggregate3 calls: those rows keep their figures, the
    others are unread with the reason (exit 3), and `methods` counts only the figures read."""
    with FaultProxy(demo_chains["eth_url"]) as proxy:
        proxy.faults = Faults(die_after=4 + 2)
        code, report, rows, balances = _run(tmp_path, demo_chains, proxy.url, usdt_owed="1")
    assert code == 3
    read, unread = _eth_rows_true_or_unread(rows)
    assert read > 0 and unread > 0
    eth_balances = [b for b in balances if b["network"] == "ETH"]
    figures = [b for b in eth_balances if b["amount_base_units"]]
    assert all(b["method"] == "multicall3" for b in figures)
    assert all(not b["method"] and "no answer after 2 attempts" in b["error"] for b in eth_balances
               if not b["amount_base_units"])
    assert report["snapshot"]["ETH"]["methods"] == {"multicall3": len(figures)}


@pytest.fixture(scope="module")
def own_demo(tmp_path_factory):
    """Demo chains of this module's own: the reorg rewrites the ETH chain's last blocks."""
    data = tmp_path_factory.mktemp("reorg-demo")
    with Anvil(chain_id=1) as eth_node, Anvil(chain_id=42161) as arb_node:
        eth, arb = build_demo(data, eth_node, arb_node)
        yield {"data": data, "eth": eth, "arb": arb, "eth_url": eth_node.url, "arb_url": arb_node.url,
               "eth_node": eth_node}


def test_a_reorg_of_the_snapshot_block_is_exit_3_naming_the_height(tmp_path, own_demo):
    node = own_demo["eth_node"]
    height = own_demo["eth"].height
    depth = int(node.rpc("eth_blockNumber"), 16) - height + 1  # down to and including the snapshot block
    with FaultProxy(own_demo["eth_url"]) as proxy:
        proxy.faults = Faults(reorg_after=2, reorg_depth=depth)
        code, report, rows, balances = _run(tmp_path, own_demo, proxy.url, usdt_owed="1")
        assert proxy.counts["reorgs"] == 1
    assert code == 3
    eth_rows = [r for r in rows if r["network"] == "ETH"]
    assert eth_rows and all(not r["onchain"] for r in eth_rows)  # nothing read belongs to the snapshot
    text = f"block {height} changed during the run"
    assert all(text in b["error"] for b in balances if b["network"] == "ETH")
    assert report["snapshot"]["ETH"]["methods"] == {}
