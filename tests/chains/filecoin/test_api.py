"""The Lotus reply checks against the documented examples (filecoin-project/lotus
documentation/en/api-methods-v1-stable.md: ChainHead, StateGetActor), and the stand-in's replies against the same
shapes; the batch binding the adapter relies on."""

from __future__ import annotations

import pytest

from chains.filecoin.api import (
    LotusReplyError,
    actor_balance,
    balance_or_error,
    tipset_of,
)
from chains.transport import JsonRpcClient, JsonRpcError
from tests.nodes.lotus_server import FilLedger, LotusServer

CID = "bafy2bzacea3wsdh6y3a36tb3skempjoxqpuyompjbmfeyf34fi3uy6uue42v4"
STATE_GET_ACTOR = {"Code": {"/": CID}, "Head": {"/": CID}, "Nonce": 42, "Balance": "0"}
TIPSET = {"Cids": [{"/": CID}], "Blocks": [{"Miner": "f01234", "Height": 10101}], "Height": 0}


def test_documented_examples_parse() -> None:
    assert actor_balance(STATE_GET_ACTOR) == 0
    assert actor_balance({**STATE_GET_ACTOR, "Balance": "1234567890123456789012"}) == 1234567890123456789012
    tipset = tipset_of(TIPSET, "ChainHead")
    assert tipset.height == 0 and tipset.key == [{"/": CID}]


@pytest.mark.parametrize("balance", ["1.5", "-1", "0x10", "", "01", 12])
def test_a_balance_that_is_not_a_decimal_attofil_string_is_refused(balance: object) -> None:
    with pytest.raises(LotusReplyError, match="Balance"):
        actor_balance({**STATE_GET_ACTOR, "Balance": balance})


def test_the_stand_in_answers_with_the_documented_shapes() -> None:
    ledger = FilLedger()
    ledger.credit("f1abjxfbp274xpdqcpuaykwkfb43omjotacm2p3za", 5)
    ledger.mine(2)
    server = LotusServer(ledger)
    head = server._call({"jsonrpc": "2.0", "id": 1, "method": "Filecoin.ChainHead", "params": []})["result"]
    assert set(head) == set(TIPSET)
    key = head["Cids"]
    actor = server._call({"jsonrpc": "2.0", "id": 2, "method": "Filecoin.StateGetActor",
                          "params": ["f1abjxfbp274xpdqcpuaykwkfb43omjotacm2p3za", key]})["result"]
    assert set(actor) == set(STATE_GET_ACTOR) and actor["Balance"] == "5"


class _Replies:
    """A transport whose one reply is given: JsonRpcClient numbers a fresh batch's calls 1, 2, 3."""

    def __init__(self, reply: object) -> None:
        self.reply = reply

    async def request_json(self, method: str, url: str, *, payload: object = None) -> object:
        return self.reply


async def _batch(reply: object) -> list[object]:
    calls = [("Filecoin.StateGetActor", []) for _ in range(3)]
    return await JsonRpcClient(_Replies(reply), "http://lotus/rpc/v1").batch(calls)  # type: ignore[arg-type]


async def test_batch_binding_by_id() -> None:
    """The adapter reads through the shared JsonRpcClient.batch: replies bound by id, never by position."""
    reply = [{"id": 3, "result": {**STATE_GET_ACTOR, "Balance": "3"}},
             {"id": 1, "result": {**STATE_GET_ACTOR, "Balance": "1"}},
             {"id": 2, "result": {**STATE_GET_ACTOR, "Balance": "2"}}]
    assert [balance_or_error(r)[0] for r in await _batch(reply)] == [1, 2, 3]  # order-free
    duplicated = [*reply, {"id": 2, "result": {**STATE_GET_ACTOR, "Balance": "9"}}]
    results = await _batch(duplicated)
    amount, error = balance_or_error(results[1])
    assert amount is None and "id 2 more than once" in error
    assert [balance_or_error(r)[0] for r in (results[0], results[2])] == [1, 3]
    foreign = [reply[0], reply[1], {"id": 77, "result": STATE_GET_ACTOR}]
    amount, error = balance_or_error((await _batch(foreign))[1])
    assert amount is None and "no reply with id 2" in error and "(1 carried an id of no call)" in error
    lotus = "resolution lookup failed (f1x): resolve address f1x: actor not found"
    not_found = JsonRpcError({"code": 1, "message": lotus})
    assert balance_or_error(not_found) == (0, "")


def test_documented_placeholder_tipset_and_parents() -> None:
    """Lotus api-methods-v1-stable.md gives `{"Cids": null, "Blocks": null, "Height": 0}` as the reply of
    ChainHead, ChainGetTipSetByHeight and ChainGetTipSetAfterHeight ("If there are no blocks at the specified
    epoch, the first non-nil tipset at a later epoch will be returned"): no CIDs, so no tipset to read at. A
    tipset's blocks name its parents, all the same ones."""
    with pytest.raises(LotusReplyError, match="no Cids"):
        tipset_of({"Cids": None, "Blocks": None, "Height": 0}, "ChainGetTipSetAfterHeight")
    parent = {"/": "bafy2bzacebp3shtrn43k7g3unredz7fxn4gj533d3o43tqn2p2ipxxhrvchve"}
    block = {"Miner": "f01234", "Parents": [parent], "Height": 10101}
    tipset = tipset_of({**TIPSET, "Blocks": [block, {**block, "Miner": "f05678"}]}, "ChainHead")
    assert tipset.parents == ("bafy2bzacebp3shtrn43k7g3unredz7fxn4gj533d3o43tqn2p2ipxxhrvchve",)
    with pytest.raises(LotusReplyError, match="different parents"):
        tipset_of({**TIPSET, "Blocks": [block, {**block, "Parents": [{"/": CID}]}]}, "ChainHead")
