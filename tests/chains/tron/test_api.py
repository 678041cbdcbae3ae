"""Reply parsing of the java-tron / TronGrid client, and the threaded test server other tests can start."""

from __future__ import annotations

import asyncio
from dataclasses import replace

import pytest
from eth_abi import encode as abi_encode

from chains.base import Endpoint
from chains.evm.multicall import encode_aggregate
from chains.transport import HttpTransport, display_url
from chains.tron import addresses
from chains.tron.api import (
    TRANSFER_TOPIC,
    BlockRef,
    Trc20Transfer,
    TronApiError,
    TronHttpApi,
    parse_balance_trace,
    parse_block,
    parse_transaction_infos,
    parse_transfer,
)
from chains.tron.rollback import RollbackError, balance_before
from tests.nodes.tron_server import MAINNET_GENESIS_ID, ServerThread, TronLedger, _balance_calls, _encode_words

USDT = "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t"
ALICE = addresses.from_evm_bytes(bytes.fromhex("11" * 20))
BOB = addresses.from_evm_bytes(bytes.fromhex("22" * 20))


def test_block_zero_has_no_number_field() -> None:
    block = parse_block({"blockID": MAINNET_GENESIS_ID, "block_header": {"raw_data": {"parentHash": "00"}}}, "b")
    assert block is not None and block.number == 0 and block.timestamp == 0


def test_block_reply_checks() -> None:
    assert parse_block({}, "b") is None
    wrong_prefix = {"blockID": f"{5:016x}" + "ab" * 24, "block_header": {"raw_data": {"number": 6}}}
    with pytest.raises(TronApiError, match="does not start with the block number"):
        parse_block(wrong_prefix, "b")
    with pytest.raises(TronApiError, match="not an integer"):
        parse_block({"blockID": "00" * 32, "block_header": {"raw_data": {"number": "0"}}}, "b")
    with pytest.raises(TronApiError):
        parse_block(["not", "an", "object"], "b")


def _event(**changes: object) -> dict[str, object]:
    event: dict[str, object] = {
        "transaction_id": "ab" * 32, "token_info": {"address": USDT, "decimals": 6, "symbol": "USDT"},
        "block_timestamp": 1_700_000_003_000, "from": ALICE, "to": BOB, "type": "Transfer",
        "value": str(2**200),  # beyond 64 bits: carried as a decimal string
    }
    event.update(changes)
    return event


def test_transfer_events_parse_exactly_and_skip_others() -> None:
    transfer = parse_transfer(_event(), USDT)
    assert transfer == Trc20Transfer("ab" * 32, 1_700_000_003_000, ALICE, BOB, 2**200)
    assert parse_transfer(_event(type="Approval"), USDT) is None
    assert parse_transfer(_event(token_info={"address": ALICE}), USDT) is None
    for broken in (_event(value="1.5"), _event(to="nobody"), _event(block_timestamp=None)):
        with pytest.raises(TronApiError):
            parse_transfer(broken, USDT)


def test_rollback_undoes_each_direction_once() -> None:
    received = Trc20Transfer("1", 1, BOB, ALICE, 30)
    sent = Trc20Transfer("2", 2, ALICE, BOB, 5)
    to_self = Trc20Transfer("3", 3, ALICE, ALICE, 1_000)
    assert balance_before(100, ALICE, [received, sent, to_self]) == 75
    assert balance_before(100, BOB, [received, sent]) == 125
    with pytest.raises(RollbackError):
        balance_before(10, ALICE, [received])


def test_threaded_server_serves_another_event_loop() -> None:
    ledger = TronLedger()
    contract = ledger.add_token(USDT)
    ledger.credit(ALICE, 5, contract=contract)
    ledger.mine()
    with ServerThread(ledger) as server:

        async def read() -> tuple[int, int]:
            endpoint = Endpoint(url=server.url, backend="tron-http", display=display_url(server.url))
            transport = HttpTransport(endpoint)
            try:
                api = TronHttpApi(transport, server.url)
                head = await api.now_block()
                return head.number, await api.trc20_balance(contract, ALICE, solid=False)
            finally:
                await transport.aclose()

        assert asyncio.run(read()) == (1, 5)


def test_balance_trace_names_every_account_of_the_documented_reply() -> None:
    """The documented getblockbalance example (hex addresses, a fee debit before the transfer), bound to its block."""
    block = BlockRef(66987565, "0000000003fe262d52bfa4b2814f816fd2e57af5b98a33d60d8630a03a908e0e", 1777445121000, 4)
    payer, payee = "41f7c3feccb6461aab0fd25f61d9560645b08228cb", "41" + "22" * 20
    reply = {
        "block_identifier": {"hash": block.block_id, "number": block.number},
        "timestamp": block.timestamp,
        "transaction_balance_trace": [{
            "transaction_identifier": "ff44a2823a870c12f12a4ca6e7647650356bc2bb5e02c5855312cf2db4c950c1",
            "operation": [{"operation_identifier": 0, "address": payer, "amount": -267000},
                          {"operation_identifier": 1, "address": payer, "amount": -84800},
                          {"operation_identifier": 2, "address": payee, "amount": 84800}],
            "type": "TransferContract", "status": "SUCCESS"}],
    }
    assert parse_balance_trace(reply, block) == {addresses.canonical(payer), addresses.canonical(payee)}
    assert parse_balance_trace({"block_identifier": reply["block_identifier"]}, block) == set()  # no change
    other = {**reply, "block_identifier": {"hash": "00" * 32, "number": block.number}}
    with pytest.raises(TronApiError, match="not this block's"):
        parse_balance_trace(other, block)
    broken = {**reply, "transaction_balance_trace": [{"operation": [{"amount": 1}]}]}
    with pytest.raises(TronApiError, match="malformed operation"):
        parse_balance_trace(broken, block)


def _info(number: int, *logs: dict[str, object], result: str | None = None) -> dict[str, object]:
    info: dict[str, object] = {"id": "cd" * 32, "blockNumber": number, "blockTimeStamp": 1_700_000_003_000,
                               "contractResult": [""], "log": list(logs)}
    if result:
        info["result"] = result
    return info


def _transfer_log(token_hex: str, sender: str, receiver: str, value: int) -> dict[str, object]:
    words = ["00" * 12 + addresses.decode(party)[1:].hex() for party in (sender, receiver)]
    return {"address": token_hex, "topics": [TRANSFER_TOPIC, *words], "data": f"{value:064x}"}


def test_transfer_logs_of_a_block_are_bound_to_it() -> None:
    block = BlockRef(7, f"{7:016x}" + "ab" * 24, 1_700_000_003_000, 3)
    usdt_hex = addresses.decode(USDT)[1:].hex()  # without `visible` a log address is 20 bytes of hex
    approval = {"address": usdt_hex, "topics": ["8c5be1e5ebec7d5bd14f71427d1e84f3dd0314c0f7b2291e5b200ac8c7c3b925"],
                "data": "00" * 32}
    reply = [_info(7, _transfer_log(usdt_hex, ALICE, BOB, 5), approval),
             _info(7),  # a TRX transfer: no log
             _info(7, _transfer_log(USDT, BOB, ALICE, 9), result="FAILED")]  # a failed call changes nothing
    found = parse_transaction_infos(reply, block, "b")
    assert [(c, t.sender, t.receiver, t.value) for c, t in found] == [(USDT, ALICE, BOB, 5)]
    with pytest.raises(TronApiError, match="2 TransactionInfo for 3 transactions"):
        parse_transaction_infos(reply[:2], block, "b")  # a list missing a transaction proves nothing
    with pytest.raises(TronApiError, match="not of block 7"):
        parse_transaction_infos([_info(8), _info(7), _info(7)], block, "b")
    odd = dict(_transfer_log(usdt_hex, ALICE, BOB, 5), topics=[TRANSFER_TOPIC, "00" * 32])
    with pytest.raises(TronApiError, match="unreadable Transfer log"):
        parse_transaction_infos([_info(7, odd), _info(7), _info(7)], block, "b")
    assert parse_transaction_infos([], replace(block, transaction_count=0), "b") == []
    token = addresses.from_evm_bytes(bytes.fromhex("41" + "ab" * 19))  # its EVM form starts with "41" too
    one = [_info(7, _transfer_log(addresses.decode(token)[1:].hex(), ALICE, BOB, 1)), _info(7), _info(7)]
    assert [c for c, _ in parse_transaction_infos(one, block, "b")] == [token]


def test_the_stand_ins_aggregate_layout_is_eth_abis() -> None:
    """The stand-in's own fast paths (the other direction of chains.evm.multicall's) agree with eth_abi."""
    calls = [(bytes([i]) * 20, bytes([i + 1]) * (36 if i % 3 else 4 + 32 * i)) for i in range(7)]
    values = [0, 1, 2**256 - 1, 10**30]
    encoded = abi_encode(["uint256", "bytes[]"], [77, [v.to_bytes(32, "big") for v in values]])
    balance_calls = [(t, d) for t, d in calls if len(d) == 36]
    assert _balance_calls(encode_aggregate(balance_calls)) == balance_calls
    assert _balance_calls(encode_aggregate(calls)) is None
    assert _encode_words(77, [v.to_bytes(32, "big") for v in values]) == encoded
