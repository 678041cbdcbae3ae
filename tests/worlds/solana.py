"""SOL, USDT-SOL and USDC-SOL on the local Solana JSON-RPC stand-in: two owners signed with OKX's Ed25519 scheme
(the key is the address); after the snapshot SOL and both tokens move in and out, so only a figure rolled back
to the snapshot slot gives the totals."""

from __future__ import annotations

from auditor.assets import AssetRegistry
from chains.solana import addresses
from tests.chains.ed25519_signing import key, public, sign
from tests.nodes.solana_server import SolanaLedger
from tests.worlds.okx import MESSAGE, Part, text, whole


def mints() -> tuple[str, str]:
    """The registry's USDT and USDC mints on Solana."""
    registry = AssetRegistry.load()
    usdt, usdc = registry.resolve("USDT-SOL", "SOL"), registry.resolve("USDC-SOL", "SOL")
    assert usdt is not None and usdt.contract and usdc is not None and usdc.contract
    return usdt.contract, usdc.contract


def build(ledger: SolanaLedger) -> Part:
    usdt_mint, usdc_mint = mints()
    keys = [key(500 + i) for i in range(2)]
    owners = [addresses.encode(public(k)) for k in keys]
    outsider = addresses.encode(public(key(599)))
    ledger.fund(outsider, 50 * 10**9)
    for i, owner in enumerate(owners):
        ledger.fund(owner, (i + 1) * 10**9)
    ledger.mine()
    usdt_accounts = [ledger.create_token_account(o, usdt_mint) for o in [*owners, outsider]]
    usdc_account = ledger.create_token_account(owners[1], usdc_mint)
    ledger.mine()
    for i, account in enumerate(usdt_accounts):
        ledger.mint_tokens(account, (i + 1) * 1_000_000_000)
    ledger.mint_tokens(usdc_account, 250_000_000)
    slot = ledger.mine(skip=1)
    part = Part("SOL", slot)
    for signing_key, owner in zip(keys, owners, strict=True):
        signature, pubkey = sign(signing_key), public(signing_key).hex()
        lamports, usdt = ledger.lamports_at(owner, slot), ledger.tokens_at(owner, usdt_mint, slot)
        part.rows.append(["SOL", "SOL", slot, owner, text(whole(lamports, 9)), MESSAGE, signature, "", pubkey])
        part.rows.append(["USDT-SOL", "SOL", slot, owner, text(whole(usdt, 6)), MESSAGE, signature, "", pubkey])
    usdc = ledger.tokens_at(owners[1], usdc_mint, slot)
    part.rows.append(["USDC-SOL", "SOL", slot, owners[1], text(whole(usdc, 6)), MESSAGE, sign(keys[1]), "",
                      public(keys[1]).hex()])
    # after the snapshot: SOL and tokens move both ways
    ledger.transfer(outsider, owners[0], 7 * 10**9)
    ledger.token_transfer(usdt_accounts[2], usdt_accounts[0], 123_000_000)
    ledger.token_transfer(usdt_accounts[1], usdt_accounts[2], 5_000_000)
    ledger.token_transfer(usdc_account, ledger.create_token_account(outsider, usdc_mint), 1)
    ledger.mine(skip=2)
    for asset, total in (("SOL", lambda at: sum(ledger.lamports_at(o, at) for o in owners)),
                         ("USDT", lambda at: sum(ledger.tokens_at(o, usdt_mint, at) for o in owners)),
                         ("USDC", lambda at: ledger.tokens_at(owners[1], usdc_mint, at))):
        decimals = 9 if asset == "SOL" else 6
        part.at_snapshot[asset] = whole(total(slot), decimals)
        part.at_tip[asset] = whole(total(None), decimals)
    return part
