"""The toncenter v2 client (chains/ton/api.py) and the stand-in (tests/nodes/ton_server.py) against the documented
reply shapes of toncenter's API v2 (toncenter.com/api/v2 OpenAPI; field lists as on docs.ton.org and
quicknode.com/docs/ton: getMasterchainInfo, lookupBlock, getExtendedAddressInformation, runGetMethod)."""

from __future__ import annotations

import base64
from typing import Any

import pytest
from pytoniq_core import Address, begin_cell

from chains.ton.api import TonApiError, ToncenterV2, stack_address, stack_number

BLOCK = {"@type": "ton.blockIdExt", "workchain": -1, "shard": "-9223372036854775808", "seqno": 45792554,
         "root_hash": "yyZ3lTT5a1W8tXxJQ0y4GB0tyz5vK0HSP0PrnK+I8K0=",
         "file_hash": "Vd0ZgbM0CyzDy1JzoxO3dHz7vHScKYm9t3ud6gWrQxo="}
MASTERCHAIN_INFO = {"@type": "blocks.masterchainInfo", "last": BLOCK,
                    "state_root_hash": "0lsGV0Ze+3NbySPHxu7dgMcAmmWpF9EfxNe6oJkqcC8=",
                    "init": {**BLOCK, "seqno": 0, "shard": "0",
                             "root_hash": "F6OpKZKqvqeFp6CQmFomXNMfMj2EnaUSOXN+Mh+wVWk=",
                             "file_hash": "XplPz01CXAps5qeSWUtxcyBfdAo5zVb1N979KLSKD24="},
                    "@extra": "1700000000.1:0:0.5"}
WALLET = "EQDtFpEwcFAEcRe5mLVh2N6C0x-_hJEM7W61_JLnSF74p4q2"
EXTENDED = {"@type": "fullAccountState",
            "address": {"@type": "accountAddress", "account_address": WALLET},
            "balance": "7005232307", "extra_currencies": [],
            "last_transaction_id": {"@type": "internal.transactionId", "lt": "50113548000003",
                                    "hash": "a1ybDJ0pHBcOhYOlqGQYW3nCsL9wW+yKoqTvAkZ+hsw="},
            "block_id": BLOCK, "sync_utime": 1733000000,
            "account_state": {"@type": "wallet.v4.accountState", "wallet_id": "698983191", "seqno": 71},
            "revision": 2, "@extra": "1700000000.1:0:0.5"}
MASTER = "EQCxE6mUtQJKFnGfaROTKOt1lZbDiiX1kCixRv7Nw2Id_sDs"


def _cell(address: str) -> list[Any]:
    return ["cell", {"bytes": base64.b64encode(begin_cell().store_address(Address(address)).end_cell().to_boc())
                     .decode(), "object": {"data": {"b64": "", "len": 267}, "refs": []}}]


RUN_RESULT = {"@type": "smc.runResult", "gas_used": 2862, "exit_code": 0, "@extra": "1700000000.1:0:0.5",
              "stack": [["num", "0x17d78400"], _cell(WALLET), _cell(MASTER), ["cell", {"bytes": "te6c", "object": {}}]],
              "block_id": BLOCK, "last_transaction_id": EXTENDED["last_transaction_id"]}


class _Canned:
    """A transport answering each API method with a canned body."""

    def __init__(self, bodies: dict[str, Any]) -> None:
        self.bodies = bodies

    async def request_json(self, method: str, url: str, *, payload: Any = None, params: Any = None) -> Any:
        return self.bodies[url.rsplit("/", 1)[-1]]


async def test_client_reads_the_documented_shapes() -> None:
    api = ToncenterV2(_Canned({  # type: ignore[arg-type]
        "getMasterchainInfo": {"ok": True, "result": MASTERCHAIN_INFO},
        "lookupBlock": {"ok": True, "result": BLOCK},
        "getExtendedAddressInformation": {"ok": True, "result": EXTENDED},
        "runGetMethod": {"ok": True, "result": RUN_RESULT},
    }), "https://toncenter.com/api/v2")
    last, zero = await api.masterchain_info()
    assert last.seqno == 45792554 and zero.root_hash == "F6OpKZKqvqeFp6CQmFomXNMfMj2EnaUSOXN+Mh+wVWk="
    assert (await api.lookup_block(45792554)).root_hash == BLOCK["root_hash"]
    state = await api.account(WALLET, 45792554)
    assert state.balance == 7005232307 and state.initialized and state.account == Address(WALLET).to_str(False)
    with pytest.raises(TonApiError, match="asked at block 45792553"):
        await api.account(WALLET, 45792553)
    with pytest.raises(TonApiError, match="the reply is about"):
        await api.account(MASTER, 45792554)
    result = await api.run_get_method(WALLET, "get_wallet_data", [], 45792554)
    assert stack_number(result.stack[0]) == 400_000_000
    assert stack_address(result.stack[1]) == Address(WALLET).to_str(False)
    assert stack_address(result.stack[2]) == Address(MASTER).to_str(False)
    with pytest.raises(TonApiError):
        stack_address(result.stack[3])


async def test_an_ok_false_reply_is_an_error_with_its_text() -> None:
    api = ToncenterV2(_Canned({"lookupBlock": {"ok": False, "error": "LITE_SERVER_UNKNOWN: block not found",  # type: ignore[arg-type]
                                                "code": 500}}), "http://x/api/v2")
    with pytest.raises(TonApiError, match="LITE_SERVER_UNKNOWN") as caught:
        await api.lookup_block(1)
    assert caught.value.liteserver


def _shape(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _shape(item) for key, item in value.items()}
    return None


async def test_the_stand_in_answers_in_the_documented_shapes() -> None:
    from tests.nodes.ton_server import TonLedger, running_server

    ledger = TonLedger()
    ledger.credit(WALLET, 10**9)
    ledger.mint(MASTER, WALLET, 400_000_000)
    seqno = ledger.mine()
    async with running_server(ledger) as server:
        import aiohttp

        async with aiohttp.ClientSession() as session:
            async with session.get(f"{server.url}/getMasterchainInfo") as reply:
                info = (await reply.json())["result"]
            async with session.get(f"{server.url}/getExtendedAddressInformation",
                                   params={"address": WALLET, "seqno": str(seqno)}) as reply:
                extended = (await reply.json())["result"]
            wallet = ledger.wallet_of(MASTER, WALLET)
            async with session.post(f"{server.url}/runGetMethod", json={
                    "address": wallet, "method": "get_wallet_data", "stack": [], "seqno": seqno}) as reply:
                run = (await reply.json())["result"]
    assert _shape(info) == _shape(MASTERCHAIN_INFO)
    assert _shape(extended) == _shape(EXTENDED)
    assert _shape(run) == _shape(RUN_RESULT)
    assert [entry[0] for entry in run["stack"]] == [entry[0] for entry in RUN_RESULT["stack"]]
