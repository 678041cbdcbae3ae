"""Substrate balances (DOT via System.Account, USDT via Assets.Account) at the snapshot block against Chopsticks
running a real Asset Hub runtime (tests/nodes/chopsticks.py), requests counted at the server by
tests/nodes/substrate_proxy.py. Accounts are funded before the snapshot block, then every tenth one moves after
it; the figures are checked against what was written at the snapshot.

Chopsticks is a JavaScript node serving storage from memory: a real archive node (RocksDB/ParityDB) answers
at another speed, so balances/s here describe this client with that server, on this machine.

Run: python benchmarks/substrate_balances.py [ACCOUNTS]
"""

from __future__ import annotations

import asyncio
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # for tests.nodes

from chains.base import BalanceQuery, Endpoint, Network
from chains.registry import get_family
from chains.substrate import addresses
from chains.transport import display_url
from tests.nodes import chopsticks
from tests.nodes.substrate_proxy import SubstrateProxy

USDT = 1984
SETUP_CHUNK = 2000
NETWORK = Network("DOTAH", "substrate", "Polkadot Asset Hub", "DOT", 10, params={"ss58_prefix": 0})


def _account(i: int) -> bytes:
    return (i + 1).to_bytes(32, "big")  # any 32 bytes are an AccountId32; no key is needed to read balances


def _seed(node: chopsticks.Chopsticks, count: int) -> tuple[int, dict[bytes, int], dict[bytes, int]]:
    native = {_account(i): 10**10 + i for i in range(count)}
    usdt = {_account(i): 10**6 * (i + 1) for i in range(0, count, 2)}
    node.create_asset(USDT, _account(0))
    for start in range(0, count, SETUP_CHUNK):
        chunk = list(native)[start : start + SETUP_CHUNK]
        node.set_accounts({a: (native[a], 0, 0) for a in chunk})
        node.set_asset_balances(USDT, {a: usdt[a] for a in chunk if a in usdt})
    height = node.new_block()
    node.new_block()
    moved = list(native)[::10]
    node.set_accounts({a: (1, 0, 0) for a in moved})
    node.set_asset_balances(USDT, {a: 7 for a in moved})
    node.new_block()
    return height, native, usdt


async def _read(url: str, genesis: str, queries: list[BalanceQuery], height: int, concurrency: int) -> dict:
    family = get_family("substrate")
    assert family is not None
    endpoint = Endpoint(url=url, backend="substrate-rpc", display=display_url(url), max_concurrency=concurrency,
                        requests_per_second=0, batch_size=1000, timeout_seconds=120,
                        options={"genesis_hash": genesis})
    async with family.open_adapter(NETWORK, endpoint) as adapter:
        await adapter.snapshot(height)
        return await adapter.fetch_balances(queries, height)


def main(count: int = 10_000) -> None:
    with chopsticks.Chopsticks() as node:
        started = time.perf_counter()
        height, native, usdt = _seed(node, count)
        setup = time.perf_counter() - started
        genesis = node.genesis_hash()
        print(f"| Substrate (Chopsticks, real Asset Hub runtime) | {count:,} accounts |")
        print("|---|---:|")
        print(f"| set-up: dev_setStorage + blocks | {setup:.1f} s |")
        with SubstrateProxy(node.url) as proxy:
            dot = [BalanceQuery(addresses.encode(a, 0)) for a in native]
            for label, queries, expected, per_key in (
                ("DOT (System.Account)", dot, native, False),
                ("USDT (Assets.Account 1984)", [BalanceQuery(addresses.encode(a, 0), str(USDT)) for a in native],
                 {a: usdt.get(a, 0) for a in native}, False),
                ("DOT, provider without state_queryStorageAt (batched state_getStorage)", dot, native, True),
            ):
                proxy.unavailable = {"state_queryStorageAt"} if per_key else set()
                proxy.reset()
                started = time.perf_counter()
                balances = asyncio.run(_read(proxy.url, genesis, queries, height, concurrency=4))
                elapsed = time.perf_counter() - started
                counts = proxy.reset()
                got = {addresses.decode(q.address)[1]: b.amount for q, b in balances.items()}
                assert got == expected, "figures differ from the snapshot's"
                per_thousand = counts["requests"] * 1000 / len(queries)
                print(f"| {label}: balances/s (snapshot check, reads, re-check) | {len(queries) / elapsed:,.0f} |")
                reads = (f"{counts['state_getStorage']:,} state_getStorage calls in JSON-RPC batches" if per_key
                         else f"{counts['state_queryStorageAt']} state_queryStorageAt of ≤1,000 keys")
                print(f"| {label}: requests per 1,000 addresses | {per_thousand:.1f} "
                      f"({reads}, {counts['requests']} HTTP requests in all) |")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10_000)
