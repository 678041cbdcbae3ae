"""The EVM adapter's cost model against what it sends to a real anvil, counted by a proxy in front of it:
Multicall3 (one eth_call per batch) and JSON-RPC batches alike, owner-mode checks included, the planned
requests equal the proxy's count and the transport's counters."""

from __future__ import annotations

import pytest

from auditor.assets import AssetRegistry
from auditor.demo.chain import DemoChain
from auditor.demo.signing import demo_key, evm_address
from chains.base import BalanceQuery, Endpoint
from chains.evm.adapter import EvmBalanceAdapter
from chains.evm.query import EvmQueryDetail
from tests.chains.request_counts import read_counted
from tests.nodes.counting_proxy import CountingProxy

NETWORK = AssetRegistry.load().network("ETH")


@pytest.fixture(scope="module")
def world(anvil_eth):
    chain = DemoChain(anvil_eth)
    chain.deploy_multicall3()
    token = chain.deploy_token("Count USD", "CUSD", 6).lower()
    holders = [evm_address(demo_key(f"counts/{i}")).lower() for i in range(11)]
    a, b, c = holders[:3]
    safe = chain.deploy_safe([a, b, c], 2).lower()
    for i, holder in enumerate([*holders, safe]):
        chain.send_eth(holder, 10**17 + i)
        chain.mint(token, holder, 10**6 + i)
    height = chain.mine()
    for holder in holders[:4]:  # after the snapshot: a tip reader gets other figures
        chain.transfer_eth(holder, evm_address(demo_key("counts/sink")), 10**15)
    chain.mine()
    queries = [q for h in holders for q in (BalanceQuery(h), BalanceQuery(h, token))]
    queries += [BalanceQuery(safe, detail=EvmQueryDetail((a, b))), BalanceQuery(safe, token, EvmQueryDetail((a,)))]
    expected = {q: (10**17 if q.contract is None else 10**6) + ([*holders, safe].index(q.address)) for q in queries}
    return {"url": anvil_eth.url, "height": height, "queries": queries, "expected": expected}


@pytest.mark.parametrize("multicall", [True, False])
@pytest.mark.parametrize("batch_size", [5, 500])
def test_planned_requests_equal_the_proxys_count(world, multicall: bool, batch_size: int) -> None:
    import asyncio

    with CountingProxy(world["url"]) as proxy:
        endpoint = Endpoint(proxy.url, "jsonrpc", proxy.url, chain_id=1, batch_size=batch_size, retries=2,
                            options={"multicall": multicall})
        counted = asyncio.run(read_counted(EvmBalanceAdapter(NETWORK, endpoint), world["queries"], world["height"]))
        served = proxy.reset()["http"]
    assert {q: b.amount for q, b in counted.balances.items()} == world["expected"]
    assert counted.sent.requests == served == counted.planned.low == counted.planned.high
    reads = -(-len(world["queries"]) // batch_size)
    # chain id, tip, block, state; a read per batch; owner checks for the two Safe rows (one batch, or two when the
    # rows fall into different batches); 1 re-check
    assert reads + 4 + 1 + 1 <= served <= reads + 4 + 2 + 1
