"""Balance at H from a history, and the raw-transaction decoder, checked against litecoind's own view of the
test chain (its decoderawtransaction and its wallet's unspent outputs at H)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from chains.utxo.history import TxView, balance_at, decode_raw_tx, unrelated
from tests.nodes.ltc_chain import BuiltChain, to_sats


def chain_views(chain: BuiltChain, up_to: int) -> list[TxView]:
    """Every transaction of blocks 1..up_to, decoded by the code under test from the node's raw bytes."""
    views = []
    for height in range(1, up_to + 1):
        block = chain.node.rpc("getblock", chain.block_hash(height), 2)
        views += [decode_raw_tx(bytes.fromhex(tx["hex"]), tx["txid"], height) for tx in block["tx"]]
    return views


def test_decoder_agrees_with_node_on_every_transaction(chain: BuiltChain) -> None:
    for height in range(chain.snapshot_height - 3, chain.tip_height + 1):
        for tx in chain.node.rpc("getblock", chain.block_hash(height), 2)["tx"]:
            view = decode_raw_tx(bytes.fromhex(tx["hex"]), tx["txid"], height)
            expected_spends = tuple((v["txid"], v["vout"]) for v in tx["vin"] if "coinbase" not in v)
            expected_outputs = tuple(
                (bytes.fromhex(o["scriptPubKey"]["hex"]), to_sats(o["value"])) for o in tx["vout"]
            )
            assert view.spends == expected_spends
            assert view.outputs == expected_outputs


def test_coinbase_has_no_spends(chain: BuiltChain) -> None:
    coinbase = chain.node.rpc("getblock", chain.block_hash(1), 2)["tx"][0]
    view = decode_raw_tx(bytes.fromhex(coinbase["hex"]), coinbase["txid"], 1)
    assert view.spends == ()
    assert sum(v for _, v in view.outputs) == to_sats(Decimal(50))


def test_truncated_transaction_raises() -> None:
    with pytest.raises(ValueError, match="ends early"):
        decode_raw_tx(bytes.fromhex("0200000001" + "ab" * 20), "x", 1)


@pytest.fixture(scope="module")
def views(chain: BuiltChain) -> list[TxView]:
    return chain_views(chain, chain.tip_height)


def test_balances_at_snapshot_and_tip_match_the_wallet(chain: BuiltChain, views: list[TxView]) -> None:
    for test_address in chain.addresses.values():
        script = bytes.fromhex(test_address.script_pubkey)
        at_h = balance_at(script, views, chain.snapshot_height)
        at_tip = balance_at(script, views, chain.tip_height)
        assert at_h == chain.expected_at_snapshot[test_address.address], test_address.label
        assert at_tip == chain.expected_at_tip[test_address.address], test_address.label
    spent_after_h = chain.addresses["legacy"]
    assert chain.expected_at_snapshot[spent_after_h.address] > 0 == chain.expected_at_tip[spent_after_h.address]


def test_mempool_entries_do_not_count(chain: BuiltChain, views: list[TxView]) -> None:
    target = chain.addresses["bech32"]
    script = bytes.fromhex(target.script_pubkey)
    (txid,) = chain.mempool_txids
    raw = bytes.fromhex(chain.node.rpc("getrawtransaction", txid))
    pending = decode_raw_tx(raw, txid, 0)
    assert any(s == script for s, _ in pending.outputs)  # it does pay the address
    for height in (0, -1):  # Electrum: 0 unconfirmed, -1 unconfirmed with unconfirmed parents
        with_pending = [*views, TxView(pending.txid, height, pending.spends, pending.outputs)]
        assert balance_at(script, with_pending, chain.tip_height) == chain.expected_at_tip[target.address]


def test_duplicates_and_foreign_spends_change_nothing() -> None:
    mine, other = b"\x51", b"\x52"
    funding = TxView("a" * 64, 5, (), ((mine, 700), (other, 300), (mine, 11)))
    foreign_spend = TxView("b" * 64, 6, (("c" * 64, 0),), ((other, 1),))
    spend = TxView("d" * 64, 8, (("a" * 64, 0),), ((other, 699),))
    history = [funding, funding, foreign_spend, spend]
    assert balance_at(mine, history, 4) == 0  # nothing confirmed yet
    assert balance_at(mine, history, 7) == 711
    assert balance_at(mine, history, 8) == 11  # output 0 spent at height 8, output 2 left
    assert balance_at(mine, history[::-1], 8) == 11  # order of the history does not matter


def test_a_history_holding_another_scripts_transactions_is_told_apart() -> None:
    mine, other = b"\x00\x14" + b"\x01" * 20, b"\x00\x14" + b"\x02" * 20
    funding = TxView("aa" * 32, 5, (), ((mine, 700), (other, 1)))
    spending = TxView("bb" * 32, 6, (("aa" * 32, 0),), ((other, 650),))
    unrelated_tx = TxView("cc" * 32, 6, (("dd" * 32, 0),), ((other, 5),))
    later = TxView("ee" * 32, 9, (), ((other, 5),))  # above the height: not looked at
    assert unrelated(mine, [funding, spending, later], 8) == []
    assert unrelated(mine, [funding, spending, unrelated_tx], 8) == ["cc" * 32]
    assert unrelated(other, [spending], 8) == []  # pays it
    # spending another output of a transaction that pays the script is not spending the script
    assert unrelated(mine, [funding, TxView("ff" * 32, 7, (("aa" * 32, 1),), ((other, 1),))], 8) == ["ff" * 32]
