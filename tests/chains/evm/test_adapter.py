"""The EVM adapter against a real anvil with real contracts: balances at the snapshot block (which later blocks
changed), Multicall3 and the JSON-RPC batch fallback agreeing, and every failure named, never read as 0."""

from __future__ import annotations

import pytest

from auditor.assets import AssetRegistry
from auditor.demo.anvil import Anvil, free_port
from auditor.demo.chain import DemoChain
from auditor.demo.signing import demo_key, evm_address
from chains.base import BalanceQuery, DataSourceError, Endpoint
from chains.evm.adapter import EvmBalanceAdapter
from chains.evm.query import EvmQueryDetail

NETWORK = AssetRegistry.load().network("ETH")


def _endpoint(url: str, **overrides) -> Endpoint:
    settings = {"url": url, "backend": "jsonrpc", "display": url, "batch_size": 7, "retries": 2} | overrides
    return Endpoint(**settings)


@pytest.fixture(scope="module")
def fresh_anvil():
    """An anvil of this module's own: the session's shared one may already have Multicall3 (other modules deploy
    it), and `before_multicall` needs a chain where it does not exist yet."""
    with Anvil(chain_id=1) as node:
        yield node


@pytest.fixture(scope="module")
def chain_state(fresh_anvil):
    """Block `before_multicall`: token + balances, no Multicall3. Block `snapshot`: more balances, Multicall3.
    After the snapshot, money moves, so `latest` differs from both."""
    anvil_eth = fresh_anvil
    chain = DemoChain(anvil_eth)
    token = chain.deploy_token("Adapter Test USD", "ATU", 6)
    holders = [evm_address(demo_key(f"adapter/{i}")) for i in range(20)]
    expected_before = {}
    for i, address in enumerate(holders[:5]):
        chain.send_eth(address, (i + 1) * 10**18)
        chain.mint(token, address, (i + 1) * 1_000_000)
        expected_before[address] = ((i + 1) * 10**18, (i + 1) * 1_000_000)
    before_multicall = chain.mine()
    chain.deploy_multicall3()
    expected = dict(expected_before)
    for i, address in enumerate(holders[5:], start=5):
        chain.send_eth(address, 3 * 10**17 + i)
        chain.mint(token, address, 7 * 10**6 + i)
        expected[address] = (3 * 10**17 + i, 7 * 10**6 + i)
    for address in holders[:5]:
        expected[address] = expected_before[address]
    snapshot = chain.mine()
    sink = evm_address(demo_key("adapter/sink"))
    for address in holders[:10]:
        chain.transfer_eth(address, sink, 10**15)
        chain.transfer_token(token, address, sink, 1)
    chain.mine(2)
    return {"url": anvil_eth.url, "token": token.lower(), "holders": [h.lower() for h in holders],
            "expected": {a.lower(): v for a, v in expected.items()},
            "expected_before": {a.lower(): v for a, v in expected_before.items()},
            "before_multicall": before_multicall, "snapshot": snapshot}


def _queries(state, holders):
    return [q for h in holders for q in (BalanceQuery(h), BalanceQuery(h, state["token"]))]


async def test_balances_at_snapshot_through_multicall(chain_state):
    state = chain_state
    async with EvmBalanceAdapter(NETWORK, _endpoint(state["url"])) as adapter:
        snap = await adapter.snapshot(state["snapshot"])
        assert snap.height == state["snapshot"] and snap.block_hash.startswith("0x") and len(snap.block_hash) == 66
        answers = await adapter.fetch_balances(_queries(state, state["holders"]), state["snapshot"])
        assert {a.method for a in answers.values()} == {"multicall3"}
        for holder in state["holders"]:
            native, token = state["expected"][holder]
            assert answers[BalanceQuery(holder)].amount == native
            assert answers[BalanceQuery(holder, state["token"])].amount == token
        # 40 queries in chunks of 7: one eth_call per chunk (plus 5 snapshot checks), not one per balance
        assert adapter.requests_sent <= 5 + 6
        latest = await adapter.fetch_balances(_queries(state, state["holders"][:1]), state["snapshot"] + 2)
        assert latest[BalanceQuery(state["holders"][0])].amount != state["expected"][state["holders"][0]][0]


async def test_batch_fallback_before_multicall_existed(chain_state):
    state = chain_state
    holders = list(state["expected_before"])
    async with EvmBalanceAdapter(NETWORK, _endpoint(state["url"])) as adapter:
        answers = await adapter.fetch_balances(_queries(state, holders), state["before_multicall"])
    assert {a.method for a in answers.values()} == {"jsonrpc-batch"}
    for holder in holders:
        native, token = state["expected_before"][holder]
        assert answers[BalanceQuery(holder)].amount == native
        assert answers[BalanceQuery(holder, state["token"])].amount == token


async def test_address_without_contract_is_an_error_not_zero(chain_state):
    state = chain_state
    nowhere = "0x" + "42" * 20
    holder = state["holders"][0]
    async with EvmBalanceAdapter(NETWORK, _endpoint(state["url"])) as adapter:
        for height in (state["snapshot"], state["before_multicall"]):  # multicall path and batch path
            answers = await adapter.fetch_balances([BalanceQuery(holder, nowhere)], height)
            answer = answers[BalanceQuery(holder, nowhere)]
            assert answer.amount is None
            assert "0 bytes, expected 32" in answer.error


async def test_wrong_chain_id_is_refused(chain_state):
    async with EvmBalanceAdapter(NETWORK, _endpoint(chain_state["url"], chain_id=5)) as adapter:
        with pytest.raises(DataSourceError, match=r"serves another chain: its chain id is 1, expected 5 for "):
            await adapter.snapshot(chain_state["snapshot"])


async def test_node_behind_snapshot_is_refused(chain_state):
    async with EvmBalanceAdapter(NETWORK, _endpoint(chain_state["url"])) as adapter:
        with pytest.raises(DataSourceError, match="behind the snapshot height"):
            await adapter.snapshot(chain_state["snapshot"] + 10_000)


async def test_unreachable_endpoint_is_a_data_source_error():
    url = f"http://127.0.0.1:{free_port()}"
    async with EvmBalanceAdapter(NETWORK, _endpoint(url, retries=2, timeout_seconds=2)) as adapter:
        with pytest.raises(DataSourceError, match="no answer after 2 attempts"):
            await adapter.snapshot(1)


async def test_owner_mode_is_bound_on_chain(anvil_eth):
    chain = DemoChain(anvil_eth)
    chain.deploy_multicall3()
    a, b, c, stranger = (evm_address(demo_key(f"owners/{n}")).lower() for n in "abcs")
    safe = chain.deploy_safe([a, b, c], 2).lower()
    chain.send_eth(safe, 5 * 10**18)
    height = chain.mine()
    cases = {
        (a, b): (True, "2 of 3 owners, threshold 2"),
        (a,): (False, "1 proven owner(s), the wallet needs 2"),
        (a, stranger): (False, f"{stranger} not among the wallet's 3 owners"),
    }
    async with EvmBalanceAdapter(NETWORK, _endpoint(anvil_eth.url)) as adapter:
        queries = [BalanceQuery(safe, detail=EvmQueryDetail(owners)) for owners in cases]
        queries.append(BalanceQuery(a, detail=EvmQueryDetail((b,))))  # an EOA: no getOwners at all
        answers = await adapter.fetch_balances(queries, height)
    for owners, (bound, text) in cases.items():
        answer = answers[BalanceQuery(safe, detail=EvmQueryDetail(owners))]
        assert answer.amount == 5 * 10**18 and answer.owners_bound is bound and text in answer.owners_note
    eoa = answers[BalanceQuery(a, detail=EvmQueryDetail((b,)))]
    assert eoa.owners_bound is False and "Safe-style" in eoa.owners_note


def test_owner_check_rejects_unusable_thresholds():
    from eth_abi import encode

    from chains.evm.adapter import _owners_bound

    owners = "0x" + encode(["address[]"], [["0x" + "11" * 20]]).hex()
    for threshold in (0, 2):
        bound, note = _owners_bound(("0x" + "11" * 20,), owners, "0x" + threshold.to_bytes(32, "big").hex(), 7)
        assert bound is False and f"threshold {threshold} for 1 owners" in note
