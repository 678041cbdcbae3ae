"""Freshness end to end on a real anvil: rows signing fixed text, the snapshot date, the snapshot height and the
published nonce, balances moved after the snapshot; the fresh part of the verified reserves in report.json,
report.md and report.html, and `[audit] require_fresh` counting only that part toward the ratio."""

from __future__ import annotations

import csv
import json
from decimal import Decimal

import pytest

from auditor.cli import main
from auditor.demo.chain import DemoChain
from auditor.demo.signing import demo_key, evm_address, sign_okx_evm
from auditor.money import dec_str, whole_units

HEADER = ["coin", "Network", "Snapshot Height", "address", "amount", "message", "signature1", "signature2",
          "redeem script/ public key", " eoa1", " eoa2"]
NONCE = "b41d07e2c9aa5f13"
ETH = 10**18


@pytest.fixture(scope="module")
def world(anvil_eth, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("fresh")
    chain = DemoChain(anvil_eth)
    chain.deploy_multicall3()
    token = chain.deploy_token("Tether USD (fresh)", "USDT", 6)
    keys = [demo_key(f"fresh/{i}") for i in range(4)]
    wei = [3 * ETH, 5 * ETH, 7 * ETH, 11 * ETH]
    usdt = [1_000 * 10**6, 2_000 * 10**6, 4_000 * 10**6, 8_000 * 10**6]
    for key, w, u in zip(keys, wei, usdt, strict=True):
        chain.send_eth(evm_address(key), w)
        chain.mint(token, evm_address(key), u)
    height = chain.mine()
    messages = ["I am an OKX address",  # fixed text: not fresh
                "OKX proof of reserves, snapshot of November 30, 2026",  # the date, as a person writes it
                f"OKX reserves at Ethereum block {height:,}",  # the row's snapshot height
                f"I am an OKX address {NONCE}"]  # the nonce published with the snapshot
    rows = []
    for key, message, w, u in zip(keys, messages, wei, usdt, strict=True):
        signature = sign_okx_evm(key, message)
        rows.append(["ETH", "ETH", height, evm_address(key), str(whole_units(w, 18)), message, signature, "", "", "",
                     ""])
        rows.append(["USDT-ERC20", "ETH", height, evm_address(key), str(whole_units(u, 6)), message, signature, "", "",
                     "", ""])
    outside = evm_address(demo_key("fresh/outside"))
    for key in keys:  # after the snapshot: a tip reader would see other totals
        chain.transfer_eth(evm_address(key), outside, ETH)
        chain.transfer_token(token, evm_address(key), outside, 500 * 10**6)
    chain.mine()
    path = tmp / "okx_fresh.csv"
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["coin", "snapshot height", "amount"])
        writer.writerow([])
        writer.writerow(HEADER)
        writer.writerows(rows)
    return {"tmp": tmp, "file": path, "url": anvil_eth.url, "token": token, "wei": wei, "usdt": usdt,
            "height": height, "messages": messages}


def _run(world, name: str, require_fresh: bool, eth_owed: str = "20", usdt_owed: str = "10000") -> tuple[int, dict]:
    out = world["tmp"] / name
    config = world["tmp"] / f"{name}.toml"
    config.write_text(f"""
[input]
file = "{world['file']}"
[output]
dir = "{out}"
[audit]
snapshot_date = 2026-11-30
snapshot_nonce = "{NONCE}"
require_fresh = {str(require_fresh).lower()}
[networks.ETH]
url = "{world['url']}"
chain_id = 1
[liabilities]
ETH = "{eth_owed}"
USDT = "{usdt_owed}"
[registry.tokens.USDT-ERC20]
contract = "{world['token']}"
""")
    code = main(["run", str(config), "--quiet"])
    return code, json.loads((out / "latest" / "report.json").read_text())


def test_fresh_share_is_reported_and_all_verified_reserves_count(world):
    code, report = _run(world, "plain", require_fresh=False)
    eth, usdt = report["assets"]["ETH"], report["assets"]["USDT"]
    all_eth = whole_units(sum(world["wei"]), 18)
    fresh_eth = whole_units(sum(world["wei"][1:]), 18)  # date, height and nonce rows; not the fixed text
    fresh_usdt = whole_units(sum(world["usdt"][1:]), 6)
    assert Decimal(eth["onchain_verified"]) == all_eth == Decimal(eth["reserves_counted"])
    assert Decimal(eth["fresh"]["onchain_verified"]) == fresh_eth
    assert Decimal(eth["fresh"]["onchain_verified_not_fresh"]) == whole_units(world["wei"][0], 18)
    assert Decimal(eth["fresh"]["share"]) == (fresh_eth / all_eth).quantize(Decimal("0.000001"), "ROUND_DOWN")
    assert eth["fresh"]["verified_rows"] == 3 and eth["fresh"]["counted_alone"] is False
    assert Decimal(usdt["fresh"]["onchain_verified"]) == fresh_usdt
    assert Decimal(usdt["networks"]["ETH"]["onchain_verified_fresh"]) == fresh_usdt
    assert Decimal(eth["ratio"]) == all_eth / 20 and code == 0, report
    statements = {s["statement"]: s for s in report["freshness"]["statements"]}
    fixed, dated, at_height, with_nonce = world["messages"]
    assert statements[fixed]["fresh"] is False and statements[fixed]["basis"] == "none"
    assert (statements[dated]["basis"], statements[dated]["evidence"]) == ("date", "November 30, 2026")
    assert (statements[at_height]["basis"], statements[at_height]["evidence"]) == ("height", f"{world['height']:,}")
    assert (statements[with_nonce]["basis"], statements[with_nonce]["evidence"]) == ("nonce", NONCE)
    assert all(s["rows"] == s["verified_rows"] == 2 for s in statements.values())
    assert report["freshness"] | {"statements": None} == {
        "snapshot_date": "2026-11-30", "snapshot_nonce": NONCE, "require_fresh": False, "statements": None}
    run_dir = world["tmp"] / "plain" / "latest"
    markdown = (run_dir / "report.md").read_text()
    assert "## Freshness of the ownership proofs" in markdown
    assert "the numerator is only the part" not in markdown  # all verified reserves count without require_fresh
    stale = dec_str(whole_units(world["wei"][0], 18))
    assert f"| ETH | {dec_str(all_eth)} | {dec_str(fresh_eth)} | {stale} |" in markdown
    html = (run_dir / "report.html").read_text()
    assert 'id="fresh-reserves"' in html and "fresh: nonce " + NONCE in html


def test_require_fresh_counts_only_fresh_reserves(world):
    # ETH: 26 verified, 23 of them fresh; liabilities 24 pass on all verified reserves, not on the fresh ones
    code, report = _run(world, "strict", require_fresh=True, eth_owed="24", usdt_owed="14000")
    eth, usdt = report["assets"]["ETH"], report["assets"]["USDT"]
    fresh_eth = whole_units(sum(world["wei"][1:]), 18)
    assert Decimal(eth["reserves_counted"]) == fresh_eth and Decimal(eth["onchain_verified"]) == 26
    assert Decimal(eth["ratio"]) == (fresh_eth / 24).quantize(Decimal("0.000001"), "ROUND_DOWN")
    assert eth["ok"] is False and eth["problems"] == [f"fresh reserves {dec_str(fresh_eth)} below 1 x liabilities"]
    assert usdt["ok"] is True and Decimal(usdt["reserves_counted"]) == 14_000  # 2,000 + 4,000 + 8,000 fresh
    assert eth["fresh"]["counted_alone"] is True and report["freshness"]["require_fresh"] is True
    assert code == 1
    run_dir = world["tmp"] / "strict" / "latest"
    assert "the numerator is only the part of the verified reserves" in (run_dir / "report.md").read_text()
    assert "the numerator is only the part of the verified" in (run_dir / "report.html").read_text()
    _, passing = _run(world, "strict-pass", require_fresh=True, eth_owed="23", usdt_owed="14000")
    assert all(asset["ok"] for asset in passing["assets"].values()) and passing["exit_code"] == 0
