"""`auditor plan` against what `auditor run` then asks: an OKX-layout file of XRP/RLUSD and TRX/USDT rows (some
repeated, in small chunks, so the plan must follow the run's per-chunk reads), read from the local rippled and
java-tron/TronGrid servers with money moving after the snapshot. Per network, the planned requests equal (XRP)
or cover (TRON: roll-backs) the servers' own counts, and report.json's and timings.json's `requests` equal them."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from auditor.assets import AssetRegistry
from auditor.cli import main
from chains.base import AddressRow
from chains.registry import get_family
from tests.chains.tron.test_adapter import _seed as seed_tron
from tests.chains.xrpl.test_adapter import seed as seed_xrpl
from tests.nodes.tron_server import ServerThread, TronLedger
from tests.nodes.xrpl_server import XrplChain, XrplServerThread

REGISTRY = AssetRegistry.load()
HEADER = ["coin", "Network", "Snapshot Height", "address", "amount", "message", "signature1", "signature2",
          "redeem script/ public key", " eoa1", " eoa2"]


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("plan")
    rlusd = REGISTRY.resolve("RLUSD", "XRP")
    assert rlusd is not None and rlusd.contract
    xrpl = XrplChain()
    xrp_height, xrp_accounts = seed_xrpl(xrpl, *_issuer_currency(rlusd.contract))
    ledger = TronLedger(solid_lag=1)
    tron_height, tron_accounts = seed_tron(ledger)
    rows = [[coin, "XRP", xrp_height, a, "1", "m", "", "", "", "", ""] for a in xrp_accounts
            for coin in ("XRP", "RLUSD")]
    rows += [[coin, "TRON", tron_height, a, "1", "m", "", "", "", "", ""] for a in tron_accounts
             for coin in ("TRX", "USDT")]
    rows += rows[:3]  # repeated rows: in another chunk, read again (a run shares answers only within a chunk)
    path = tmp / "por.csv"
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        writer.writerows(rows)
    with XrplServerThread(xrpl) as xrpl_server, ServerThread(ledger) as tron_server:
        yield {"tmp": tmp, "file": path, "xrpl": xrpl_server, "tron": tron_server, "rows": len(rows)}


def _issuer_currency(contract: str) -> tuple[str, str]:
    from chains.xrpl.api import IssuedCurrency

    token = IssuedCurrency.parse(contract, 0)
    return token.issuer, token.currency


def _config(world, name: str = "run.toml", tron_rate: str = "500") -> Path:
    path = world["tmp"] / name
    path.write_text(f"""
[input]
file = "{world['file']}"
[output]
dir = "{world['tmp'] / 'out'}"
[audit]
chunk_size = 4
workers = 1
[networks.XRP]
url = "{world['xrpl'].url}"
backend = "rippled"
requests_per_second = 1000000
batch_size = 3
[networks.TRON]
url = "{world['tron'].url}"
backend = "tron-http"
requests_per_second = {tron_rate}
[networks.TRON.options]
events_settle_seconds = 0
""")
    return path


def _plan(capsys, config: Path, *extra: str) -> str:
    capsys.readouterr()
    assert main(["plan", str(config), *extra]) == 0
    return capsys.readouterr().out


def test_plan_equals_what_the_run_asks(world, capsys) -> None:
    config = _config(world)
    planned = json.loads(_plan(capsys, config, "--format", "json"))
    assert planned["rows"] == world["rows"]
    xrp, tron = planned["networks"]["XRP"], planned["networks"]["TRON"]
    assert xrp["rows"] == 8 + 3 and tron["rows"] == 10 and xrp["distinct_balances"] == 8  # 4 XRP accounts, 5 TRON
    assert xrp["tokens"] == {"RLUSD-XRPL": 5, "XRP": 6} and xrp["reads"] == 11
    assert planned["config"] == str(config) and world["xrpl"].http_requests == 0  # nothing was asked
    xrpl_before, tron_before = world["xrpl"].http_requests, sum(world["tron"].requests.values())

    assert main(["run", str(config)]) == 1  # the rows carry no signature: failed, but every balance is read
    run = world["tmp"] / "out" / "latest"
    report = json.loads((run / "report.json").read_text())
    counted = report["run"]["requests"]
    assert json.loads((run / "timings.json").read_text())["requests"] == counted
    xrpl_served = world["xrpl"].http_requests - xrpl_before
    tron_served = sum(world["tron"].requests.values()) - tron_before
    # XRP: exact (one account_info / one account_lines page per read, 3 snapshot checks, a re-check per chunk);
    # the plan's high allows for accounts with more trust lines than a page
    assert counted["XRP"]["requests"] == xrpl_served == xrp["requests"]["low"] < xrp["requests"]["high"]
    chunks_with_xrp = 4  # chunks of 4 rows: rows 1-8 in chunks 1-2, the repeated rows 19-21 in chunks 5 and 6
    assert xrpl_served == 3 + xrp["reads"] + chunks_with_xrp
    assert counted["TRON"]["requests"] == tron_served
    assert tron["requests"]["high"] is None and tron["requests"]["low"] <= tron_served
    # beyond the plan's floor only the history check's look-back past empty blocks (block 0, H and H's re-checks
    # are the other getblockbynum requests: one re-check per chunk that read TRON)
    assert counted["TRON"]["retries"] == counted["XRP"]["retries"] == 0
    endpoint = counted["XRP"]["endpoints"][world["xrpl"].url.rstrip("/")]
    assert endpoint["requests"] == xrpl_served and endpoint["bytes_received"] > 0


def test_plan_table_says_a_slow_endpoint_takes_hours(world, capsys) -> None:
    out = _plan(capsys, _config(world, "slow.toml", tron_rate="0.01"))
    tron_line = next(line for line in out.splitlines() if line.startswith("TRON"))
    assert " h" in tron_line and "0.01" in tron_line, out
    assert f"for its slowest endpoint (TRON, {world['tron'].url})" in out, out
    xrp_line = next(line for line in out.splitlines() if line.startswith("XRP"))
    assert " s" in xrp_line, out


def test_plan_with_verify_counts_the_statuses(world, capsys) -> None:
    planned = json.loads(_plan(capsys, _config(world), "--format", "json", "--verify"))
    assert planned["statuses"] == {"failed": world["rows"]}


def test_row_family_queries_match_the_run(world) -> None:
    family = get_family("xrpl")
    assert family is not None
    token = REGISTRY.resolve("RLUSD", "XRP")
    assert token is not None
    query = family.balance_query(AddressRow(1, "RLUSD", "XRP", "r"), token, "r")
    assert query.detail is not None  # the plan counts issued-currency rows by their query's detail


def test_a_quorums_endpoints_are_planned_and_counted_each(world, capsys, tmp_path) -> None:
    """Two rippled endpoints in a quorum: each reads every balance, so each is planned (and timed at its own
    rate) and counted apart; the network's figure is their sum."""
    with XrplServerThread(world["xrpl"].chain) as second:
        config = tmp_path / "quorum.toml"
        config.write_text(f"""
[input]
file = "{world['file']}"
[output]
dir = "{tmp_path / 'out'}"
[audit]
chunk_size = 4
workers = 1
[networks.XRP]
urls = ["{world['xrpl'].url}", "{second.url}"]
quorum = 2
backend = "rippled"
requests_per_second = 1000000
batch_size = 3
""")
        planned = json.loads(_plan(capsys, config, "--format", "json"))["networks"]["XRP"]
        first_before = world["xrpl"].http_requests
        assert main(["run", str(config)]) == 1
        served = (world["xrpl"].http_requests - first_before, second.http_requests)
    counted = json.loads((tmp_path / "out" / "latest" / "report.json").read_text())["run"]["requests"]["XRP"]
    per_endpoint = [endpoint["requests"]["low"] for endpoint in planned["endpoints"]]
    assert per_endpoint[0] == per_endpoint[1] == served[0] == served[1]
    assert planned["requests"]["low"] == counted["requests"] == sum(served)
    assert sorted(e["requests"] for e in counted["endpoints"].values()) == sorted(served)


def test_a_backend_without_a_cost_model_says_so(world, capsys, monkeypatch) -> None:
    from chains.base import BalanceAdapter
    from chains.xrpl.adapter import XrplBalanceAdapter

    monkeypatch.setattr(XrplBalanceAdapter, "estimate_requests", BalanceAdapter.estimate_requests)
    planned = json.loads(_plan(capsys, _config(world), "--format", "json"))["networks"]
    assert planned["XRP"]["requests"] is None and "no request cost model" in planned["XRP"]["endpoints"][0]["unknown"]
    assert planned["TRON"]["requests"]["low"] > 0  # the other networks are still planned
    table = _plan(capsys, _config(world))
    assert "no cost model" in next(line for line in table.splitlines() if line.startswith("XRP"))
