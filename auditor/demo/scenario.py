"""A small two-chain scenario the tests build on (`auditor demo` itself uses auditor.demo.world): chain state and
its signed OKX-layout file (11-column layout, summary section included).

Two anvil nodes stand in for Ethereum (chain id 1) and Arbitrum One (42161). Each gets the canonical
Multicall3 and a real USDT (6 decimals) ERC-20; keys derived from fixed labels own the reserve addresses.
Balances move after the snapshot block, so reading "latest" instead of the snapshot would give other figures.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from auditor.demo.anvil import Anvil
from auditor.demo.chain import DemoChain
from auditor.demo.signing import demo_key, evm_address, sign_okx_evm
from auditor.money import dec_str, whole_units

MESSAGE = "I am an OKX address"
HEADER = [
    "coin", "Network", "Snapshot Height", "address", "amount", "message", "signature1", "signature2",
    "redeem script/ public key", " eoa1", " eoa2",
]
ETH = 10**18
USDT = 10**6


@dataclass
class NetworkState:
    code: str  # OKX network code
    native_coin: str  # OKX coin code of the native coin on this network
    token_coin: str  # OKX coin code of USDT on this network
    chain: DemoChain
    token: str = ""
    height: int = 0
    rows: list[list[str]] = field(default_factory=list)
    native_total: int = 0  # every row, the contract wallet included
    token_total: int = 0
    owner_native: int = 0  # the contract wallet's part (proven by its owners, bound to it on chain)
    owner_token: int = 0
    wallet: str = ""


def build_network(state: NetworkState, holders: list[tuple[str, int, int]], owner_wallet: bool) -> None:
    """Fund `holders` (label, wei, usdt base units), sign their rows, snapshot, then move money."""
    chain = state.chain
    chain.deploy_multicall3()
    state.token = chain.deploy_token("Tether USD (demo)", "USDT", 6)
    accounts = []
    for label, wei, usdt in holders:
        key = demo_key(f"{state.code}/{label}")
        address = evm_address(key)
        chain.send_eth(address, wei)
        chain.mint(state.token, address, usdt)
        accounts.append((key, address, wei, usdt))
    if owner_wallet:  # a contract wallet (2-of-3 Safe-style): proven by two owners' signatures (eoa1/eoa2)
        owner1, owner2 = demo_key(f"{state.code}/owner1"), demo_key(f"{state.code}/owner2")
        owner3 = evm_address(demo_key(f"{state.code}/owner3"))
        wallet = chain.deploy_safe([evm_address(owner1), evm_address(owner2), owner3], 2)
        chain.send_eth(wallet, 40 * ETH)
        chain.mint(state.token, wallet, 2_500_000 * USDT)
    state.height = chain.mine(2)
    for key, address, wei, usdt in accounts:
        signature = sign_okx_evm(key, MESSAGE)
        for coin, amount, decimals in ((state.native_coin, wei, 18), (state.token_coin, usdt, 6)):
            state.rows.append([coin, state.code, str(state.height), address, dec_str(whole_units(amount, decimals)),
                               MESSAGE, signature, "", "", "", ""])
        state.native_total += wei
        state.token_total += usdt
    if owner_wallet:
        for coin, amount, decimals in ((state.native_coin, 40 * ETH, 18), (state.token_coin, 2_500_000 * USDT, 6)):
            state.rows.append([coin, state.code, str(state.height), wallet, dec_str(whole_units(amount, decimals)),
                               MESSAGE, sign_okx_evm(owner1, MESSAGE), sign_okx_evm(owner2, MESSAGE), "",
                               evm_address(owner1), evm_address(owner2)])
        state.native_total += 40 * ETH
        state.token_total += 2_500_000 * USDT
        state.owner_native, state.owner_token, state.wallet = 40 * ETH, 2_500_000 * USDT, wallet
    # After the snapshot: withdrawals leave the first two addresses, so "latest" != snapshot.
    outside = evm_address(demo_key("customer withdrawals"))
    for _key, address, wei, usdt in accounts[:2]:
        chain.transfer_eth(address, outside, wei // 2)
        chain.transfer_token(state.token, address, outside, usdt // 3)
    chain.mine(3)


def write_address_file(path: Path, networks: list[NetworkState]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    eth_total = sum((Decimal(n.native_total) for n in networks), Decimal(0)) / ETH
    usdt_total = sum((Decimal(n.token_total) for n in networks), Decimal(0)) / USDT
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["coin", "snapshot height", "amount"])
        writer.writerow(["ETH(ALL)", "-", dec_str(eth_total.quantize(Decimal("0.0001")))])
        writer.writerow(["USDT(ALL)", "-", dec_str(usdt_total.quantize(Decimal("0.0001")))])
        four_places = Decimal("0.0001")  # OKX prints summary amounts rounded to 4 places
        for n in networks:
            writer.writerow([n.native_coin, n.height, dec_str(whole_units(n.native_total, 18).quantize(four_places))])
            writer.writerow([n.token_coin, n.height, dec_str(whole_units(n.token_total, 6).quantize(four_places))])
        writer.writerow([])
        writer.writerow(HEADER)
        for n in networks:
            writer.writerows(n.rows)


def build_demo(data_dir: Path, eth_node: Anvil, arb_node: Anvil) -> list[NetworkState]:
    """Set both chains up and write `okx_por_demo.csv` and `liabilities.csv` into `data_dir`."""
    eth = NetworkState("ETH", "ETH", "USDT-ERC20", DemoChain(eth_node))
    arb = NetworkState("ARBITRUM", "ETH-ARBITRUM", "USDT-ARBITRUM", DemoChain(arb_node))
    build_network(eth, [(f"hot-{i}", (i + 1) * 25 * ETH, (i + 1) * 1_000_000 * USDT) for i in range(8)], True)
    build_network(arb, [(f"hot-{i}", (i + 2) * 10 * ETH, (i + 1) * 750_000 * USDT) for i in range(4)], False)
    write_address_file(data_dir / "okx_por_demo.csv", [eth, arb])
    # Customer liabilities as an exchange would declare them: reserves cover ETH 1.25x and USDT 1.07x.
    eth_owed = (whole_units(eth.native_total + arb.native_total, 18) / Decimal("1.25")).quantize(Decimal("0.01"))
    usdt_owed = (whole_units(eth.token_total + arb.token_total, 6) / Decimal("1.07")).quantize(Decimal("0.01"))
    (data_dir / "liabilities.csv").write_text(f"asset,amount\nETH,{eth_owed}\nUSDT,{usdt_owed}\n", encoding="utf-8")
    return [eth, arb]
