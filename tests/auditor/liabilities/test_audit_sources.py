"""The audit's liabilities side: a merkle_tree source gives verified per-coin liabilities (the root's totals); a
declared figure contradicting it is a finding and exits 1; a rejected tree fails its assets."""

from __future__ import annotations

import csv
import json
import re
from decimal import Decimal
from pathlib import Path

from auditor.cli import main
from auditor.demo.scenario import HEADER, MESSAGE
from auditor.demo.signing import demo_key, evm_address, sign_okx_evm
from tests.auditor.liabilities.builders import bitmex_sub_nonce, bitmex_tree_text, fake_leaf, write_okx_tree

CONFIG = """
[input]
file = "{file}"
[output]
dir = "{out}"
[audit]
required_ratio = "0"
workers = 1
[liabilities]
merkle_tree = "{tree}"
{declared}
"""


def _address_file(tmp_path: Path) -> Path:
    """One signed ETH row; no [networks] table, so it is checked for ownership only (unchecked, no endpoint)."""
    key = demo_key("liabilities test")
    path = tmp_path / "por.csv"
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(HEADER)
        writer.writerow(["ETH", "ETH", "100", evm_address(key), "1.5", MESSAGE, sign_okx_evm(key, MESSAGE), "", "", "",
                         ""])
    return path


def _run(tmp_path: Path, tree: Path, declared: str = "") -> tuple[int, dict, str]:
    config = tmp_path / "audit.toml"
    config.write_text(CONFIG.format(file=_address_file(tmp_path), out=tmp_path / "out", tree=tree, declared=declared))
    code = main(["run", str(config)])
    latest = tmp_path / "out" / "latest"
    return code, json.loads((latest / "report.json").read_text()), (latest / "report.md").read_text()


def _tree(tmp_path: Path) -> tuple[Path, dict[str, Decimal]]:
    leaves = [fake_leaf(i) for i in range(11)]
    totals = {coin: sum(v[i] for _h, v in leaves) for i, coin in enumerate(("BTC", "ETH", "USDT"))}
    return write_okx_tree(tmp_path / "tree.txt", leaves), totals


def test_merkle_tree_root_totals_are_the_verified_liabilities(tmp_path):
    tree, totals = _tree(tmp_path)
    code, report, markdown = _run(tmp_path, tree)
    assert code == 0
    for coin, amount in totals.items():
        asset = report["assets"][coin]
        assert Decimal(asset["liabilities"]) == amount
        assert asset["liabilities_verified"] is True
        assert asset["liabilities_source"] == f"merkle_tree {tree}"
    assert report["liabilities"]["proofs"][0]["status"] == "verified"
    assert "**BTC liabilities** (denominator)" in markdown and "**proven**" in markdown
    assert f"| {totals['BTC']} (proven) |" in markdown


def test_declared_figure_disagreeing_with_the_root_is_a_finding_and_exits_1(tmp_path):
    tree, totals = _tree(tmp_path)
    declared = f'ETH = "{totals["ETH"] + 1}"\nUSDT = "{totals["USDT"]}"\nBTC_EXTRA = "5"'
    code, report, markdown = _run(tmp_path, tree, declared)
    assert code == 1
    eth = report["assets"]["ETH"]
    assert Decimal(eth["liabilities"]) == totals["ETH"]  # the proven figure is the one divided by
    assert not eth["ok"] and any("disagree" in p for p in eth["problems"])
    assert report["assets"]["USDT"]["ok"]  # agreeing declared figure: no finding
    findings = [d for d in report["discrepancies"] if d.get("kind") == "liabilities_mismatch"]
    assert [f["asset"] for f in findings] == ["ETH"]
    assert findings[0]["difference"] == "-1"
    extra = report["assets"]["BTC_EXTRA"]
    assert extra["liabilities_verified"] is False and extra["liabilities_source"].startswith("declared")
    assert "**not proven**" in markdown and "ETH liabilities: declared" in markdown
    lines = (tmp_path / "out" / "latest" / "findings.jsonl").read_text().splitlines()
    assert any(json.loads(line).get("kind") == "liabilities_mismatch" for line in lines)


def test_rejected_tree_fails_its_assets_and_shows_the_claimed_root_unverified(tmp_path):
    tree, totals = _tree(tmp_path)
    lines = tree.read_text().splitlines(keepends=True)
    lines[5] = lines[5][:3] + ("0" if lines[5][3] != "0" else "1") + lines[5][4:]
    tree.write_text("".join(lines))
    code, report, _markdown = _run(tmp_path, tree)
    assert code == 1
    for coin, amount in totals.items():
        asset = report["assets"][coin]
        assert not asset["ok"] and asset["liabilities_verified"] is False
        assert Decimal(asset["liabilities"]) == amount
        assert any("rejected" in p and re.search(r"lines? [0-9, ]*\b6\b", p) for p in asset["problems"]), asset
    assert report["liabilities"]["proofs"][0]["status"] == "rejected"


def test_unreadable_tree_is_a_config_error(tmp_path, capsys):
    tree = tmp_path / "tree.txt"
    tree.write_text("not a tree\n")
    config = tmp_path / "audit.toml"
    config.write_text(CONFIG.format(file=_address_file(tmp_path), out=tmp_path / "out", tree=tree, declared=""))
    assert main(["run", str(config)]) == 2
    assert "tree.txt:1:" in capsys.readouterr().err


def test_rejected_bitmex_tree_fails_btc_even_without_a_figure(tmp_path):
    leaves = [(bitmex_sub_nonce(bytes(32), 7, i), 1000 + i) for i in range(4)]
    text = bitmex_tree_text(leaves, 7).splitlines()
    digest, sats = text[3].split(",")
    text[3] = f"{digest},{int(sats) + 1}"  # a level-1 node no longer the sum of its children
    tree = tmp_path / "bitmex.txt"
    tree.write_text("\n".join(text) + "\n")
    code, report, _markdown = _run(tmp_path, tree)
    assert code == 1
    btc = report["assets"]["BTC"]
    assert not btc["ok"] and btc["liabilities"] is None
    assert any("bitmex.txt:2:" in p and "lines 3 and 4" in p for p in btc["problems"])
