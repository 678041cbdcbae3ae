"""No fault a JSON-RPC proxy can inject changes a figure (issue 13): between the EVM adapter and a funded anvil,
tests/nodes/fault_proxy.py answers with stale replies, foreign ids, duplicate/missing/extra batch ids, dies
part-way, or makes anvil reorganise the snapshot block away. Every row is then either its true balance at the
snapshot, or unread with the reason; balances already read are kept (and checkpointed), a reorg is a REORG
refusal naming the height, and a failure repeated on every call stops the bisection early."""

from __future__ import annotations

import pytest

from auditor.assets import AssetRegistry
from auditor.balances import BalanceSources
from auditor.checkpoint import Checkpoint
from auditor.config import NetworkSettings
from auditor.demo.anvil import Anvil
from auditor.demo.chain import DemoChain
from auditor.demo.signing import demo_key, evm_address
from chains.base import Balance, BalanceQuery, DataSourceError, Endpoint, Refusal
from chains.evm.adapter import EvmBalanceAdapter
from tests.nodes.fault_proxy import FaultProxy, Faults

REGISTRY = AssetRegistry.load()
NETWORK = REGISTRY.network("ETH")
HOLDERS = 40  # 80 queries (ETH and the token each)


@pytest.fixture(scope="module")
def funded():
    """An anvil of its own (the reorg test rewrites its last blocks): a token and Multicall3, HOLDERS funded
    with distinct amounts at the snapshot, then money moved after it (a tip reader gets other figures)."""
    with Anvil(chain_id=1) as node:
        chain = DemoChain(node)
        chain.deploy_multicall3()
        token = chain.deploy_token("Fault Test USD", "FTU", 6).lower()
        holders = [evm_address(demo_key(f"faults/{i}")).lower() for i in range(HOLDERS)]
        expected: dict[BalanceQuery, int] = {}
        for i, address in enumerate(holders):
            chain.send_eth(address, 10**18 + i * 10**15)
            chain.mint(token, address, 5_000_000 + 1_000 * i)
            expected[BalanceQuery(address)] = 10**18 + i * 10**15
            expected[BalanceQuery(address, token)] = 5_000_000 + 1_000 * i
        snapshot = chain.mine()
        sink = evm_address(demo_key("faults/sink"))
        for address in holders[::3]:
            chain.transfer_token(token, address, sink, 7)
        chain.mine(3)
        with FaultProxy(node.url) as proxy:
            yield {"node": node, "proxy": proxy, "expected": expected, "snapshot": snapshot,
                   "queries": sorted(expected, key=lambda q: (q.address, q.contract or ""))}


@pytest.fixture
def proxy(funded):
    funded["proxy"].reset()
    yield funded["proxy"]
    funded["proxy"].reset()


def _endpoint(url: str, batch_size: int = 8, **options: object) -> Endpoint:
    return Endpoint(url=url, backend="jsonrpc", display=url, batch_size=batch_size, retries=2, max_concurrency=1,
                    requests_per_second=0, timeout_seconds=5, options=options)


def _true_or_unread(answers: dict[BalanceQuery, Balance], expected: dict[BalanceQuery, int]) -> tuple[int, int]:
    """Every answer is the true figure or unread with a reason (never another row's figure, never 0 instead);
    (read, unread) counts."""
    read = unread = 0
    for query, answer in answers.items():
        if answer.amount is None:
            assert answer.error and not answer.method, (query, answer)
            unread += 1
        else:
            assert answer.amount == expected[query], (query, answer, expected[query])
            read += 1
    return read, unread


async def test_stale_replies_of_a_caching_proxy_never_become_figures(funded, proxy):
    proxy.faults = Faults(stale_every=3)
    async with EvmBalanceAdapter(NETWORK, _endpoint(proxy.url)) as adapter:
        answers = await adapter.fetch_balances(funded["queries"], funded["snapshot"])
    assert set(answers) == set(funded["queries"])
    read, _ = _true_or_unread(answers, funded["expected"])
    assert proxy.counts["injected"] >= 3 and read > 0
    for answer in answers.values():
        assert not answer.error or "another request's reply" in answer.error


async def test_foreign_ids_are_refused(funded, proxy):
    proxy.faults = Faults(foreign_id_every=2)
    async with EvmBalanceAdapter(NETWORK, _endpoint(proxy.url)) as adapter:
        answers = await adapter.fetch_balances(funded["queries"], funded["snapshot"])
    read, unread = _true_or_unread(answers, funded["expected"])
    assert proxy.counts["injected"] >= 3 and read > 0 and unread > 0  # a single row whose reply is always foreign
    assert all("the reply carries id 10000" in a.error for a in answers.values() if not a.ok)


@pytest.mark.parametrize(("fault", "reasons"), [
    ("duplicate", ("more than once", "no reply with id")),  # the first call's id twice, the second call's none
    ("missing", ("no reply with id",)),
    ("extra", ()),
])
async def test_batch_replies_bound_by_id(funded, proxy, fault, reasons):
    """The JSON-RPC batch path (Multicall3 switched off): a call whose id is missing or repeated in the batch
    reply is unread with the reason; a reply with an id not asked is bound to nothing."""
    proxy.faults = Faults(batch_fault=fault)
    async with EvmBalanceAdapter(NETWORK, _endpoint(proxy.url, multicall=False)) as adapter:
        answers = await adapter.fetch_balances(funded["queries"], funded["snapshot"])
    _, unread = _true_or_unread(answers, funded["expected"])
    batches = len(funded["queries"]) // 8
    assert proxy.counts["injected"] == batches
    assert {a.method for a in answers.values() if a.ok} == {"jsonrpc-batch"}
    assert unread == len(reasons) * batches
    assert all(any(r in a.error for r in reasons) for a in answers.values() if not a.ok)


async def test_a_proxy_dying_mid_run_keeps_what_was_read_and_resume_asks_only_the_rest(funded, proxy, tmp_path):
    """Multicall3 in batches of 8 (10 eth_calls); the proxy dies after the snapshot checks and 4 of them. The rows
    read stay read (and are in the checkpoint as they arrived), the others are unread with the reason, the
    network is not failed as a whole; a resumed read asks only for the missing rows."""
    queries, height = funded["queries"], funded["snapshot"]
    snapshot_requests = 4  # eth_chainId, eth_blockNumber, eth_getBlockByNumber, eth_getCode
    proxy.faults = Faults(die_after=snapshot_requests + 4)
    settings = {"ETH": NetworkSettings(_endpoint(proxy.url), height)}
    checkpoint = Checkpoint(tmp_path / ".work", "run", resume=False)
    answers: dict[BalanceQuery, Balance] = {}
    async with BalanceSources(REGISTRY, settings, checkpoint=checkpoint) as sources:
        await sources._read_group(NETWORK, height, queries, answers)
        assert not sources.failures
    checkpoint.close()
    read, unread = _true_or_unread(answers, funded["expected"])
    assert (read, unread) == (4 * 8, len(queries) - 4 * 8)
    assert all("no answer after 2 attempts" in a.error for a in answers.values() if not a.ok)

    proxy.reset()
    resumed = Checkpoint(tmp_path / ".work", "run", resume=True)
    answers = {}
    async with BalanceSources(REGISTRY, settings, checkpoint=resumed) as sources:
        await sources._read_group(NETWORK, height, queries, answers)
    resumed.finish()
    assert _true_or_unread(answers, funded["expected"]) == (len(queries), 0)
    assert proxy.counts["eth_call"] == (len(queries) - 4 * 8) // 8  # only the 6 missing batches


async def test_a_reorg_during_the_reads_is_a_reorg_refusal(funded, proxy):
    """anvil reorganises the snapshot block away after 3 eth_calls: reads by block hash then fail, the bisection
    stops early on the repeated error, and the hash re-check reports a REORG naming the height (BalanceSources:
    the whole network's rows fail with it, none counted)."""
    node = funded["node"]
    chain = DemoChain(node)
    height = chain.mine()  # a block of its own, near the tip, that the reorg replaces
    queries = funded["queries"]
    proxy.faults = Faults(reorg_after=3, reorg_depth=2)
    parts: list[dict[BalanceQuery, Balance]] = []
    async with EvmBalanceAdapter(NETWORK, _endpoint(proxy.url)) as adapter:
        with pytest.raises(DataSourceError) as refused:
            async for part in adapter.stream_balances(queries, height):
                parts.append(dict(part))
    assert refused.value.refusal is not None and refused.value.refusal.kind is Refusal.REORG
    assert f"block {height} changed during the run" in str(refused.value)
    assert proxy.counts["reorgs"] == 1
    # 3 batches read before the reorg, 7 after it: each of those at most 7 requests instead of 15
    assert proxy.counts["eth_call"] <= 3 + 7 * 7
    unread = [a for part in parts for a in part.values() if not a.ok]
    assert unread and all("Resource not found" in a.error for a in unread)


async def test_an_error_on_every_call_stops_the_bisection(funded, proxy):
    proxy.faults = Faults(error_every_call="execution aborted (timeout = 5s)")
    async with EvmBalanceAdapter(NETWORK, _endpoint(proxy.url, batch_size=40)) as adapter:
        answers = await adapter.fetch_balances(funded["queries"], funded["snapshot"])
    assert all(not a.ok and "execution aborted" in a.error for a in answers.values())
    assert proxy.counts["eth_call"] == 2 * 7  # two batches of 40: 1 + 2 + 4 requests each, not 2 x 79
