"""DOT (System.Account) and USDT/USDC (Assets.Account on Asset Hub) on Chopsticks (a real Asset Hub runtime,
tests/nodes/chopsticks.py).

Accounts are Ed25519 keys of the tests (an Ed25519 account id is its public key). Balances are written before
the snapshot block H, then money moves after H (out, in, an account created, an asset balance removed), so a
reader of the tip gets other totals than a reader of H.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from chains.substrate import addresses
from tests.chains.ed25519_signing import key, public, sign
from tests.nodes import chopsticks
from tests.worlds.okx import MESSAGE, Part, text, whole

USDT, USDC = 1984, 1337
DOT = 10**10


@dataclass
class World:
    node: chopsticks.Chopsticks
    height: int  # the snapshot block H
    genesis: str
    accounts: list[bytes]  # exchange accounts (key seeds 1..4)
    native: dict[bytes, int] = field(default_factory=dict)  # free + reserved at H
    frozen: dict[bytes, int] = field(default_factory=dict)
    assets: dict[tuple[int, bytes], int] = field(default_factory=dict)  # (asset id, account) -> balance at H
    native_tip: dict[bytes, int] = field(default_factory=dict)
    assets_tip: dict[tuple[int, bytes], int] = field(default_factory=dict)


def seed(node: chopsticks.Chopsticks) -> World:
    accounts = [public(key(seed)) for seed in range(1, 5)]
    outsider = public(key(99))
    a0, a1, a2, a3 = accounts
    before = {a0: (12 * DOT + 5 * 10**9, DOT, 3 * DOT), a1: (7 * DOT, 0, 0), a3: (100 * DOT, 250, 0),
              outsider: (1000 * DOT, 0, 0)}
    node.set_accounts(before)
    node.create_asset(USDT, outsider)
    node.create_asset(USDC, outsider)
    usdt = {a0: 1_000_000 * 10**6, a1: 2_500_000, outsider: 5 * 10**6}
    usdc = {a0: 333_000_001}
    node.set_asset_balances(USDT, usdt)
    node.set_asset_balances(USDC, usdc)
    height = node.new_block()
    node.new_block()
    # after H: a0 sends most of its DOT away, a2 is created, a1's USDT leaves, a0 gets USDC, the outsider pays a3
    after = {a0: (DOT, DOT, 3 * DOT), a2: (50 * DOT, 0, 0), a3: (101 * DOT, 250, 0), outsider: (989 * DOT, 0, 0)}
    node.set_accounts(after)
    node.set_asset_balances(USDT, {a1: 0, outsider: 7_500_000})
    node.set_asset_balances(USDC, {a0: 999_000_000})
    node.new_block()
    node.new_block()
    world = World(node, height, node.genesis_hash(), accounts)
    for account in accounts:
        free, reserved, frozen = before.get(account, (0, 0, 0))
        world.native[account] = free + reserved
        world.frozen[account] = frozen
        tip = after.get(account, before.get(account, (0, 0, 0)))
        world.native_tip[account] = tip[0] + tip[1]
        for asset, at_h, moved in ((USDT, usdt, {a1: 0}), (USDC, usdc, {a0: 999_000_000})):
            world.assets[(asset, account)] = at_h.get(account, 0)
            world.assets_tip[(asset, account)] = moved.get(account, at_h.get(account, 0))
    return world


def parts(world: World, asset_hub: bool = True) -> tuple[Part, Part]:
    """DOT rows of the first three accounts (the third is created after H) on Polkadot, and (`asset_hub`) their
    non-zero USDT/USDC on Polkadot Asset Hub, signed with OKX's Ed25519 scheme."""
    dot, hub = Part("DOT", world.height), Part("DOTAH", world.height)
    holders = list(zip(range(1, 4), world.accounts[:3], strict=True))
    for seed_of, account in holders:
        address = addresses.encode(account, 0)
        signature = sign(key(seed_of), MESSAGE)
        dot.rows.append(["DOT", "Polkadot", world.height, address, text(whole(world.native[account], 10)),
                         MESSAGE, signature, "", ""])
        for coin, asset in (("USDT", USDT), ("USDC", USDC)):
            held = world.assets[(asset, account)]
            if asset_hub and held:
                hub.rows.append([coin, "Polkadot Asset Hub", world.height, address, text(whole(held, 6)),
                                 MESSAGE, signature, "", ""])
    dot.at_snapshot["DOT"] = whole(sum(world.native[a] for _, a in holders), 10)
    dot.at_tip["DOT"] = whole(sum(world.native_tip[a] for _, a in holders), 10)
    if asset_hub:
        for coin, asset in (("USDT", USDT), ("USDC", USDC)):
            hub.at_snapshot[coin] = whole(sum(world.assets[(asset, a)] for _, a in holders), 6)
            hub.at_tip[coin] = whole(sum(world.assets_tip[(asset, a)] for _, a in holders), 6)
    return dot, hub
