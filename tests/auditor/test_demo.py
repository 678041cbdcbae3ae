"""README's first command (`make demo` -> `auditor demo`) runs a full, passing audit on three real local nodes,
and every figure in its report is the one the demo put on chain and in its liabilities tree."""

import contextlib
import io
import json
import shutil
from decimal import Decimal

import pytest

import auditor.demo.run as demo_run
from auditor.cli import main
from auditor.liabilities.inclusion import verify_inclusion
from auditor.liabilities.okx_tree import verify_okx_tree
from auditor.money import dec_str, ratio

pytestmark = pytest.mark.skipif(shutil.which("litecoind") is None, reason="litecoind not installed (make demo)")


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo-out")
    built = []
    real_build = demo_run.build_world

    def keep(*args):
        built.append(real_build(*args))
        return built[-1]

    printed = io.StringIO()
    with pytest.MonkeyPatch.context() as patch, contextlib.redirect_stdout(printed):
        patch.setattr(demo_run, "build_world", keep)
        code = main(["demo", "--out", str(out), "--quiet"])
    world, = built
    report = json.loads((out / "latest" / "report.json").read_text())
    return {"code": code, "world": world, "report": report, "out": out, "printed": printed.getvalue()}


def test_demo_passes_with_every_row_verified(demo):
    world, report = demo["world"], demo["report"]
    assert demo["code"] == 0 and report["exit_code"] == 0
    assert report["rows"]["verified"] == report["rows"]["total"] == len(world.rows) > 40
    assert set(report["snapshot"]) == {"ETH", "ARBITRUM", "LTC"}
    for code, record in world.chains.items():
        assert report["snapshot"][code]["height"] == record.height
    assert report["snapshot"]["LTC"]["methods"] == {"scantxoutset": 4}
    assert {"USDT", "USDC", "LINK", "UNI", "OKB", "ETH", "LTC"} <= set(report["assets"])


def test_reserves_are_what_the_demo_put_on_chain(demo):
    world, assets = demo["world"], demo["report"]["assets"]
    for asset in ("ETH", "USDT", "USDC", "LINK", "UNI", "OKB", "LTC"):
        figures = assets[asset]
        assert Decimal(figures["onchain_verified"]) == world.reserves(asset) > 0, asset
        assert Decimal(figures["fresh"]["onchain_verified"]) == world.fresh_reserves(asset), asset
        for network, amount in world.fresh[asset].items():
            assert Decimal(figures["networks"][network]["onchain_verified_fresh"]) == amount, (asset, network)
    # Ethereum rows sign the fixed sentence, Arbitrum and Litecoin rows the snapshot nonce
    assert assets["LTC"]["fresh"]["share"] == "1" and assets["LINK"]["fresh"]["share"] == "0"
    assert 0 < Decimal(assets["ETH"]["fresh"]["share"]) < 1
    statements = {s["statement"]: s for s in demo["report"]["freshness"]["statements"]}
    assert statements["I am an OKX address"]["fresh"] is False
    assert statements["I am an OKX address. Snapshot nonce por-demo-7c41e9d2a5f3"]["basis"] == "nonce"


def test_liabilities_come_from_the_tree_it_built(demo):
    world, report = demo["world"], demo["report"]
    tree = verify_okx_tree(world.tree)  # independently of the run: the tree the demo wrote verifies
    assert tree.totals["ETH"] == world.liabilities["ETH"] and tree.totals["USDT"] == world.liabilities["USDT"]
    for asset, owed in world.liabilities.items():
        figures = report["assets"][asset]
        assert Decimal(figures["liabilities"]) == owed, asset
        assert figures["liabilities_verified"] is (asset in world.tree_assets), asset
        if owed:
            assert figures["ratio"] == dec_str(ratio(world.reserves(asset), owed)), asset
    proofs = report["liabilities"]["proofs"]
    assert [p["status"] for p in proofs] == ["verified"] and tree.root_hash in proofs[0]["detail"]


def test_the_customer_inclusion_proof(demo, tmp_path):
    world = demo["world"]
    result = verify_inclusion(world.user_proof, tree=world.tree)
    assert result.included and result.details["root"] == verify_okx_tree(world.tree).root_hash
    proof = json.loads(world.user_proof.read_text())
    assert len(proof["nodes"]) == 2  # split over two leaves, as OKX does for large balances
    proof["totalBalances"]["ETH"] = str(Decimal(proof["totalBalances"]["ETH"]) + 1)
    forged = tmp_path / "forged.json"
    forged.write_text(json.dumps(proof))
    assert not verify_inclusion(forged, tree=world.tree).included


def test_report_html_is_written_and_named(demo):
    html = demo["out"] / "latest" / "report.html"
    assert html.is_file() and 'id="fresh-reserves"' in html.read_text()
    assert f"report.html: {html}" in demo["printed"]
    assert "checked against the liabilities tree: yes" in demo["printed"]
