"""ETH and USDT-ERC20 on a real anvil (auditor.demo.chain.DemoChain: Multicall3 and a real ERC-20): two
accounts signed in OKX's EVM scheme; after the snapshot USDT moves between them and ETH leaves one of them."""

from __future__ import annotations

from auditor.demo.chain import DemoChain, checksummed
from auditor.demo.signing import demo_key, evm_address, sign_okx_evm
from tests.worlds.okx import MESSAGE, Part, whole

OUTSIDER = "0x000000000000000000000000000000000000dEaD"


def build(chain: DemoChain) -> tuple[Part, str]:
    """The part and the ERC-20's address (the config points USDT-ERC20 at it)."""
    chain.deploy_multicall3()
    erc20 = chain.deploy_token("Tether USD (test)", "USDT", 6)
    keys = [demo_key(f"mixed/evm/{i}") for i in range(2)]
    accounts = [evm_address(k) for k in keys]
    for i, account in enumerate(accounts):
        chain.send_eth(account, (i + 1) * 10**18)
        chain.mint(erc20, account, (i + 1) * 3_000_000 * 10**6)
    height = chain.mine()
    part = Part("ETH", height)
    for i, key in enumerate(keys):
        signature = sign_okx_evm(key, MESSAGE)
        part.rows.append(["ETH", "ETH", height, accounts[i], str(i + 1), MESSAGE, signature])
        part.rows.append(["USDT-ERC20", "ETH", height, accounts[i], str((i + 1) * 3_000_000), MESSAGE, signature])
    # after H: USDT moves between the accounts and out, ETH comes in (and pays the transfers' gas)
    chain.transfer_token(erc20, accounts[0], accounts[1], 5 * 10**6)
    chain.transfer_token(erc20, accounts[1], OUTSIDER, 1_000 * 10**6)
    chain.send_eth(accounts[0], 2 * 10**18)
    chain.mine()
    part.at_snapshot = {"ETH": whole(3 * 10**18, 18), "USDT": whole(9_000_000 * 10**6, 6)}
    token = chain.token(erc20)
    part.at_tip = {"ETH": whole(sum(chain.web3.eth.get_balance(checksummed(a)) for a in accounts), 18),
                   "USDT": whole(sum(token.functions.balanceOf(checksummed(a)).call() for a in accounts), 6)}
    return part, erc20
