"""XRP Ledger balances per second against the local rippled stand-in (tests/nodes/xrpl_server.py, on its own
thread in this process, so the figure is a floor: client and server share one interpreter), and requests per
1,000 addresses counted at the server (snapshot checks included).

Run: python benchmarks/xrpl_balances.py [ACCOUNTS] [CONCURRENCY]
"""

from __future__ import annotations

import asyncio
import sys
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # for tests.nodes

from auditor.assets import AssetRegistry
from chains.base import AddressRow, Endpoint
from chains.registry import get_family
from chains.transport import display_url
from chains.xrpl import addresses
from chains.xrpl.api import IssuedCurrency
from tests.nodes.xrpl_server import XrplChain, XrplServerThread


async def _read(url: str, queries, height: int, concurrency: int):
    registry = AssetRegistry.load()
    network, family = registry.network("XRP"), get_family("xrpl")
    assert network is not None and family is not None
    endpoint = Endpoint(url=url, backend="rippled", display=display_url(url), max_concurrency=concurrency,
                        requests_per_second=0)
    async with family.open_adapter(network, endpoint) as adapter:
        started = time.perf_counter()
        balances = await adapter.fetch_balances(queries, height)
        return balances, time.perf_counter() - started


def main(accounts: int, concurrency: int) -> None:
    registry = AssetRegistry.load()
    family = get_family("xrpl")
    xrp, rlusd = registry.resolve("XRP", "XRP"), registry.resolve("RLUSD", "XRP")
    assert family is not None and xrp is not None and rlusd is not None and rlusd.contract
    token = IssuedCurrency.parse(rlusd.contract, rlusd.decimals)
    chain = XrplChain()
    holders = [addresses.encode(i.to_bytes(20, "big")) for i in range(1, accounts + 1)]
    chain.fund(token.issuer, 10**9)
    for i, holder in enumerate(holders):
        chain.fund(holder, 20_000_000 + i)
        chain.set_line(holder, token.issuer, token.currency, Decimal(i) / 100)
    height = chain.close()
    for i in range(0, accounts, 4):  # a quarter of the accounts move after the snapshot
        chain.pay(holders[i], holders[(i + 1) % accounts], 1_000)
    chain.close(2)
    row = AddressRow(1, "XRP", "XRP", "")
    print(f"| XRP Ledger ({accounts:,} addresses, concurrency {concurrency}) | balances/s | requests per 1,000 "
          "addresses | requests |")
    print("|---|---:|---:|---:|")
    with XrplServerThread(chain) as server:
        for label, token_entry in (("XRP `account_info`", xrp), ("RLUSD `account_lines` (peer = issuer)", rlusd)):
            queries = [family.balance_query(row, token_entry, h) for h in holders]
            before = server.http_requests
            balances, elapsed = asyncio.run(_read(server.url, queries, height, concurrency))
            requests = server.http_requests - before
            for query in queries:
                want = (chain.balance(query.address, height) if query.contract is None else
                        int(chain.line_balance(query.address, token.issuer, token.currency, height).scaleb(15)))
                assert balances[query].amount == want, (query, balances[query])
            print(f"| {label} | {accounts / elapsed:,.0f} | {requests * 1000 / accounts:,.1f} | {requests:,} |")
    print()
    print("Requests include the snapshot check (server_info, ledger, ledger_entry FeeSettings) and the ledger hash "
          "re-check after reading; each address is one request (rippled has no multi-account read).")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10_000, int(sys.argv[2]) if len(sys.argv) > 2 else 16)
