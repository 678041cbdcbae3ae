"""Provider quorum (chains/quorum.py) end to end: `auditor run` on the demo file with ETH read from two real anvil
nodes (issue 17, part 1).

The second node is a fork of the first at the snapshot block (`anvil --fork-url ... --fork-block-number H`): the
same block hash at H and the same state, while the first keeps moving money after H (a tip reader would get other
figures). `anvil_setBalance` on the fork then stands in for a lying provider (same block hash, another figure); a
fork one block earlier that mines its own block H stands in for an endpoint on another chain at the snapshot.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest

from auditor.cli import main
from auditor.demo.anvil import Anvil
from auditor.demo.chain import DemoChain
from auditor.demo.scenario import ETH, NetworkState, build_demo

SECRET = "quorum-s3cret-key-4711"

CONFIG = """
[input]
file = "{file}"
messages = ["I am an OKX address"]
[output]
dir = "{out}"
[networks.ETH]
urls = {urls}
quorum = {quorum}
chain_id = 1
batch_size = 4
retries = 2
[networks.ARBITRUM]
url = "{arb}"
chain_id = 42161
[liabilities]
file = "{liabilities}"
[registry.tokens.USDT-ERC20]
contract = "{eth_token}"
[registry.tokens.USDT-ARBITRUM]
contract = "{arb_token}"
"""


@pytest.fixture(scope="module")
def world(tmp_path_factory) -> Iterator[dict]:
    """The demo's chains, of this module's own (forks of its ETH node are made per test)."""
    data = tmp_path_factory.mktemp("quorum-demo")
    with Anvil(chain_id=1) as eth_node, Anvil(chain_id=42161) as arb_node:
        eth, arb = build_demo(data, eth_node, arb_node)
        yield {"data": data, "eth": eth, "arb": arb, "eth_node": eth_node, "arb_node": arb_node}


def _fork(world: dict, height: int) -> Anvil:
    node = world["eth_node"]
    return Anvil(chain_id=1, extra_args=("--fork-url", node.url, "--fork-block-number", str(height)))


def _keyed(url: str) -> str:
    """The URL as an API-keyed provider's would be: the key in the query (anvil ignores it)."""
    return f"{url}/?apikey={SECRET}"


def _run(tmp_path: Path, world: dict, urls: list[str], quorum: int, capsys) -> tuple[int, dict, Path, str]:
    eth: NetworkState = world["eth"]
    config = tmp_path / "audit.toml"
    config.write_text(CONFIG.format(
        file=world["data"] / "okx_por_demo.csv", out=tmp_path / "out", urls=json.dumps(urls), quorum=quorum,
        arb=world["arb_node"].url, liabilities=world["data"] / "liabilities.csv", eth_token=eth.token,
        arb_token=world["arb"].token))
    code = main(["run", str(config)])
    printed = capsys.readouterr()
    run = (tmp_path / "out" / "latest").resolve()
    return code, json.loads((run / "report.json").read_text()), run, printed.out + printed.err


def _no_secret_anywhere(run: Path, printed: str) -> None:
    assert SECRET not in printed
    for path in run.rglob("*"):
        if path.is_file():
            assert SECRET not in path.read_text(encoding="utf-8", errors="replace"), path


def _findings(run: Path) -> list[dict]:
    with (run / "findings.jsonl").open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle]


def _rows(run: Path) -> list[dict]:
    with (run / "addresses.csv").open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_quorum_met_passes_and_names_the_agreeing_endpoints(tmp_path, world, capsys):
    height = world["eth"].height
    with _fork(world, height) as twin:
        urls = [_keyed(world["eth_node"].url), _keyed(twin.url)]
        code, report, run, printed = _run(tmp_path, world, urls, 2, capsys)
        twin_tip = int(twin.rpc("eth_blockNumber"), 16)
    assert code == 0, report
    assert twin_tip == height  # the twin has nothing after the snapshot: only the snapshot's figures to give
    record = report["quorum"]["ETH"]
    displays = [world["eth_node"].url, twin.url]
    assert record["quorum"] == 2 and [e["endpoint"] for e in record["endpoints"]] == displays
    assert record["disputed"] == 0 and record["unread"] == 0 and record["agreed"] > 0
    block_hash = report["snapshot"]["ETH"]["block_hash"]
    assert all(e["block_hash"] == block_hash and e["agreed"] == record["agreed"] for e in record["endpoints"])
    assert report["snapshot"]["ETH"]["endpoint"] == ", ".join(displays)
    assert all(asset["ok"] for asset in report["assets"].values())
    assert "## Provider quorum" in (run / "report.md").read_text()
    _no_secret_anywhere(run, printed)


def test_a_changed_balance_is_a_dispute_naming_both_figures_and_the_asset_fails(tmp_path, world, capsys):
    eth: NetworkState = world["eth"]
    height = eth.height
    line = next(row for row in eth.rows if row[0] == "ETH")  # a native ETH row of the file
    address, declared = line[3], line[4]
    with _fork(world, height) as liar:
        liar.rpc("anvil_setBalance", [address, hex(12_345 * ETH)])  # same block hash, another figure
        urls = [_keyed(world["eth_node"].url), _keyed(liar.url)]
        code, report, run, printed = _run(tmp_path, world, urls, 2, capsys)
    assert code == 1, report
    disputes = [f for f in _findings(run) if f.get("kind") == "quorum_dispute"]
    assert len(disputes) == 1
    dispute = disputes[0]
    assert dispute["address"].lower() == address.lower() and dispute["network"] == "ETH"
    assert dispute["height"] == height and dispute["block_hash"] == report["snapshot"]["ETH"]["block_hash"]
    assert {f["endpoint"]: f["amount"] for f in dispute["figures"]} == {
        world["eth_node"].url: declared, liar.url: "12345"}
    assert report["quorum"]["ETH"]["disputed"] == 1
    eth_asset = report["assets"]["ETH"]
    assert eth_asset["ok"] is False and any("disputed" in p for p in eth_asset["problems"])
    row = next(r for r in _rows(run) if r["address"].lower() == address.lower() and r["coin"] == "ETH")
    assert row["status"] == "unchecked" and not row["onchain"] and "disputed" in row["reason"]
    # counted nowhere: the ETH network's on-chain total lacks exactly this row's figure (the demo declares the
    # true balances)
    others = sum(Decimal(r[4]) for r in eth.rows if r[0] == "ETH") - Decimal(declared)
    assert Decimal(eth_asset["networks"]["ETH"]["onchain"]) == others
    assert "12345" in (run / "report.md").read_text()
    _no_secret_anywhere(run, printed)


def test_endpoints_on_different_blocks_are_refused_naming_both_hashes(tmp_path, world, capsys):
    height = world["eth"].height
    with _fork(world, height - 1) as other:
        DemoChain(other).mine(1)  # its own block `height`: another hash there
        other_hash = other.rpc("eth_getBlockByNumber", [hex(height), False])["hash"]
        urls = [_keyed(world["eth_node"].url), _keyed(other.url)]
        code, report, run, printed = _run(tmp_path, world, urls, 2, capsys)
    true_hash = world["eth_node"].rpc("eth_getBlockByNumber", [hex(height), False])["hash"]
    assert other_hash != true_hash
    assert code == 3
    errors = [e for e in report["data_source_errors"] if e["network"] == "ETH"]
    assert len(errors) == 1 and errors[0]["height"] == height
    assert true_hash in errors[0]["error"] and other_hash in errors[0]["error"]
    assert "disagree on block" in errors[0]["error"]
    eth_rows = [r for r in _rows(run) if r["network"] == "ETH"]
    assert eth_rows and all(not r["onchain"] for r in eth_rows)
    assert report["assets"]["ETH"]["ok"] is False
    _no_secret_anywhere(run, printed)


def test_two_of_three_leaves_out_an_endpoint_that_cannot_answer(tmp_path, world, capsys):
    """A quorum of 2 among 3 endpoints: the one that is down is left out (and said so); the other two agree."""
    from auditor.demo.anvil import free_port

    dead = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    height = world["eth"].height
    with _fork(world, height) as twin:
        urls = [_keyed(world["eth_node"].url), _keyed(dead), _keyed(twin.url)]
        code, report, run, printed = _run(tmp_path, world, urls, 2, capsys)
    assert code == 0, report
    record = report["quorum"]["ETH"]
    down = record["endpoints"][1]
    assert down["endpoint"] == dead and down["block_hash"] is None and down["agreed"] == 0
    assert f"endpoint {dead} could not be asked about block {height}" in down["left_out"]
    assert [e["agreed"] for e in record["endpoints"]] == [record["agreed"], 0, record["agreed"]]
    assert report["snapshot"]["ETH"]["endpoint"] == f"{world['eth_node'].url}, {twin.url}"
    _no_secret_anywhere(run, printed)


def test_a_quorum_that_cannot_be_met_is_refused(tmp_path, world, capsys):
    from auditor.demo.anvil import free_port

    dead = f"http://127.0.0.1:{free_port()}"
    code, report, run, printed = _run(tmp_path, world, [_keyed(world["eth_node"].url), _keyed(dead)], 2, capsys)
    assert code == 3
    [error] = [e for e in report["data_source_errors"] if e["network"] == "ETH"]
    assert "quorum not met: 1 of 2 endpoints answer" in error["error"] and dead in error["error"]
    _no_secret_anywhere(run, printed)


def _check(tmp_path: Path, world: dict, urls: list[str], quorum: int, capsys) -> tuple[int, list[dict], str]:
    eth: NetworkState = world["eth"]
    config = tmp_path / "check.toml"
    config.write_text(CONFIG.format(
        file=world["data"] / "okx_por_demo.csv", out=tmp_path / "out", urls=json.dumps(urls), quorum=quorum,
        arb=world["arb_node"].url, liabilities=world["data"] / "liabilities.csv", eth_token=eth.token,
        arb_token=world["arb"].token))
    capsys.readouterr()
    code = main(["check", str(config), "--format", "json"])
    printed = capsys.readouterr().out
    return code, [c for c in json.loads(printed)["checks"] if c["network"] == "ETH"], printed


def test_check_asks_every_endpoint_of_a_quorum(tmp_path, world, capsys):
    """`auditor check`: every endpoint must answer at the snapshot (a quorum met with one left out still fails
    the check, naming it), and endpoints on different blocks fail naming both hashes."""
    from auditor.demo.anvil import free_port

    height = world["eth"].height
    eth_url = world["eth_node"].url
    dead = f"http://127.0.0.1:{free_port()}"
    with _fork(world, height) as twin, _fork(world, height - 1) as other:
        code, checks, printed = _check(tmp_path, world, [_keyed(eth_url), _keyed(twin.url)], 2, capsys)
        assert code == 0 and [(c["endpoint"], c["ok"]) for c in checks] == [(f"{eth_url}, {twin.url}", True)]
        code, checks, printed = _check(tmp_path, world, [_keyed(eth_url), _keyed(dead), _keyed(twin.url)], 2, capsys)
        assert code == 3 and {(c["endpoint"], c["ok"]) for c in checks} == {
            (f"{eth_url}, {dead}, {twin.url}", True), (dead, False)}
        DemoChain(other).mine(1)
        code, checks, printed = _check(tmp_path, world, [_keyed(eth_url), _keyed(other.url)], 2, capsys)
        assert code == 3 and not checks[0]["ok"] and "disagree on block" in checks[0]["detail"]
    assert SECRET not in printed


def test_an_endpoint_dying_mid_read_leaves_the_others_to_form_the_quorum(tmp_path, world, capsys):
    """2 of 3: one endpoint (behind the fault proxy) dies after the snapshot checks and two reads. What it did
    not answer the other two still agree on; the report says how many figures each endpoint agreed on."""
    from tests.nodes.fault_proxy import FaultProxy, Faults

    height = world["eth"].height
    with _fork(world, height) as twin, _fork(world, height) as third, FaultProxy(third.url) as proxy:
        proxy.faults = Faults(die_after=4 + 2)
        urls = [_keyed(world["eth_node"].url), _keyed(twin.url), _keyed(proxy.url)]
        code, report, run, printed = _run(tmp_path, world, urls, 2, capsys)
    assert code == 0, report
    record = report["quorum"]["ETH"]
    first, second, dying = record["endpoints"]
    assert record["unread"] == record["disputed"] == 0
    assert first["agreed"] == second["agreed"] == record["agreed"]
    assert 0 < dying["agreed"] < record["agreed"] and dying["unread"] == record["agreed"] - dying["agreed"]
    _no_secret_anywhere(run, printed)
