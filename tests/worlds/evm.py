"""ETH, USDT-ERC20 (and USDC-ERC20 if asked) on a real anvil (auditor.demo.chain.DemoChain: Multicall3 and real
ERC-20s): two accounts signed in OKX's EVM scheme; after the snapshot the tokens move between them and out, and
ETH comes in."""

from __future__ import annotations

from collections.abc import Sequence

from auditor.demo.chain import DemoChain, checksummed
from auditor.demo.signing import demo_key, evm_address, sign_okx_evm
from tests.worlds.okx import MESSAGE, Part, whole

OUTSIDER = "0x000000000000000000000000000000000000dEaD"
NAMES = {"USDT": "Tether USD (test)", "USDC": "USD Coin (test)"}
HELD = {"USDT": 3_000_000, "USDC": 1_250_000}  # whole units of account i: (i + 1) * HELD


def build(chain: DemoChain, stablecoins: Sequence[str] = ("USDT",)) -> tuple[Part, dict[str, str]]:
    """The part and each ERC-20's address by registry token code ("USDT-ERC20": the config points it there)."""
    chain.deploy_multicall3()
    contracts = {coin: chain.deploy_token(NAMES[coin], coin, 6) for coin in stablecoins}
    keys = [demo_key(f"mixed/evm/{i}") for i in range(2)]
    accounts = [evm_address(k) for k in keys]
    for i, account in enumerate(accounts):
        chain.send_eth(account, (i + 1) * 10**18)
        for coin, contract in contracts.items():
            chain.mint(contract, account, (i + 1) * HELD[coin] * 10**6)
    height = chain.mine()
    part = Part("ETH", height)
    for i, key in enumerate(keys):
        signature = sign_okx_evm(key, MESSAGE)
        part.rows.append(["ETH", "ETH", height, accounts[i], str(i + 1), MESSAGE, signature])
        for coin in contracts:
            part.rows.append([f"{coin}-ERC20", "ETH", height, accounts[i], str((i + 1) * HELD[coin]), MESSAGE,
                              signature])
    # after H: the tokens move between the accounts and out, ETH comes in (and pays the transfers' gas)
    for contract in contracts.values():
        chain.transfer_token(contract, accounts[0], accounts[1], 5 * 10**6)
        chain.transfer_token(contract, accounts[1], OUTSIDER, 1_000 * 10**6)
    chain.send_eth(accounts[0], 2 * 10**18)
    chain.mine()
    part.at_snapshot["ETH"] = whole(3 * 10**18, 18)
    part.at_tip["ETH"] = whole(sum(chain.web3.eth.get_balance(checksummed(a)) for a in accounts), 18)
    for coin, contract in contracts.items():
        token = chain.token(contract)
        part.at_snapshot[coin] = whole(3 * HELD[coin] * 10**6, 6)
        part.at_tip[coin] = whole(sum(token.functions.balanceOf(checksummed(a)).call() for a in accounts), 6)
    return part, {f"{coin}-ERC20": contract for coin, contract in contracts.items()}
