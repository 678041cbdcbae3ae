"""ELF on the local aelf stand-in: two accounts signed in OKX's "ECDSA family" scheme, one row in each address
form (bare and ELF_..._AELF); after the snapshot ELF moves in and out."""

from __future__ import annotations

from coincurve import PrivateKey

from chains.aelf import addresses
from tests.chains.okx_ecdsa_signing import sign_okx_ecdsa
from tests.nodes.aelf_server import AelfLedger
from tests.worlds.okx import MESSAGE, Part, text, whole


def _account(key: PrivateKey) -> str:
    return addresses.encode(addresses.account_of(key.public_key))


def build(ledger: AelfLedger) -> Part:
    keys = [PrivateKey((4000 + i).to_bytes(32, "big")) for i in range(2)]
    accounts = [_account(k) for k in keys]
    outsider = _account(PrivateKey((4999).to_bytes(32, "big")))
    for i, account in enumerate(accounts):
        ledger.issue(account, (i + 1) * 70_000 * 10**8 + 3)
    ledger.issue(outsider, 10**7 * 10**8)
    height = ledger.mine(2)
    ledger.transfer(outsider, accounts[0], 321 * 10**8)  # after H
    ledger.transfer(accounts[1], outsider, 5 * 10**8)
    ledger.mine(3)
    part = Part("ELF", height)
    for i, (key, account) in enumerate(zip(keys, accounts, strict=True)):
        shown = f"ELF_{account}_AELF" if i else account  # both address forms
        part.rows.append(["ELF", "AELF", height, shown, text(whole(ledger.balance(account, "ELF", height), 8)),
                          MESSAGE, sign_okx_ecdsa(key, MESSAGE)])
    part.at_snapshot["ELF"] = whole(sum(ledger.balance(a, "ELF", height) for a in accounts), 8)
    part.at_tip["ELF"] = whole(sum(ledger.balance(a) for a in accounts), 8)
    return part
