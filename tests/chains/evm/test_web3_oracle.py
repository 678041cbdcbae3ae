"""web3.py as an independent oracle of the EVM adapter: against a real anvil, every balance the adapter reads
through Multicall3 at the snapshot block equals what web3.py reads one by one at that block (eth_getBalance,
and balanceOf through the token's ABI), and money moved after the snapshot shows that a read at the tip would
have given other figures."""

from __future__ import annotations

import pytest
from web3 import HTTPProvider, Web3

from auditor.assets import AssetRegistry
from auditor.demo.chain import TOKEN_ABI, DemoChain
from auditor.demo.signing import demo_key, evm_address
from chains.base import BalanceQuery, Endpoint
from chains.evm.adapter import EvmBalanceAdapter

NETWORK = AssetRegistry.load().network("ETH")
HOLDERS = 24


@pytest.fixture(scope="module")
def world(anvil_eth):
    chain = DemoChain(anvil_eth)
    chain.deploy_multicall3()
    tokens = [chain.deploy_token("Oracle USD", "OUSD", 6), chain.deploy_token("Oracle Gold", "OGLD", 18)]
    holders = [evm_address(demo_key(f"web3-oracle/{i}")) for i in range(HOLDERS)]
    for i, address in enumerate(holders):
        chain.send_eth(address, 10**18 + i * 7_777_777_777)
        for j, token in enumerate(tokens):
            if (i + j) % 3:  # some holders hold none of a token: 0 read as 0, not as missing
                chain.mint(token, address, (i + 1) * 10 ** (6 + 6 * j) + j)
    snapshot = chain.mine()
    sink = evm_address(demo_key("web3-oracle/sink"))
    for address in holders[::3]:  # after the snapshot (the tip then disagrees with it for these holders):
        chain.transfer_eth(address, sink, 10**17)
        chain.mint(tokens[0], address, 5)  # they held none of tokens[0] at the snapshot...
        chain.transfer_token(tokens[1], address, sink, 1)  # ...and some of tokens[1]
    chain.mine(2)
    return {"url": anvil_eth.url, "tokens": tokens, "holders": holders, "snapshot": snapshot}


def _oracle(w3: Web3, holder: str, contract: str | None, block: int | str) -> int:
    if contract is None:
        return w3.eth.get_balance(holder, block_identifier=block)
    token = w3.eth.contract(address=Web3.to_checksum_address(contract), abi=TOKEN_ABI)
    return token.functions.balanceOf(holder).call(block_identifier=block)


async def test_multicall_reads_equal_web3_reads_at_the_snapshot_block(world):
    queries = [BalanceQuery(h.lower(), contract) for h in world["holders"] for contract in (None, *world["tokens"])]
    endpoint = Endpoint(url=world["url"], backend="jsonrpc", display=world["url"], batch_size=10, retries=2)
    async with EvmBalanceAdapter(NETWORK, endpoint) as adapter:
        answers = await adapter.fetch_balances(queries, world["snapshot"])
    assert set(answers) == set(queries)
    assert {answer.method for answer in answers.values()} == {"multicall3"}

    w3 = Web3(HTTPProvider(world["url"]))
    moved = 0
    for query in queries:
        holder = Web3.to_checksum_address(query.address)
        expected = _oracle(w3, holder, query.contract, world["snapshot"])
        answer = answers[query]
        assert answer.error == "" and answer.amount == expected, (query, answer, expected)
        moved += _oracle(w3, holder, query.contract, "latest") != expected
    # the tip differs (ETH and both tokens of every third holder): a tip reader would not match the oracle
    assert moved == 3 * len(world["holders"][::3])
