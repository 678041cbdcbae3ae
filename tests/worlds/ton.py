"""TON and USDT-TON (a jetton) on the local toncenter v2 stand-in: two v4r2 wallets of keys signed with OKX's
Ed25519 scheme; after the snapshot TON arrives and USDT moves both ways."""

from __future__ import annotations

from auditor.assets import AssetRegistry
from chains.ton import addresses
from chains.ton.wallets import WALLETS, account_id
from tests.chains.ed25519_signing import key, public, sign
from tests.nodes.ton_server import TonLedger
from tests.worlds.okx import MESSAGE, Part, text, whole

V4R2 = next(w for w in WALLETS if w.name == "v4r2")


def usdt_master() -> str:
    usdt = AssetRegistry.load().resolve("USDT-TON", "TON")
    assert usdt is not None and usdt.contract
    return usdt.contract


def build(ledger: TonLedger) -> Part:
    usdt = usdt_master()
    keys = [key(700 + i) for i in range(2)]
    wallets = [addresses.encode(account_id(V4R2, public(k))) for k in keys]
    outsider = addresses.encode(account_id(V4R2, public(key(799))))
    ledger.credit(outsider, 10**12)
    ledger.mint(usdt, outsider, 10**12)
    for i, address in enumerate(wallets):
        ledger.credit(address, (i + 3) * 10**9)
        ledger.mint(usdt, address, (i + 1) * 2_000_000_000)
    seqno = ledger.mine()
    part = Part("TON", seqno)
    for signing_key, address in zip(keys, wallets, strict=True):
        signature, pubkey = sign(signing_key), public(signing_key).hex()
        part.rows.append(["TON", "TON", seqno, address, text(whole(ledger.balance(address, seqno), 9)), MESSAGE,
                          signature, "", pubkey])
        part.rows.append(["USDT-TON", "TON", seqno, address,
                          text(whole(ledger.jetton_balance(usdt, address, seqno), 6)), MESSAGE, signature, "",
                          pubkey])
    ledger.transfer(outsider, wallets[0], 5 * 10**9)  # after the snapshot
    ledger.jetton_transfer(usdt, wallets[1], outsider, 1_000_000)
    ledger.jetton_transfer(usdt, outsider, wallets[0], 77_000_000)
    ledger.mine()
    for at, into in ((seqno, part.at_snapshot), (None, part.at_tip)):
        into["TON"] = whole(sum(ledger.balance(a, at) for a in wallets), 9)
        into["USDT"] = whole(sum(ledger.jetton_balance(usdt, a, at) for a in wallets), 6)
    return part
