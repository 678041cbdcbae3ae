"""Reply parsing of the java-tron / TronGrid client, and the threaded test server other tests can start."""

from __future__ import annotations

import asyncio

import pytest

from chains.base import Endpoint
from chains.transport import HttpTransport, display_url
from chains.tron import addresses
from chains.tron.api import Trc20Transfer, TronApiError, TronHttpApi, parse_block, parse_transfer
from chains.tron.rollback import RollbackError, balance_before
from tests.nodes.tron_server import MAINNET_GENESIS_ID, ServerThread, TronLedger

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
