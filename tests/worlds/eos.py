"""EOS/Vaulta on a real nodeos pair (the scenario of tests/chains/eos/world.py: accounts of the tests' keys,
EOS moved, issued and retired after the snapshot block): the rows of four accounts, each signed with a key of its
owner permission."""

from __future__ import annotations

from tests.chains.eos.world import MESSAGE, EosWorld
from tests.worlds.okx import Part, text, whole

ACCOUNTS = ("alice", "bob", "carol", "okbwallet1tr")  # dave's keys change after the snapshot: left out


def build(world: EosWorld) -> Part:
    part = Part("EOS", world.snapshot)
    for account in ACCOUNTS:
        signature, public_key = world.signature(account)
        part.rows.append(["EOS", "Vaulta", world.snapshot, account, text(whole(world.eos[account], 4)), MESSAGE,
                          signature, "", public_key])
    part.at_snapshot["EOS"] = whole(sum(world.eos[a] for a in ACCOUNTS), 4)
    part.at_tip["EOS"] = whole(sum(world.eos_tip[a] for a in ACCOUNTS), 4)
    return part
