"""chains/base.py: the row's message bytes, encoded in one place; typed backend options; the adapter lifecycle's
snapshot template (one wording per refusal, a reorg seen by the re-check, a failing batch leaving only its rows
unread); family query details pickled and keyed by identity."""

from __future__ import annotations

import dataclasses
import pickle

import pytest

from auditor.assets import AssetRegistry
from chains.base import (
    AddressRow,
    Balance,
    BalanceAdapter,
    BalanceQuery,
    DataSourceError,
    Endpoint,
    Network,
    OfflineOnlyFamily,
    Refusal,
    Snapshot,
    StateUnavailable,
)
from chains.registry import FAMILIES, get_family
from chains.transport import RequestError


def test_message_utf8_encodes_text_and_names_the_field_for_a_lone_surrogate() -> None:
    assert AddressRow(1, "ETH", "ETH", "a", message="I am an OKX address ✓").message_utf8() == (
        "I am an OKX address ✓".encode())
    with pytest.raises(ValueError, match=r"^field 'message': not valid Unicode text \(lone surrogate U\+D800 at "
                                         r"character 3\)$"):
        AddressRow(1, "ETH", "ETH", "a", message="ab\ud800cd").message_utf8()


def test_offline_only_families_share_one_refusal() -> None:
    """Families with no balance backend yet inherit OfflineOnlyFamily.open_adapter: one wording, naming the
    network and the backend asked for."""
    registry = AssetRegistry.load()
    offline = {name for name in FAMILIES if isinstance(get_family(name), OfflineOnlyFamily)}
    assert {"near", "starknet", "beacon"} <= offline
    assert not offline & {"evm", "utxo", "tron", "xrpl", "aptos", "solana", "ton", "eos"}
    endpoint = Endpoint(url="http://127.0.0.1:1", backend="jsonrpc", display="http://127.0.0.1:1")
    for network in registry.networks.values():
        family = get_family(network.family)
        if network.family in offline:
            with pytest.raises(ValueError, match=rf"^no balance backend exists yet for .* \({network.code}; backend "
                                                 r"'jsonrpc'\): its balances are not read"):
                family.open_adapter(network, endpoint)


# ---- typed backend options -------------------------------------------------------------------------------


def test_backend_options_refuse_unknown_keys_with_a_suggestion_and_check_types() -> None:
    from chains.evm.adapter import EvmOptions
    from chains.options import OptionsError
    from chains.tron.options import TronOptions
    from chains.utxo.bitcoind import BitcoindOptions
    from chains.utxo.electrum import ElectrumOptions
    from chains.utxo.esplora import EsploraOptions

    with pytest.raises(OptionsError, match=r"^\[x\]: unknown option 'multical' \(did you mean 'multicall'\?\); this "
                                           r"backend takes: multicall, same_error_halvings$"):
        EvmOptions.parse({"multical": False}, "[x]")
    with pytest.raises(OptionsError, match=r"^\[x\]\.multicall: expected true or false, got 'no'$"):
        EvmOptions.parse({"multicall": "no"}, "[x]")
    with pytest.raises(OptionsError, match=r"same_error_halvings: must be at least 1"):
        EvmOptions.parse({"same_error_halvings": 0}, "[x]")
    assert EvmOptions.parse({}, "[x]") == EvmOptions(multicall=True, same_error_halvings=2)
    assert TronOptions.parse({"events_settle_seconds": 1}, "[x]").events_settle_seconds == 1.0  # int accepted
    with pytest.raises(OptionsError, match=r"events_page_size: at most 200"):
        TronOptions.parse({"events_page_size": 500}, "[x]")
    with pytest.raises(OptionsError, match=r"history_probe_address"):
        TronOptions.parse({"history_probe_address": "not-an-address"}, "[x]")
    with pytest.raises(OptionsError, match=r"\[x\]\.pin_rounds: expected an integer, got 2\.5"):
        TronOptions.parse({"pin_rounds": 2.5}, "[x]")
    assert TronOptions.parse({"solidity_url": None}, "[x]").solidity_url is None  # str | None
    with pytest.raises(OptionsError, match=r"did you mean 'tls_verify'"):
        ElectrumOptions.parse({"tls_verfy": False}, "[x]")
    assert ElectrumOptions.parse({"genesis_hash": "ab" * 32}, "[x]").genesis_hash == "ab" * 32
    with pytest.raises(OptionsError, match=r"scan_chunk: must be a positive integer"):
        BitcoindOptions.parse({"scan_chunk": 0}, "[x]")
    with pytest.raises(OptionsError, match=r"did you mean 'max_pages'"):
        EsploraOptions.parse({"max_page": 3}, "[x]")


def test_endpoint_limits_are_checked_before_any_request() -> None:
    from chains.evm.adapter import EvmBalanceAdapter
    from chains.options import OptionsError

    network = AssetRegistry.load().network("ETH")
    good = Endpoint(url="http://127.0.0.1:1", backend="jsonrpc", display="http://127.0.0.1:1")
    for field_name, value, text in (("timeout_seconds", 0, "timeout_seconds: must be more than 0"),
                                    ("retries", 0, "retries: must be at least 1"),
                                    ("batch_size", 0, "batch_size: must be at least 1"),
                                    ("requests_per_second", -1, "requests_per_second: must not be negative")):
        with pytest.raises(OptionsError, match=rf"^\[networks\.ETH\] {text}"):
            EvmBalanceAdapter(network, dataclasses.replace(good, **{field_name: value}))


# ---- the snapshot template -------------------------------------------------------------------------------


class _Source(BalanceAdapter):
    """An in-memory source: each hook answers from attributes a test sets (or raises what it is given)."""

    method = "memory"
    max_batch = 3

    def __init__(self, **state: object) -> None:
        network = Network("MEM", "memory", "Memory chain", "MEM", 0, chain_id=7)
        super().__init__(network, Endpoint(url="mem://x", backend="memory", display="mem://x"))
        self.identity, self.tip, self.hashes, self.final, self.state_error = "7", 10, {5: "0xaa"}, None, ""
        self.failing: set[str] = set()
        self.asked: list[str] = []
        self.__dict__.update(state)

    def open_transport(self):
        class _Nothing:
            requests_sent = 0

            async def aclose(self) -> None:
                pass

        return _Nothing()

    async def chain_identity(self) -> str:
        return self.identity

    async def tip_height(self) -> int:
        self.asked.append("tip")
        if isinstance(self.tip, Exception):
            raise self.tip
        return self.tip

    async def block_hash(self, height: int) -> str | None:
        self.asked.append(f"hash {height}")
        return self.hashes.get(height)

    async def final_height(self) -> int | None:
        return self.final

    async def check_state(self, snapshot: Snapshot) -> None:
        if self.state_error:
            raise StateUnavailable(self.state_error)

    async def read_batch(self, batch, snapshot):
        if any(q.address in self.failing for q in batch):
            raise RequestError("HTTP 400: refused")
        self.hashes = getattr(self, "after_read", self.hashes)
        return {q: Balance(int(q.address), self.method) for q in batch}


@pytest.mark.parametrize(("state", "kind", "text"), [
    ({"identity": "1"}, Refusal.WRONG_CHAIN, "MEM endpoint mem://x serves another chain: its chain id is 1, expected "
                                             "7 for Memory chain"),
    ({"tip": 4}, Refusal.BEHIND, "MEM endpoint mem://x is at block 4, behind the snapshot height 5: wait for it to "
                                 "sync"),
    ({"hashes": {}}, Refusal.NO_BLOCK, "MEM endpoint mem://x has no block 5"),
    ({"final": 4}, Refusal.NOT_FINAL, "MEM endpoint mem://x: snapshot block 5 is not final yet (final up to block 4): "
                                      "retry later"),
    ({"state_error": "pruned"}, Refusal.NO_STATE, "MEM endpoint mem://x cannot read balances at block 5 (pruned): it "
                                                  "must keep the state"),
    ({"tip": RequestError("HTTP 401")}, Refusal.UNREACHABLE, "MEM endpoint mem://x could not be asked about block 5: "
                                                              "RequestError: HTTP 401"),
    ({"tip": DataSourceError("mem://x: no answer after 3 attempts")}, Refusal.UNREACHABLE,
     "MEM endpoint mem://x could not be asked about block 5: mem://x: no answer after 3 attempts"),
])
async def test_snapshot_template_refuses_with_one_wording_per_kind(state, kind, text) -> None:
    async with _Source(**state) as source:
        with pytest.raises(DataSourceError) as refused:
            await source.snapshot(5)
    assert refused.value.refusal is not None and refused.value.refusal.kind is kind
    assert refused.value.refusal.height == 5 and str(refused.value).startswith(text)


async def test_snapshot_is_checked_once_per_height_and_reads_are_rechecked_for_a_reorg() -> None:
    queries = [BalanceQuery(str(n)) for n in range(7)]
    async with _Source() as source:
        assert (await source.snapshot(5)).block_hash == "0xaa"
        assert (await source.snapshot(5)).block_hash == "0xaa" and source.asked == ["tip", "hash 5"]
        answers = await source.fetch_balances(queries + queries[:2], 5)  # duplicates asked once
        assert {q: b.amount for q, b in answers.items()} == {q: int(q.address) for q in queries}
        assert source.asked == ["tip", "hash 5", "hash 5"]  # re-checked after the reads
    async with _Source(after_read={5: "0xbb"}) as source:
        parts = []
        with pytest.raises(DataSourceError) as refused:
            async for part in source.stream_balances(queries, 5):
                parts.append(part)
        assert parts  # the reads came through as they arrived; only then the changed hash was seen
    assert refused.value.refusal is not None and refused.value.refusal.kind is Refusal.REORG
    assert str(refused.value) == ("MEM endpoint mem://x: block 5 changed during the run (was 0xaa, now 0xbb): a chain "
                                  "reorganisation; the balances read are not the snapshot's")


async def test_a_failing_batch_leaves_only_its_own_rows_unread() -> None:
    queries = [BalanceQuery(str(n)) for n in range(7)]  # batches of 3: [0,1,2] [3,4,5] [6]
    async with _Source(failing={"4"}) as source:
        answers = await source.fetch_balances(queries, 5)
    unread = {q.address for q, b in answers.items() if not b.ok}
    assert unread == {"3", "4", "5"}
    assert all(b.error == "request failed: HTTP 400: refused" and b.method == "" for b in answers.values() if not b.ok)
    assert all(b.amount == int(q.address) and b.method == "memory" for q, b in answers.items() if b.ok)


def test_every_adapter_writes_the_hooks() -> None:
    class Incomplete(BalanceAdapter):
        async def tip_height(self) -> int:
            return 1

    network = AssetRegistry.load().network("ETH")
    with pytest.raises(TypeError, match="block_hash"):
        Incomplete(network, Endpoint(url="http://x", backend="x", display="http://x"))  # type: ignore[abstract]


# ---- family query details --------------------------------------------------------------------------------


def test_family_details_pickle_as_plain_tuples_and_key_the_checkpoint_by_identity() -> None:
    from chains.evm.query import EvmQueryDetail, owners_of
    from chains.utxo.query import UtxoQueryDetail, detail_of

    utxo = BalanceQuery("ltc1q...", None, UtxoQueryDetail("5221ab", b"\x00\x14" + bytes(20)))
    evm = BalanceQuery("0x" + "11" * 20, None, EvmQueryDetail(("0x" + "22" * 20,)))
    for query in (utxo, evm, BalanceQuery("0xabc", "0xdef")):
        again = pickle.loads(pickle.dumps(query))
        assert again == query and hash(again) == hash(query) and again.detail == query.detail
    assert pickle.loads(pickle.dumps(utxo)).detail.locking_script == b"\x00\x14" + bytes(20)
    # the output script follows from the address: not part of the identity, nor of the checkpoint key
    assert BalanceQuery("ltc1q...", None, UtxoQueryDetail("5221ab")) == utxo
    assert repr(utxo.detail) == "UtxoQueryDetail(script='5221ab')"
    assert detail_of(utxo).script == "5221ab" and detail_of(evm) == UtxoQueryDetail()
    assert owners_of(evm) == ("0x" + "22" * 20,) and owners_of(utxo) == ()
