"""The Aptos REST client against documented replies, quoted verbatim:

* GET /v1 and GET /v1/blocks/by_height/{h}: the mainnet replies quoted in GetBlock's API reference
  (docs.getblock.io/api-reference/aptos-apt/apt_v1 and .../apt_v1_blocks_by_height_block_height), whose types are
  the fullnode spec's (aptos.dev/rest-api/operations/get_ledger_info, get_block_by_height: `chain_id` an integer,
  every U64 a decimal string, `block_hash` a 0x HashValue, `transactions` null without with_transactions);
* POST /v1/view: a list of Move values, a u64 as a string (aptos.dev/rest-api/operations/view: "vector<u64>{255,
  255} => ["255", "255"]"), here the spec's U64 example "32425224034";
* errors: the spec's AptosError `{"message", "error_code", "vm_error_code"}`, 410 for a pruned version;

and the stand-in's replies against the same shapes."""

from __future__ import annotations

import json
from typing import Any

import pytest
from aiohttp import web

from chains.aptos.api import AptosApiError, AptosRest
from chains.base import Endpoint
from chains.transport import HttpTransport, RequestError, display_url
from tests.nodes.aptos_server import AptosChain, running_server
from tests.nodes.stand_in import StandInServer

LEDGER_INFO = json.loads("""{
  "block_height": "58851650",
  "chain_id": 1,
  "epoch": "2796",
  "git_hash": "6568c5ee6a58b4f96c0780d4f66d7e573e61c418",
  "ledger_timestamp": "1685696086534090",
  "ledger_version": "152087593",
  "node_role": "full_node",
  "oldest_block_height": "1101178",
  "oldest_ledger_version": "2287593"
}""")
BLOCK = json.loads("""{
    "block_height": "445814139",
    "block_hash": "0x0ac6b36f89b6a3fc9b7c2cabcb1f29cc624e609ed0978dd2a757b048196cb3bc",
    "block_timestamp": "1759349325550593",
    "first_version": "3492983944",
    "last_version": "3492983948",
    "transactions": null
}""")
VIEW_U64 = ["32425224034"]


class Documented(StandInServer):
    def __init__(self) -> None:
        super().__init__()
        self.view_reply: Any = VIEW_U64
        self.view_status = 200

    def routes(self, app: web.Application) -> None:
        async def info(request: web.Request) -> web.Response:
            return web.json_response(LEDGER_INFO)

        async def block(request: web.Request) -> web.Response:
            return web.json_response(BLOCK)

        async def view(request: web.Request) -> web.Response:
            return web.json_response(self.view_reply, status=self.view_status)

        app.router.add_get("/v1", info)
        app.router.add_get("/v1/blocks/by_height/{height}", block)
        app.router.add_post("/v1/view", view)


def rest_for(url: str) -> tuple[AptosRest, HttpTransport]:
    endpoint = Endpoint(url=url, backend="aptos-rest", display=display_url(url), requests_per_second=0, retries=1)
    transport = HttpTransport(endpoint)
    return AptosRest(transport, url), transport


async def test_the_client_reads_the_documented_replies() -> None:
    async with Documented() as server:
        rest, transport = rest_for(server.url + "/v1")
        try:
            info = await rest.ledger_info()
            assert (info.chain_id, info.block_height, info.oldest_block_height) == (1, 58851650, 1101178)
            assert (info.ledger_version, info.oldest_ledger_version) == (152087593, 2287593)
            block = await rest.block(445814139)
            assert block is not None and (block.first_version, block.last_version) == (3492983944, 3492983948)
            assert block.block_hash == "0x0ac6b36f89b6a3fc9b7c2cabcb1f29cc624e609ed0978dd2a757b048196cb3bc"
            with pytest.raises(RequestError, match="answered block 445814139"):
                await rest.block(445814140)  # a reply for another block is refused
            assert await rest.view_u64("0x1::primary_fungible_store::balance", [], ["0x1", "0xa"], 7) == 32425224034
            server.view_reply = [32425224034]  # a u64 as a JSON number is not the documented U64
            with pytest.raises(RequestError, match="not a u64 string"):
                await rest.view_u64("0x1::primary_fungible_store::balance", [], ["0x1", "0xa"], 7)
            server.view_reply = {"message": "Ledger version(7) has been pruned", "error_code": "version_pruned",
                                 "vm_error_code": None}
            server.view_status = 410
            with pytest.raises(AptosApiError) as caught:
                await rest.view_u64("0x1::primary_fungible_store::balance", [], ["0x1", "0xa"], 7)
            assert caught.value.pruned and caught.value.error_code == "version_pruned"
        finally:
            await transport.aclose()


def _shape(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _shape(v) for k, v in value.items()}
    return type(value).__name__


async def test_the_stand_in_answers_with_the_documented_shapes() -> None:
    chain = AptosChain()
    chain.seal(3)
    async with running_server(chain) as server:
        endpoint = Endpoint(url=server.url, backend="aptos-rest", display=display_url(server.url),
                            requests_per_second=0, retries=1)
        transport = HttpTransport(endpoint)
        try:
            info = await transport.request_json("GET", server.url)
            block = await transport.request_json("GET", server.url + "/blocks/by_height/2",
                                                 params={"with_transactions": "false"})
        finally:
            await transport.aclose()
    assert _shape(info) == _shape(LEDGER_INFO)
    assert _shape(block) == _shape(BLOCK)
