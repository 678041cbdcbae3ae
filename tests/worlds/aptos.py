"""APT, USDT and USDC (fungible assets) on the local Aptos fullnode stand-in: three accounts signed with OKX's
Ed25519 scheme, plus a wallet whose authentication key was rotated to the first account's (an owner-mode row,
bound on chain at the snapshot); after the snapshot USDT leaves, APT arrives, a coin store migrates and the
wallet's key is rotated away."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping

from auditor.assets import AssetRegistry
from tests.chains.ed25519_signing import key, public, sign
from tests.nodes.aptos_server import AptosChain
from tests.worlds.okx import MESSAGE, Part, text, whole

ALL_COINS = {"APT": "APT", "USDT": "USDT", "USDC": "USDC"}  # asset -> the rows' coin label
OWNER_WALLET = "0x" + "cd" * 32


def build(chain: AptosChain, coins: Mapping[str, str] = ALL_COINS) -> Part:
    registry = AssetRegistry.load()
    usdt, usdc = registry.resolve("USDT", "APTOS"), registry.resolve("USDC", "APTOS")
    assert usdt is not None and usdt.contract and usdc is not None and usdc.contract
    contracts: dict[str, str | None] = {"APT": None, "USDT": usdt.contract, "USDC": usdc.contract}
    decimals = {"APT": 8, "USDT": 6, "USDC": 6}
    keys = [key(8000 + i) for i in range(3)]
    accounts = ["0x" + hashlib.sha3_256(public(k) + b"\x00").hexdigest() for k in keys]
    other = "0x" + "77" * 32
    chain.credit_coin(other, 10**14)
    chain.credit_fa(other, usdt.contract, 10**12)
    chain.credit_coin(accounts[0], 250_000_000_000)
    chain.credit_coin(accounts[1], 40_000_000)
    chain.migrate(accounts[1])
    chain.credit_fa(accounts[1], usdt.contract, 3_000_000_000_000)
    chain.credit_fa(accounts[2], usdc.contract, 1_500_000_000)
    chain.credit_coin(OWNER_WALLET, 70_000_000_000)
    chain.rotate(OWNER_WALLET, accounts[0])
    height = chain.seal(2)
    chain.transfer_fa(accounts[1], other, usdt.contract, 999_000_000)  # after H
    chain.transfer_coin(other, accounts[2], 5 * 10**8)
    chain.migrate(accounts[0])
    chain.seal(2)
    part = Part("APTOS", height)
    for signing_key, account in zip(keys, accounts, strict=True):
        signature, script = sign(signing_key, MESSAGE), public(signing_key).hex()
        for asset, label in coins.items():
            amount = whole(chain.balance(account, height, contracts[asset]), decimals[asset])
            part.rows.append([label, "APTOS", height, account, text(amount), MESSAGE, signature, "", script])
    if "APT" in coins:
        part.rows.append([coins["APT"], "APTOS", height, OWNER_WALLET, text(whole(chain.balance(OWNER_WALLET, height),
                          8)), MESSAGE, sign(keys[0], MESSAGE), "", public(keys[0]).hex(), accounts[0], ""])
    chain.rotate(OWNER_WALLET, "0x" + "ee" * 32)  # after H
    chain.seal()
    for asset in coins:
        holders = [*accounts, OWNER_WALLET] if asset == "APT" else accounts
        part.at_snapshot[asset] = whole(sum(chain.balance(a, height, contracts[asset]) for a in holders),
                                        decimals[asset])
        part.at_tip[asset] = whole(sum(chain.balance(a, None, contracts[asset]) for a in holders), decimals[asset])
    return part
