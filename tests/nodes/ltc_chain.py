"""Builds the regtest chain the UTXO backend tests read: real signed transactions from Litecoin Core's wallet.

Layout (heights are relative to the 150 blocks mined first):

* funding of every address type (P2PKH, P2SH-P2WPKH, P2WPKH, P2SH 2-of-3 multisig, P2WSH 2-of-3 multisig),
  spends before the snapshot (one address emptied, change paid back to the spender) -> snapshot height H;
* after H: more spends (the legacy address emptied, both multisigs spent) and new funding, so the tip balances
  differ from the snapshot balances; then one unconfirmed payment left in the mempool.

The expected snapshot balances are what the node's own wallet lists as unspent (`listunspent`) while its tip
is H: an independent figure, not computed by any code under test.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from tests.nodes.litecoind import Litecoind

COIN = Decimal(100_000_000)
FEE = Decimal("0.0001")
TEST_WALLET = "w"
MINER_WALLET = "miner"
BUSY_PAYMENTS = 30  # with the spends, the busy address has two Esplora pages of history at H, three at the tip


def to_sats(amount: Decimal) -> int:
    sats = amount * COIN
    assert sats == sats.to_integral_value(), amount
    return int(sats)


@dataclass(frozen=True)
class TestAddress:
    label: str
    address: str
    script_pubkey: str  # hex
    redeem_script: str = ""  # multisig only (the P2SH redeem script or the P2WSH witness script)


@dataclass
class BuiltChain:
    node: Litecoind
    snapshot_height: int
    snapshot_hash: str
    tip_height: int
    addresses: dict[str, TestAddress]  # label -> address
    expected_at_snapshot: dict[str, int]  # address -> satoshis, from the wallet's listunspent at H
    expected_at_tip: dict[str, int]  # address -> satoshis confirmed at the tip
    mempool_txids: list[str] = field(default_factory=list)
    bulk: list[str] = field(default_factory=list)  # addresses funded in bulk (benchmarks)

    def block_hash(self, height: int) -> str:
        return self.node.rpc("getblockhash", height)


class _Builder:
    def __init__(self, node: Litecoind) -> None:
        self.node = node
        node.rpc("createwallet", TEST_WALLET)
        node.rpc("createwallet", MINER_WALLET)
        self.miner = self.w("getnewaddress", "", "bech32", wallet=MINER_WALLET)

    def w(self, method: str, *params: object, wallet: str = TEST_WALLET) -> object:
        return self.node.rpc(method, *params, wallet=wallet)

    def mine(self, blocks: int = 1) -> None:
        self.node.rpc("generatetoaddress", blocks, self.miner)

    def new_address(self, label: str, kind: str) -> TestAddress:
        address = self.w("getnewaddress", label, kind)
        return TestAddress(label, address, self.w("getaddressinfo", address)["scriptPubKey"])

    def new_multisig(self, label: str, kind: str) -> TestAddress:
        keys = [self.w("getaddressinfo", self.w("getnewaddress"))["pubkey"] for _ in range(3)]
        made = self.w("addmultisigaddress", 2, keys, label, kind)
        info = self.w("getaddressinfo", made["address"])
        return TestAddress(label, made["address"], info["scriptPubKey"], made["redeemScript"])

    def pay(self, outputs: dict[str, Decimal]) -> str:
        """The miner pays; several outputs in one transaction."""
        return self.w("sendmany", "", {a: str(v) for a, v in outputs.items()}, wallet=MINER_WALLET)

    def spend(
        self, address: str, to_miner: Decimal | None, change_to: str | None = None, pay_to: str | None = None
    ) -> str:
        """Spends every confirmed output of `address` (a wallet-owned address), paying `to_miner` (None: all
        of it) to the miner, or to `pay_to`, and the rest less the fee to `change_to` (default: back to
        `address` itself)."""
        utxos = self.w("listunspent", 1, 9_999_999, [address])
        assert utxos, f"nothing to spend at {address}"
        total = sum((u["amount"] for u in utxos), Decimal(0))
        if to_miner is None:
            to_miner = total - FEE
        outputs = {pay_to or self.miner: str(to_miner)}
        change = total - to_miner - FEE
        if change > 0:
            outputs[change_to or address] = str(change)
        raw = self.w("createrawtransaction", [{"txid": u["txid"], "vout": u["vout"]} for u in utxos], outputs)
        signed = self.w("signrawtransactionwithwallet", raw)
        assert signed["complete"], signed
        return self.node.rpc("sendrawtransaction", signed["hex"])

    def confirmed_balances(self, addresses: list[str]) -> dict[str, int]:
        balances = dict.fromkeys(addresses, 0)
        for utxo in self.w("listunspent", 1, 9_999_999, addresses):
            balances[utxo["address"]] += to_sats(utxo["amount"])
        return balances


def build_chain(node: Litecoind, bulk: int = 0) -> BuiltChain:
    """Builds the chain on a fresh node; `bulk` more addresses are funded in one payment each (benchmarks)."""
    b = _Builder(node)
    b.mine(150)
    addrs = [
        b.new_address("legacy", "legacy"),
        b.new_address("p2sh_segwit", "p2sh-segwit"),
        b.new_address("bech32", "bech32"),
        b.new_multisig("msig_p2sh", "legacy"),
        b.new_multisig("msig_p2wsh", "bech32"),
        b.new_address("emptied", "bech32"),  # funded and spent to zero before H
        b.new_address("late", "legacy"),  # funded only after H
        b.new_address("unused", "bech32"),  # never funded
        b.new_address("busy", "bech32"),  # more transactions than one Esplora history page
    ]
    by_label = {a.label: a for a in addrs}
    a = {label: t.address for label, t in by_label.items()}

    # Before the snapshot.
    b.pay({a["legacy"]: Decimal("1.5"), a["p2sh_segwit"]: Decimal("2.25"), a["bech32"]: Decimal("3.125")})
    b.pay({a["msig_p2sh"]: Decimal("4"), a["msig_p2wsh"]: Decimal("5.5"), a["emptied"]: Decimal("0.7")})
    bulk_addresses = [b.w("getnewaddress", "", ("legacy", "p2sh-segwit", "bech32")[i % 3]) for i in range(bulk)]
    for start in range(0, bulk, 500):
        part = bulk_addresses[start : start + 500]
        b.pay({addr: Decimal("0.001") * (start + i + 1) for i, addr in enumerate(part)})
    for i in range(BUSY_PAYMENTS):
        b.pay({a["busy"]: Decimal("0.01") * (i + 1)})
    b.mine()
    b.pay({a["legacy"]: Decimal("0.3"), a["bech32"]: Decimal("0.01")})
    b.spend(a["busy"], Decimal("1"))
    b.spend(a["emptied"], None)
    b.spend(a["bech32"], Decimal("1"))  # change back to itself
    b.mine()
    b.spend(a["msig_p2sh"], Decimal("0.5"))
    b.spend(a["p2sh_segwit"], Decimal("0.25"), change_to=a["msig_p2wsh"])
    b.mine()
    snapshot_height = node.rpc("getblockcount")
    snapshot_hash = node.rpc("getblockhash", snapshot_height)
    watched = [t.address for t in addrs]
    expected_at_snapshot = b.confirmed_balances(watched + bulk_addresses)

    # After the snapshot: the tip disagrees with H for most addresses.
    b.spend(a["legacy"], None)
    b.spend(a["msig_p2wsh"], Decimal("1"))
    b.pay({a["late"]: Decimal("1"), a["p2sh_segwit"]: Decimal("0.125")})
    for _ in range(BUSY_PAYMENTS):
        b.pay({a["busy"]: Decimal("0.5")})
    b.mine()
    b.spend(a["msig_p2sh"], None)
    if bulk_addresses:
        b.spend(bulk_addresses[0], Decimal("0.0005"))
    b.mine(2)
    tip_height = node.rpc("getblockcount")
    expected_at_tip = b.confirmed_balances(watched + bulk_addresses)
    # Left unconfirmed: spends an output confirmed before H, so rolling the node back to H keeps it valid.
    mempool = [b.spend(a["bech32"], Decimal("0.2"), pay_to=a["unused"])]
    return BuiltChain(
        node=node,
        snapshot_height=snapshot_height,
        snapshot_hash=snapshot_hash,
        tip_height=tip_height,
        addresses=by_label,
        expected_at_snapshot=expected_at_snapshot,
        expected_at_tip=expected_at_tip,
        mempool_txids=mempool,
        bulk=bulk_addresses,
    )
