"""The rippled/Clio JSON-RPC client against the documented example replies, quoted verbatim from the XRPL
documentation (github.com/XRPLF/xrpl-dev-portal, published at xrpl.org/docs/references/http-websocket-apis):

* server_info: `_api-examples/server_info/jsonrpc-response.json` (.../server-info-methods/server_info)
* ledger: `_api-examples/ledger/jsonrpc-response.json` (rippled, API v2: `ledger.ledger_index` a number) and
  `_api-examples/ledger-clio/jsonrpc-response.json` (Clio, with its `warnings`) (.../ledger-methods/ledger)
* account_info: the validated-ledger example of `account-methods/account_info.md` (the Commandline tab)
* account_lines: `_api-examples/account_lines/jsonrpc-response.json` (an open-ledger answer: refused as a
  snapshot answer; its lines are read one by one)
* FeeSettings, both formats: `ledger-data/ledger-entry-types/feesettings.md`

and the stand-in's replies against the same shapes."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest
from aiohttp import web

from chains.base import Endpoint
from chains.transport import HttpTransport, RequestError, display_url
from chains.xrpl.api import FEE_SETTINGS_INDEX, LSF_DISABLE_MASTER, XrplRpc, _trust_line
from tests.nodes.stand_in import StandInServer
from tests.nodes.xrpl_server import XrplChain, running_server

SERVER_INFO = json.loads("""{
  "result": {
    "info": {
      "build_version": "1.12.0",
      "complete_ledgers": "32570-82521761",
      "hostid": "LEST",
      "initial_sync_duration_us": "190181187",
      "io_latency_ms": 1,
      "jq_trans_overflow": "0",
      "last_close": {
        "converge_time_s": 3,
        "proposers": 35
      },
      "load_factor": 1,
      "network_id": 0,
      "peer_disconnects": "5",
      "peer_disconnects_resources": "0",
      "peers": 22,
      "ports": [
        {
          "port": "7777",
          "protocol": ["ws"]
        },
        {
          "port": "8080",
          "protocol": ["ws"]
        },
        {
          "port": "80",
          "protocol": ["http"]
        },
        {
          "port": "51235",
          "protocol": ["peer"]
        }
      ],
      "pubkey_node": "n9KQK8yvTDcZdGyhu2EGdDnFPEBSsY5wEgpU5GgpygTgLFsjQyPt",
      "server_state": "full",
      "server_state_duration_us": "91758491912",
      "time": "2023-Sep-13 22:12:31.377492 UTC",
      "uptime": 91948,
      "validated_ledger": {
        "age": 1,
        "base_fee_xrp": 0.00001,
        "hash": "6872A6612DCEBCFC717FEBC66EB8CC2A4D5EEB2B0F15FC3DCD060049FCA47F31",
        "reserve_base_xrp": 10,
        "reserve_inc_xrp": 2,
        "seq": 82521761
      },
      "validation_quorum": 28
    },
    "status": "success"
  }
}""")  # state_accounting trimmed (not read)

LEDGER = json.loads("""{
  "result": {
    "ledger_hash": "9DAAAE85FC0D64E95506608FDB48E8B77706EF64FF144F18EEBC2FC4366D9B20",
    "ledger_index": 100972465,
    "validated": true,
    "ledger": {
      "account_hash": "6FD2916DDD574886EBCBAA1CE0048D94E5A57E13EA5DD7B0283A7AB63EBF0131",
      "close_flags": 0,
      "close_time": 819429360,
      "close_time_human": "2025-Dec-19 03:16:00.000000000 UTC",
      "close_time_resolution": 10,
      "close_time_iso": "2025-12-19T03:16:00Z",
      "ledger_hash": "9DAAAE85FC0D64E95506608FDB48E8B77706EF64FF144F18EEBC2FC4366D9B20",
      "parent_close_time": 819429352,
      "parent_hash": "1FB3618846E1201E38FED328BD13A9D62012469193C0B5BA4ECE6C8BDAA2BFC9",
      "total_coins": "99985738467416092",
      "transaction_hash": "B61C7B94F583DBFEEDA58DE348518D6FC2F397053EA0E3AC4B8F2BD440629F19",
      "ledger_index": 100972465,
      "closed": true
    },
    "status": "success"
  }
}""")

LEDGER_CLIO = json.loads("""{
  "result": {
    "ledger_hash": "3787026448652A36491493C1202A443B2A6CC6022599BB0B25DDB0802DD7F1E7",
    "ledger_index": 82681623,
    "validated": true,
    "ledger": {
      "account_hash": "39D34D858A0FD652143ED84B67A09193772DE0CCEBD2D63619E679293B7A3388",
      "close_flags": 0,
      "close_time": 748569571,
      "close_time_human": "2023-Sep-20 23:59:31.000000000 UTC",
      "close_time_resolution": 10,
      "close_time_iso": "2023-09-20T23:59:31Z",
      "ledger_hash": "3787026448652A36491493C1202A443B2A6CC6022599BB0B25DDB0802DD7F1E7",
      "parent_close_time": 748569570,
      "parent_hash": "674FF6C68956E06CB9628833677C3DD71824C87C0AEFB487984CF98C3964DAEE",
      "total_coins": "99988406188847858",
      "transaction_hash": "11EE9C448D6B07B88A80B4FC7935B485E513816B3B47D0976CE9F51E7CF10A85",
      "ledger_index": 82681623,
      "closed": true
    },
    "status": "success"
  },
  "warnings": [
    {
      "id": 2001,
      "message": "This is a clio server. clio only serves validated data. If you want to talk to rippled, include 'ledger_index':'current' in your request"
    }
  ]
}""")  # noqa: E501 - the documented warning is one long line

ACCOUNT_INFO = json.loads("""{
  "result": {
    "account_data": {
      "Account": "rG1QQv2nh2gr7RCZ1P8YYcBUKCCN633jCn",
      "Balance": "9986",
      "Flags": 1114112,
      "LedgerEntryType": "AccountRoot",
      "OwnerCount": 0,
      "PreviousTxnID": "0705FE3F52057924C288296EF0EBF668E0C1A3646FBA8FAF9B73DCC0A797B4B2",
      "PreviousTxnLgrSeq": 51948740,
      "RegularKey": "rhLkGGNZdjSpnHJw4XAFw1Jy7PD8TqxoET",
      "Sequence": 192220,
      "index": "92FA6A9FC8EA6018D5D16532D7795C91BFB0831355BDFDA177E86C8BF997985F"
    },
    "ledger_hash": "8169428EDF7F046F817CE44F5F1DF23AD9FAEFFA2CBA7645C3254D66AA79B46E",
    "ledger_index": 56843712,
    "status": "success",
    "validated": true
  }
}""")

ACCOUNT_LINES = {"result": {
    "account": "r9cZA1mLK5R5Am25ArfXFmqgNwjZgnfk59",
    "ledger_current_index": 95348091,
    "lines": [
        {"account": "rvYAfWj5gh67oV6fW32ZzP3Aw4Eubs59B", "balance": "0.3488146605801446", "currency": "CHF",
         "limit": "0", "limit_peer": "0", "no_ripple": False, "no_ripple_peer": False, "quality_in": 0,
         "quality_out": 0},
        {"account": "rvYAfWj5gh67oV6fW32ZzP3Aw4Eubs59B", "balance": "11.68225001668339", "currency": "USD",
         "limit": "5000", "limit_peer": "0", "no_ripple": False, "no_ripple_peer": False, "quality_in": 0,
         "quality_out": 0},
        {"account": "rpgKWEmNqSDAGFhy5WDnsyPqfQxbWxKeVd", "balance": "-0.00111", "currency": "BTC", "limit": "0",
         "limit_peer": "10", "no_ripple": False, "no_ripple_peer": False, "quality_in": 0, "quality_out": 0},
    ],
    "status": "success",
    "validated": False,
}}  # 3 of the example's 24 lines, each verbatim

FEE_SETTINGS = json.loads("""{
  "BaseFeeDrops": "10",
  "Flags": 0,
  "LedgerEntryType": "FeeSettings",
  "PreviousTxnID": "4EEDB01BB943CE32E97BB468AC179ABF933B272D6FF990E76B6721FB48E069FC",
  "PreviousTxnLgrSeq": 92508417,
  "ReserveBaseDrops": "1000000",
  "ReserveIncrementDrops": "200000",
  "index": "4BC50C9B0D8515D3EAAE1E74B29A95804346C491EE1A95BF25E4AAB854A6A651"
}""")
FEE_SETTINGS_LEGACY = json.loads("""{
  "BaseFee": "000000000000000A",
  "Flags": 0,
  "LedgerEntryType": "FeeSettings",
  "ReferenceFeeUnits": 10,
  "ReserveBase": 20000000,
  "ReserveIncrement": 5000000,
  "index": "4BC50C9B0D8515D3EAAE1E74B29A95804346C491EE1A95BF25E4AAB854A6A651"
}""")


class Documented(StandInServer):
    """Answers each method with its documented reply (`replies` may be changed by a test)."""

    def __init__(self) -> None:
        super().__init__()
        self.replies: dict[str, Any] = {"server_info": SERVER_INFO, "ledger": LEDGER, "account_info": ACCOUNT_INFO,
                                        "account_lines": ACCOUNT_LINES}

    def routes(self, app: web.Application) -> None:
        async def reply(request: web.Request) -> web.Response:
            return web.json_response(self.replies[(await request.json())["method"]])

        app.router.add_post("/", reply)


def rpc_for(url: str) -> tuple[XrplRpc, HttpTransport]:
    endpoint = Endpoint(url=url, backend="rippled", display=display_url(url), requests_per_second=0, retries=1)
    transport = HttpTransport(endpoint)
    return XrplRpc(transport, url + "/"), transport


async def test_the_client_reads_the_documented_replies() -> None:
    async with Documented() as server:
        rpc, transport = rpc_for(server.url)
        try:
            state = await rpc.server_state()
            assert (state.network_id, state.validated, state.newest) == (0, 82521761, 82521761)
            assert state.has_ledger(32570) and state.has_ledger(82521761) and not state.has_ledger(32569)
            header = await rpc.ledger(100972465)
            assert header is not None and header.closed and header.validated
            assert header.ledger_hash == "9DAAAE85FC0D64E95506608FDB48E8B77706EF64FF144F18EEBC2FC4366D9B20"
            server.replies["ledger"] = LEDGER_CLIO
            clio = await rpc.ledger(82681623)
            assert clio is not None and clio.ledger_hash.startswith("3787026448652A36")
            with pytest.raises(RequestError, match="answered ledger 82681623"):
                await rpc.ledger(82681624)  # a reply for another ledger is refused
            root = await rpc.account_root("rG1QQv2nh2gr7RCZ1P8YYcBUKCCN633jCn", 56843712)
            assert root is not None and (root.balance, root.owner_count) == (9986, 0)
            assert root.flags & LSF_DISABLE_MASTER  # 1114112 = lsfDisableMaster | lsfPasswordSpent
            with pytest.raises(RequestError, match="not 56843713"):
                await rpc.account_root("rG1QQv2nh2gr7RCZ1P8YYcBUKCCN633jCn", 56843713)
            # the documented account_lines reply is the open ledger's (ledger_current_index, not validated): it
            # is no answer for a snapshot ledger
            with pytest.raises(RequestError, match="not 95348091"):
                await rpc.trust_lines("r9cZA1mLK5R5Am25ArfXFmqgNwjZgnfk59", "rvYAfWj5gh67oV6fW32ZzP3Aw4Eubs59B",
                                      95348091, limit=200, max_pages=1)
            for kind, entry, base, increment in (("current", FEE_SETTINGS, 1_000_000, 200_000),
                                                 ("legacy", FEE_SETTINGS_LEGACY, 20_000_000, 5_000_000)):
                server.replies["ledger_entry"] = {"result": {"index": FEE_SETTINGS_INDEX, "ledger_index": 56843712,
                                                             "node": entry, "status": "success", "validated": True}}
                reserves = await rpc.reserves(56843712)
                assert (reserves.base, reserves.increment) == (base, increment), kind
        finally:
            await transport.aclose()


def test_documented_trust_lines_are_read_exactly() -> None:
    issuer = "rvYAfWj5gh67oV6fW32ZzP3Aw4Eubs59B"
    chf, usd, btc = ACCOUNT_LINES["result"]["lines"]
    assert _trust_line(chf, issuer, "lines").balance == Decimal("0.3488146605801446")
    assert _trust_line(usd, issuer, "lines").currency == "USD"
    assert _trust_line(btc, "rpgKWEmNqSDAGFhy5WDnsyPqfQxbWxKeVd", "lines").balance == Decimal("-0.00111")
    with pytest.raises(RequestError, match="got one with"):
        _trust_line(btc, issuer, "lines")  # a line with another peer than the one asked


async def test_the_stand_in_answers_with_the_documented_shapes() -> None:
    chain = XrplChain()
    account = "rG1QQv2nh2gr7RCZ1P8YYcBUKCCN633jCn"
    chain.fund(account, 9986)
    height = chain.close()

    async def ask(url: str, method: str, **params: Any) -> dict[str, Any]:
        rpc, transport = rpc_for(url.rstrip("/"))
        try:
            return await rpc.call(method, **params)
        finally:
            await transport.aclose()

    def shape(value: Any) -> Any:  # keys and JSON types, recursively
        if isinstance(value, dict):
            return {k: shape(v) for k, v in value.items()}
        return type(value).__name__

    async with running_server(chain) as server:
        info = (await ask(server.url, "server_info"))["info"]
        documented = SERVER_INFO["result"]["info"]
        for key in ("complete_ledgers", "network_id", "server_state", "validation_quorum"):
            assert shape(info[key]) == shape(documented[key]), key
        assert set(info["validated_ledger"]) == set(documented["validated_ledger"])
        ledger = await ask(server.url, "ledger", ledger_index=height)
        assert {"ledger_hash", "ledger_index", "validated", "ledger"} <= set(ledger)
        assert type(ledger["ledger_index"]) is int and ledger["ledger"]["closed"] is True
        found = await ask(server.url, "account_info", account=account, ledger_index=height)
        doc = ACCOUNT_INFO["result"]
        top = {"ledger_hash", "ledger_index", "status", "validated"}
        assert {k: shape(found[k]) for k in top} == {k: shape(doc[k]) for k in top}
        assert set(found["account_data"]) <= set(doc["account_data"])
        for key in ("Balance", "Flags", "OwnerCount", "Sequence"):
            assert shape(found["account_data"][key]) == shape(doc["account_data"][key]), key


async def test_act_not_found_is_bound_to_the_ledger_it_names() -> None:
    """The error-formatting page's JSON-RPC shape (`result.error`, `status`, `request`); rippled adds the ledger it
    looked in. Naming the snapshot ledger, validated: 0. Naming the open ledger: no answer. Naming none: bound by
    the request (which named the ledger)."""
    request = {"account": "rG1QQv2nh2gr7RCZ1P8YYcBUKCCN633jCn", "command": "account_info", "ledger_index": 56843712}
    error = {"error": "actNotFound", "error_code": 19, "error_message": "Account not found.", "request": request,
             "status": "error"}
    async with Documented() as server:
        rpc, transport = rpc_for(server.url)
        try:
            for extra, answer in (({"ledger_index": 56843712, "validated": True}, None), ({}, None),
                                  ({"ledger_current_index": 56843713, "validated": False}, "not 56843712")):
                server.replies["account_info"] = {"result": {**error, **extra}}
                if answer is None:
                    assert await rpc.account_root("rG1QQv2nh2gr7RCZ1P8YYcBUKCCN633jCn", 56843712) is None
                else:
                    with pytest.raises(RequestError, match=answer):
                        await rpc.account_root("rG1QQv2nh2gr7RCZ1P8YYcBUKCCN633jCn", 56843712)
        finally:
            await transport.aclose()
