"""EOS roll-back arithmetic, asset strings and the binding of Hyperion's actions to the query (no node)."""

from __future__ import annotations

import pytest

from chains.eos.api import Action, Asset, EosApiError, parse_account, parse_action
from chains.eos.options import EosOptions, token_spec
from chains.eos.rollback import RollbackError, balance_at_snapshot, change_after
from chains.options import OptionsError


def _action(name: str, data: dict, actor: str = "eosio", contract: str = "eosio.token", block: int = 10,
            sequence: int = 1) -> Action:
    return Action(block, sequence, contract, name, (actor,), (contract,), data)


def test_asset_strings_are_exact_base_units():
    assert Asset.parse("12.3456 EOS", "t") == Asset(123456, 4, "EOS")
    assert Asset.parse("0.0001 EOS", "t").amount == 1
    assert Asset.parse("7 WAX", "t") == Asset(7, 0, "WAX")
    assert Asset.parse("100000000000.00000000 BIG", "t").amount == 10**19  # beyond a float's exact range
    for bad in ("12.3456", "12,3456 EOS", "lots of EOS", 12.3456, None, "1.0 eos"):
        with pytest.raises(EosApiError):
            Asset.parse(bad, "t")
    with pytest.raises(EosApiError, match="expected 4,EOS"):
        Asset.parse("1.000 EOS", "t").expect("EOS", 4, "t")


def test_transfers_issue_and_retire_are_undone():
    actions = [
        _action("transfer", {"from": "alice", "to": "bob", "quantity": "30.0000 EOS"}, "alice"),
        _action("transfer", {"from": "bob", "to": "alice", "quantity": "5.0000 EOS"}, "bob"),
        _action("transfer", {"from": "bob", "to": "alice", "quantity": "1.0000 USDT"}, "bob"),  # another symbol
        _action("issue", {"to": "issuer", "quantity": "10.0000 EOS"}, "issuer"),
        _action("retire", {"quantity": "3.0000 EOS"}, "issuer"),
        _action("transfer", {"from": "x", "to": "y", "quantity": "1.0000 EOS"}, "x", contract="fake.token"),
    ]
    assert change_after("alice", "eosio.token", "EOS", 4, actions) == -250_000
    assert change_after("bob", "eosio.token", "EOS", 4, actions) == 250_000
    assert change_after("issuer", "eosio.token", "EOS", 4, actions) == 70_000
    assert balance_at_snapshot(700_000, "alice", "eosio.token", "EOS", 4, actions) == 950_000
    with pytest.raises(RollbackError, match="misses actions"):
        balance_at_snapshot(100_000, "bob", "eosio.token", "EOS", 4, actions)
    with pytest.raises(EosApiError, match="precision"):
        change_after("a", "eosio.token", "EOS", 4, [_action("transfer", {"from": "a", "to": "b",
                                                                         "quantity": "1.00 EOS"})])


def _doc(**changes) -> dict:
    doc = {"block_num": 12, "global_sequence": 99, "notified": ["eosio.token", "alice", "bob"],
           "act": {"account": "eosio.token", "name": "transfer", "authorization": [{"actor": "alice"}],
                   "data": {"from": "alice", "to": "bob", "quantity": "1.0000 EOS"}}}
    doc.update(changes)
    return doc


def test_history_replies_are_bound_to_the_query():
    filters = ["eosio.token:transfer"]
    assert parse_action(_doc(), {"bob"}, "notified", filters, 11, 20).block == 12
    with pytest.raises(EosApiError, match="involves none of carol"):
        parse_action(_doc(), {"carol", "dave"} - {"dave"}, "notified", filters, 11, 20)
    with pytest.raises(EosApiError, match="involves none of bob"):  # bob is notified, not an authorizer
        parse_action(_doc(), {"bob"}, "act.authorization.actor", filters, 11, 20)
    with pytest.raises(EosApiError, match=r"outside 13\.\.20"):
        parse_action(_doc(), {"bob"}, "notified", filters, 13, 20)
    with pytest.raises(EosApiError, match="not asked for"):
        parse_action(_doc(), {"bob"}, "notified", ["other.token:transfer"], 11, 20)
    with pytest.raises(EosApiError, match="not decoded"):
        parse_action(_doc(act={**_doc()["act"], "data": "00ff"}), {"bob"}, "notified", filters, 11, 20)


def test_get_account_replies_are_bound_and_read():
    reply = {"account_name": "alice", "head_block_num": 40, "core_liquid_balance": "1.5000 EOS",
             "permissions": [{"perm_name": "active", "required_auth": {"threshold": 2, "keys": [
                 {"key": "EOS6MRyAjQq8ud7hVNYcfnVPJqcVpscN5So8BhtHuGYqET5GDW5CV", "weight": 1}]}}],
             "self_delegated_bandwidth": {"cpu_weight": "2.0000 EOS", "net_weight": "0.5000 EOS"},
             "refund_request": None}
    state = parse_account(reply, "alice")
    assert state.block == 40 and state.liquid == Asset(15_000, 4, "EOS")
    assert state.permissions["active"].threshold == 2 and state.staked_cpu == Asset(20_000, 4, "EOS")
    with pytest.raises(EosApiError, match="reply is for account 'alice'"):
        parse_account(reply, "bob")
    with pytest.raises(EosApiError, match="permissions"):
        parse_account({**reply, "permissions": None}, "alice")


def test_token_specs_and_options():
    assert token_spec("4,USDT@tethertether") == ("USDT", 4, "tethertether")
    for bad in ("USDT@tethertether", "4,usdt@tethertether", "4,USDT", "4,USDT@Tether"):
        with pytest.raises(ValueError):
            token_spec(bad)
    with pytest.raises(OptionsError, match="chain_id"):
        EosOptions.parse({"chain_id": "abc"}, "[networks.EOS.options]")
    with pytest.raises(OptionsError, match="did you mean 'history_url'"):
        EosOptions.parse({"history_uri": "http://x"}, "[networks.EOS.options]")
