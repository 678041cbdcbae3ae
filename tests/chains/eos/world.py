"""A real EOS chain for the EOS tests: accounts with the tests' keys (and the published vector's), eosio.token
holding EOS, a second eosio.token deployment holding USDT, money moved after the snapshot block.

Balances at the snapshot (base units, 4 decimals) are what `EXPECTED_*` say; the tip differs for every
funded account, so a reader of the tip gets other totals.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from chains.eos.ownership import digest
from tests.conftest import load_vectors
from tests.nodes.nodeos import DEV_PRIVATE, EosKey, NodeosChain

USDT_CONTRACT = "tethertether"
USDT_SPEC = f"4,USDT@{USDT_CONTRACT}"
MESSAGE = "I am an OKX address"


def eos_vector() -> dict[str, str] | None:
    found = [v for v in load_vectors() if v["coin"] == "EOS" and v["expect"] == "valid"]
    return found[0] if found else None


@dataclass
class EosWorld:
    chain: NodeosChain
    snapshot: int
    keys: dict[str, EosKey]
    vector: dict[str, str] | None
    # account -> base units at the snapshot
    eos: dict[str, int] = field(default_factory=dict)
    usdt: dict[str, int] = field(default_factory=dict)
    eos_tip: dict[str, int] = field(default_factory=dict)

    def signature(self, account: str, message: str = MESSAGE) -> tuple[str, str]:
        """(signature1, public key) of `account`'s key over `message`, as an OKX EOS row carries them."""
        key = self.keys[account]
        return key.sign_digest(digest(message.encode())), key.public


def _eos(amount: str) -> str:
    return f"{amount} EOS"


def build_world(workdir: Path) -> tuple[NodeosChain, EosWorld]:
    """Start the chain (the caller stops it: `chain.stop()`) and play the scenario."""
    chain = NodeosChain(workdir, token_accounts=("eosio.token", USDT_CONTRACT))
    chain.start()
    try:
        return chain, _play(chain)
    except BaseException:
        chain.stop()
        raise


def _play(chain: NodeosChain) -> EosWorld:
    names = ["eosio.token", USDT_CONTRACT, "alice", "bob", "carol", "dave", "okbwallet1tr"]
    keys = {name: EosKey.from_seed(name.encode()) for name in names}
    vector = eos_vector()
    for name in names:
        if name == "okbwallet1tr" and vector is not None:
            # owner: a key of ours (so the test can change the account); active: the published vector's key
            chain.create_account(name, keys[name], vector["script_or_pubkey"])
        else:
            chain.create_account(name, keys[name])
    chain.deploy_token("eosio.token", keys["eosio.token"])
    chain.deploy_token(USDT_CONTRACT, keys[USDT_CONTRACT])
    chain.action("eosio.token", "create", {"issuer": "eosio", "maximum_supply": _eos("10000000000.0000")},
                 "eosio.token", keys["eosio.token"])
    chain.action(USDT_CONTRACT, "create", {"issuer": USDT_CONTRACT, "maximum_supply": "1000000000.0000 USDT"},
                 USDT_CONTRACT, keys[USDT_CONTRACT])
    chain.action("eosio.token", "issue", {"to": "eosio", "quantity": _eos("1000000.0000"), "memo": ""}, "eosio")
    chain.action(USDT_CONTRACT, "issue", {"to": USDT_CONTRACT, "quantity": "50000.0000 USDT", "memo": ""},
                 USDT_CONTRACT, keys[USDT_CONTRACT])
    funding = {"alice": "100.0000", "bob": "50.0000", "carol": "1.0000", "dave": "20.0000",
               "okbwallet1tr": "7.5000"}
    last = 0
    for name, amount in funding.items():
        last = chain.action("eosio.token", "transfer", {"from": "eosio", "to": name, "quantity": _eos(amount),
                                                        "memo": "funding"}, "eosio")
    last = chain.action(USDT_CONTRACT, "transfer", {"from": USDT_CONTRACT, "to": "carol",
                                                    "quantity": "10.0000 USDT", "memo": ""},
                        USDT_CONTRACT, keys[USDT_CONTRACT])
    chain.wait_for_block(last + 1, irreversible=True)
    snapshot = chain.head()
    world = EosWorld(chain, snapshot, keys, vector)
    world.eos = {name: int(amount.replace(".", "")) for name, amount in funding.items()}
    world.usdt = {"carol": 100_000}
    # after the snapshot: transfers in and out, new issue and a retire, keys changed
    moves = [
        ("eosio.token", "transfer", {"from": "alice", "to": "bob", "quantity": _eos("30.0000"), "memo": ""}, "alice"),
        ("eosio.token", "transfer", {"from": "bob", "to": "carol", "quantity": _eos("5.0000"), "memo": ""}, "bob"),
        ("eosio.token", "transfer", {"from": "eosio", "to": "okbwallet1tr", "quantity": _eos("2.5000"),
                                     "memo": ""}, "eosio"),
        (USDT_CONTRACT, "transfer", {"from": USDT_CONTRACT, "to": "carol", "quantity": "2.5000 USDT", "memo": ""},
         USDT_CONTRACT),
        (USDT_CONTRACT, "transfer", {"from": "carol", "to": "alice", "quantity": "1.0000 USDT", "memo": ""}, "carol"),
        ("eosio.token", "issue", {"to": "eosio", "quantity": _eos("10.0000"), "memo": ""}, "eosio"),
        ("eosio.token", "retire", {"quantity": _eos("3.0000"), "memo": ""}, "eosio"),
    ]
    for contract, name, data, actor in moves:
        signer = keys.get(actor, DEV_PRIVATE)
        last = chain.action(contract, name, data, actor, signer)
    # dave's keys change after the snapshot: the binding read at the pinned block is not the snapshot's
    other = EosKey.from_seed(b"dave-new")
    chain.set_permission("dave", "active", other, "owner", keys["dave"])
    last = chain.set_permission("dave", "owner", other, "", keys["dave"])
    chain.wait_for_block(last + 1)
    world.eos_tip = {"alice": 700_000, "bob": 750_000, "carol": 60_000, "dave": 200_000, "okbwallet1tr": 100_000}
    return world
