"""XRP (and the RLUSD trust line) on the local rippled stand-in: three accounts signed in OKX's "ECDSA family"
scheme; after the snapshot XRP moves in and out, the third account is created and a trust line changes."""

from __future__ import annotations

from decimal import Decimal

from coincurve import PrivateKey

from auditor.assets import AssetRegistry
from chains.xrpl import addresses
from chains.xrpl.api import IssuedCurrency
from tests.chains.okx_ecdsa_signing import sign_okx_ecdsa
from tests.nodes.xrpl_server import XrplChain
from tests.worlds.okx import MESSAGE, Part, text, whole


def _account(key: PrivateKey) -> str:
    return addresses.encode(addresses.account_id(key.public_key))


def build(chain: XrplChain, rlusd_rows: bool = True) -> Part:
    rlusd = AssetRegistry.load().resolve("RLUSD", "XRP")
    assert rlusd is not None and rlusd.contract
    token = IssuedCurrency.parse(rlusd.contract, rlusd.decimals)
    keys = [PrivateKey((7000 + i).to_bytes(32, "big")) for i in range(3)]
    accounts = [_account(k) for k in keys]
    outsider = _account(PrivateKey((7999).to_bytes(32, "big")))
    chain.fund(token.issuer, 50_000_000)
    chain.fund(outsider, 10**12)
    for i, account in enumerate(accounts[:2]):
        chain.fund(account, (i + 1) * 1_000_000_000 + 7)
        chain.set_line(account, token.issuer, token.currency, Decimal("2500.25") * (i + 1))
    height = chain.close(2)
    chain.pay(outsider, accounts[0], 5_000_000_000)  # after H
    chain.pay(accounts[1], outsider, 1_000_000)
    chain.fund(accounts[2], 30_000_000)  # did not exist at H: 0 there
    chain.set_line(accounts[0], token.issuer, token.currency, Decimal(1))
    chain.close(2)
    part = Part("XRP", height)
    for key, account in zip(keys, accounts, strict=True):
        signature = sign_okx_ecdsa(key, MESSAGE)
        part.rows.append(["XRP", "XRP", height, account, text(whole(chain.balance(account, height), 6)), MESSAGE,
                          signature])
        if rlusd_rows:
            line = chain.line_balance(account, token.issuer, token.currency, height)
            part.rows.append(["RLUSD", "XRP", height, account, text(line), MESSAGE, signature])
    part.at_snapshot["XRP"] = whole(sum(chain.balance(a, height) for a in accounts), 6)
    part.at_tip["XRP"] = whole(sum(chain.balance(a) for a in accounts), 6)
    if rlusd_rows:
        part.at_snapshot["RLUSD"] = sum((chain.line_balance(a, token.issuer, token.currency, height)
                                         for a in accounts), Decimal(0))
        part.at_tip["RLUSD"] = sum((chain.line_balance(a, token.issuer, token.currency) for a in accounts),
                                   Decimal(0))
    return part
