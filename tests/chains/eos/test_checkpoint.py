"""A resumed run never gives one EOS row the key binding another row's key got: the query's detail (the proven
key) is part of the checkpoint's key."""

from __future__ import annotations

from auditor.checkpoint import Checkpoint
from chains.base import Balance, BalanceQuery
from chains.eos.adapter import EosKeyDetail


def test_answers_for_two_keys_of_one_account_stay_apart(tmp_path):
    mine = BalanceQuery("alice", None, detail=EosKeyDetail("EOS6MRyAjQq8ud7hVNYcfnVPJqcVpscN5So8BhtHuGYqET5GDW5CV"))
    other = BalanceQuery("alice", None, detail=EosKeyDetail("EOS7nGMZSQxyvJkH5WDnuGsSQMp7yCRYA5AX4GMAXh6WtmqnMT79X"))
    checkpoint = Checkpoint(tmp_path / ".work", "k", resume=False)
    checkpoint.check_snapshot("EOS", 8, "00000008ab")
    checkpoint.save_balances("EOS", 8, {
        mine: Balance(1_000_000, "eos-get_account-rollback", "", True, "in active", read_at=13, note="2 actions"),
        other: Balance(1_000_000, "eos-get_account-rollback", "", False, "not in owner or active", read_at=13,
                       note="2 actions"),
    })
    checkpoint.close()
    again = Checkpoint(tmp_path / ".work", "k", resume=True)
    found = again.balances("EOS", 8, [mine, other, BalanceQuery("alice")])
    assert found[mine].owners_bound is True and found[other].owners_bound is False
    assert (found[mine].read_at, found[mine].note) == (13, "2 actions")
    assert BalanceQuery("alice") not in found  # a query without a key is another question
    again.finish()
