"""FIL on the local Lotus stand-in: three f1 accounts signed in OKX's "ECDSA family" scheme; after the snapshot
FIL moves in and out and the third account is created."""

from __future__ import annotations

from coincurve import PrivateKey

from chains.filecoin import addresses
from tests.chains.okx_ecdsa_signing import sign_okx_ecdsa
from tests.nodes.lotus_server import FilLedger
from tests.worlds.okx import MESSAGE, Part, text, whole


def _account(key: PrivateKey) -> str:
    return addresses.encode(addresses.payload_of(key.public_key))


def build(ledger: FilLedger) -> Part:
    keys = [PrivateKey((3000 + i).to_bytes(32, "big")) for i in range(3)]
    accounts = [_account(k) for k in keys]
    outsider = _account(PrivateKey((3999).to_bytes(32, "big")))
    for i, account in enumerate(accounts[:2]):
        ledger.credit(account, (i + 1) * 2500 * 10**18 + 17)
    ledger.credit(outsider, 10**6 * 10**18)
    height = ledger.mine(2)
    ledger.transfer(outsider, accounts[0], 40 * 10**18)  # after H
    ledger.transfer(accounts[1], outsider, 9 * 10**18)
    ledger.transfer(outsider, accounts[2], 1 * 10**18)  # an account created after H
    ledger.mine(5)
    part = Part("FIL", height)
    for key, account in zip(keys, accounts, strict=True):
        part.rows.append(["FIL", "FIL", height, account, text(whole(ledger.balance(account, height), 18)), MESSAGE,
                          sign_okx_ecdsa(key, MESSAGE)])
    part.at_snapshot["FIL"] = whole(sum(ledger.balance(a, height) for a in accounts), 18)
    part.at_tip["FIL"] = whole(sum(ledger.balance(a) for a in accounts), 18)
    return part
