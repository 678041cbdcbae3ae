"""`auditor plan` against `auditor run` on the OKX-scale fixture (benchmarks/okx_fixture.py) at a few hundred rows:
EVM rows (ETH, two ERC-20s, contract wallets proven by their owners: owner checks too) on anvil, LTC multisig rows
on a regtest litecoind (scantxoutset), TRON rows (TRX, USDT) on the local TRON server, each behind a counting
proxy. Per network, the requests the plan announced equal what the proxies forwarded (TRON: its floor, plus the
history check's look-back past empty blocks), and report.json's `run.requests` equal the proxies' counts."""

from __future__ import annotations

import json

import pytest

from auditor.cli import main
from auditor.demo.anvil import Anvil
from benchmarks.okx_fixture import build_fixture, fund_anvil, fund_litecoind, tron_ledger, write_config
from tests.nodes import litecoind
from tests.nodes.counting_proxy import CountingProxy
from tests.nodes.tron_server import ServerThread

ROWS = 300
CHUNK = 40

pytestmark = pytest.mark.skipif(not litecoind.available(), reason="litecoind not installed (make install)")


def test_plan_equals_the_runs_requests_per_network(tmp_path, capsys) -> None:
    fixture = build_fixture(ROWS, tmp_path / "cache", processes=1)
    with Anvil(chain_id=1) as anvil, litecoind.Litecoind() as ltc:
        evm = fund_anvil(anvil, fixture)
        fund_litecoind(ltc, fixture)
        with (
            ServerThread(tron_ledger(fixture)) as tron,
            CountingProxy(anvil.url) as eth_proxy,
            CountingProxy(ltc.url) as ltc_proxy,
            CountingProxy(tron.url) as tron_proxy,
        ):
            config = write_config(tmp_path / "plan.toml", fixture, tmp_path / "out", evm, eth_proxy.url,
                                  ltc_proxy.url_with_credentials(ltc.url), tron_proxy.url, workers=1,
                                  chunk_size=CHUNK)
            capsys.readouterr()
            assert main(["plan", str(config), "--format", "json"]) == 0
            planned = json.loads(capsys.readouterr().out)["networks"]
            assert not any(proxy.reset()["http"] for proxy in (eth_proxy, ltc_proxy, tron_proxy))  # none asked
            assert main(["run", str(config), "--quiet"]) == 0
            served = {"ETH": eth_proxy.reset(), "LTC": ltc_proxy.reset(), "TRON": tron_proxy.reset()}
    counted = json.loads((tmp_path / "out" / "latest" / "report.json").read_text())["run"]["requests"]
    for code in ("ETH", "LTC", "TRON"):
        assert counted[code]["requests"] == served[code]["http"], code
        assert counted[code]["retries"] == 0, code
    for code in ("ETH", "LTC"):  # exact models: the figure, not a range
        assert planned[code]["requests"]["low"] == planned[code]["requests"]["high"] == served[code]["http"], code
    tron_plan = planned["TRON"]["requests"]
    assert tron_plan["high"] is None and tron_plan["low"] <= served["TRON"]["http"]
    # beyond the floor only the history check's look-back past empty blocks, once per snapshot height (< 20)
    assert 0 <= served["TRON"]["http"] - tron_plan["low"] < 20 * len(planned["TRON"]["heights"])
    assert served["TRON"]["tron-trc20"] == planned["TRON"]["tokens"]["USDT-TRC20"]  # every balanceOf, in aggregates
