"""The aelf web API client against the documented examples (aelf-command docs, docs.aelf.com: `get-chain-status`,
`get-tx-result`, `get-blk-info` outputs, transcribed below), and the stand-in server's replies against the same
shapes."""

from __future__ import annotations

import base64
from typing import Any

from aiohttp import web

from chains.aelf.api import AelfWebApi, json_transport
from chains.aelf.messages import ADDRESS, address_of
from chains.aelf.protobuf import decode
from chains.base import Endpoint
from tests.nodes.aelf_server import AelfLedger, AelfServer
from tests.nodes.stand_in import StandInServer

CHAIN_STATUS = {
    "ChainId": "AELF",
    "Branches": {"59937e3c16860dedf0c80955f4995a5604ca43ccf39cd52f936fb4e5a5954445": 4229086},
    "NotLinkedBlocks": {},
    "LongestChainHeight": 4229086,
    "LongestChainHash": "59937e3c16860dedf0c80955f4995a5604ca43ccf39cd52f936fb4e5a5954445",
    "GenesisBlockHash": "da5e200259320781a1851081c99984fb853385153991e0f00984a0f5526d121c",
    "GenesisContractAddress": "2gaQh4uxg6tzyH1ADLoDxvHA14FMpzEiMqsQ6sDG5iHT8cmjp8",
    "LastIrreversibleBlockHash": "497c24ff443f5cbd33da24a430f5c6c5e0be2f31651bd89f4ddf2790bcbb1906",
    "LastIrreversibleBlockHeight": 4229063,
    "BestChainHash": "59937e3c16860dedf0c80955f4995a5604ca43ccf39cd52f936fb4e5a5954445",
    "BestChainHeight": 4229086,
}
BLOCK = {
    "BlockHash": "e16e08c916765968de862b1358c618817f4ccc5c5c8f10d64e75e8208902f410",
    "Header": {
        "PreviousBlockHash": "6489ca5330884565b80de5de97cdcef5113bd1f1697b0bb561faabcef6505679",
        "MerkleTreeRootOfTransactions": "e5e8482f2bbf7d9add7408552e34a746a4d6873866b0ac86ffd25d533236c3cd",
        "MerkleTreeRootOfWorldState": "7345ea86e722e18aa9eadb5a86ee91cf96fa66c756f72417d93520d3ab3dd5af",
        "MerkleTreeRootOfTransactionState": "3de130b601adb26673918126687308d6b37bcae3cba8fbc7bc66d63bbea28ccd",
        "Extra": "{ \"CrossChain\": \"\", \"Consensus\": \"...\", \"SystemTransactionCount\": \"CAI=\" }",
        "Height": 7900508, "Time": "2022-07-19T09:46:41.1710063Z", "ChainId": "tDVW", "Bloom": "AAAA",
        "SignerPubkey": "042d22105a57c1061dd3cf6e88bb319bf754576269deae586ed100c847cab1d3f1b55773c31f5e739670f53f"
                        "d4f0d859fbba6bcf8d280f15de8dbbc451181517ab",
    },
    "Body": {"TransactionsCount": 2, "Transactions": [
        "26b346d1042423850627059991fb426a520d43393f8a1b28a58353e18bd9384c",
        "45314ca224418c43a4dc2c0b1a9fe491c0ad1f4e099bade676b219d29f4dcf75"]},
    "BlockSize": 1456,
}
TX_RESULT = {
    "TransactionId": "b99c63fc8aa2572d1d8c7c65dd52ad01926ed985ce045e3c8ad3dabeb4c6f2ba",
    "Status": "MINED",
    "Logs": [{"Address": "vcv1qewcsFN2tVWqLuu7DJ5wVFA8YEx5FFgCQBb1jMCbAQHxV", "Name": "ProposalCreated",
              "Indexed": ["EiIKIExmVoQ5QtJW9cSejVogutsxgut28BnGDCX3Y+Chrlf3"],
              "NonIndexed": "CiIKIB3yd7yjZhzXREP7u3EfxDHK2Mz9a7RhKNP56LDYhdw/"}],
    "Bloom": "AAAA",
    "BlockNumber": 126568091,
    "BlockHash": "facc33cd87f39ee1d9ad38ca96c5cea82040f58737ab0a9faa19bf48b8623dc4",
    "Transaction": {"From": "GyQX6t18kpwaD9XHXe1ToKxfov8mSeTLE9q9NwUAeTE8tULZk",
                    "To": "vcv1qewcsFN2tVWqLuu7DJ5wVFA8YEx5FFgCQBb1jMCbAQHxV", "RefBlockNumber": 126568085,
                    "RefBlockPrefix": "lpdm9g==", "MethodName": "CreateProposal", "Params": "{}",
                    "Signature": "B7RfSxydZK59oU6tqSK+Ojfo/VIvG92SVTUnGzN2bWER3uxuuhQ/axsSLbP28vjWYvPTfu+6i10W"
                                 "7y2Yl0ZrjQE="},
    "ReturnValue": "0a201df277bca3661cd74443fbbb711fc431cad8ccfd6bb46128d3f9e8b0d885dc3f",
    "Error": None,
    "TransactionSize": 320,
}


class Documented(StandInServer):
    def routes(self, app: web.Application) -> None:
        async def reply(request: web.Request) -> web.Response:
            path = request.path.rsplit("/", 1)[-1]
            body: Any = {"chainStatus": CHAIN_STATUS, "blockByHeight": BLOCK, "transactionResults": [TX_RESULT]}[path]
            return web.json_response(body)

        for name in ("chainStatus", "blockByHeight", "transactionResults"):
            app.router.add_get(f"/api/blockChain/{name}", reply)


async def test_the_client_reads_the_documented_replies() -> None:
    async with Documented() as server:
        transport = json_transport(Endpoint(url=server.url, backend="aelf-web", display=server.url,
                                            requests_per_second=0))
        try:
            api = AelfWebApi(transport, server.url)
            status = await api.chain_status()
            block = await api.block(7900508)
            results = await api.transaction_results(BLOCK["BlockHash"], 0, 100)
        finally:
            await transport.aclose()
    assert (status.chain_id, status.best.height, status.irreversible_height) == ("AELF", 4229086, 4229063)
    assert block is not None and (block.height, block.transactions) == (7900508, 2)
    assert results == [TX_RESULT]


def test_documented_indexed_log_part_is_one_field_of_the_event() -> None:
    """The documented ProposalCreated log: its Indexed entry is the event serialized with only field 2 (an
    Address), which is how chains.aelf.events merges Indexed and NonIndexed parts."""
    indexed = decode(base64.b64decode(TX_RESULT["Logs"][0]["Indexed"][0]), {2: "bytes"})
    non_indexed = decode(base64.b64decode(TX_RESULT["Logs"][0]["NonIndexed"]), {1: "bytes"})
    assert len(address_of(indexed[2])) == 32 and set(non_indexed) == {1}  # type: ignore[arg-type]
    assert len(decode(bytes.fromhex(TX_RESULT["ReturnValue"]), ADDRESS)[1]) == 32  # type: ignore[arg-type]


async def test_the_stand_in_answers_with_the_documented_shapes() -> None:
    ledger = AelfLedger()
    ledger.issue("2gaQh4uxg6tzyH1ADLoDxvHA14FMpzEiMqsQ6sDG5iHT8cmjp8", 5)
    ledger.mine(2)
    async with AelfServer(ledger) as server:
        transport = json_transport(Endpoint(url=server.url, backend="aelf-web", display=server.url,
                                            requests_per_second=0))
        try:
            status = await transport.request_json("GET", f"{server.url}/api/blockChain/chainStatus")
            block = await transport.request_json("GET", f"{server.url}/api/blockChain/blockByHeight",
                                                 params={"blockHeight": "2", "includeTransactions": "true"})
            results = await transport.request_json("GET", f"{server.url}/api/blockChain/transactionResults",
                                                   params={"blockHash": block["BlockHash"], "offset": "0",
                                                           "limit": "10"})
        finally:
            await transport.aclose()
    assert set(status) == set(CHAIN_STATUS)
    assert set(block) == set(BLOCK) and set(block["Header"]) == set(BLOCK["Header"])
    assert set(block["Body"]) == set(BLOCK["Body"])
    assert results and all(set(r) == set(TX_RESULT) and set(r["Transaction"]) == set(TX_RESULT["Transaction"])
                           for r in results)
    logs = [log for r in results for log in r["Logs"]]
    assert logs and all(set(log) == set(TX_RESULT["Logs"][0]) for log in logs)
