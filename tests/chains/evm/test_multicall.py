"""The hand-laid aggregate3 calldata and reply agree with eth_abi, and a malformed reply is refused."""

from __future__ import annotations

import random

import pytest
from eth_abi import decode as abi_decode
from eth_abi import encode as abi_encode

from chains.evm.multicall import (
    AGGREGATE3,
    decode_aggregate3_reply,
    decode_aggregate_words,
    encode_aggregate,
    encode_aggregate3,
)


def _calls(rng: random.Random, count: int) -> list[tuple[str, bool, bytes]]:
    return [("0x" + rng.randbytes(20).hex(), rng.random() < 0.5, rng.randbytes(rng.choice([0, 4, 36, 37, 64, 100])))
            for _ in range(count)]


@pytest.mark.parametrize("count", [0, 1, 2, 7, 500])
def test_calldata_is_what_eth_abi_encodes(count):
    calls = _calls(random.Random(count), count)
    expected = AGGREGATE3 + abi_encode(["(address,bool,bytes)[]"], [calls])
    assert encode_aggregate3(calls) == expected


@pytest.mark.parametrize("count", [0, 1, 3, 500])
def test_reply_decodes_as_eth_abi_decodes(count):
    rng = random.Random(1000 + count)
    results = [(rng.random() < 0.7, rng.randbytes(rng.choice([0, 32, 33, 96]))) for _ in range(count)]
    raw = abi_encode(["(bool,bytes)[]"], [results])
    (expected,) = abi_decode(["(bool,bytes)[]"], raw)
    assert decode_aggregate3_reply(raw) == [tuple(r) for r in expected] == results


def test_malformed_replies_are_refused():
    raw = abi_encode(["(bool,bytes)[]"], [[(True, bytes(32)), (False, b"")]])
    for broken in (raw[:-40], raw[:64], b"", raw[:32] + (10**6).to_bytes(32, "big") + raw[64:]):
        with pytest.raises(ValueError):
            decode_aggregate3_reply(broken)
    bad_flag = bytearray(raw)
    element = 64 + int.from_bytes(raw[64:96], "big")
    bad_flag[element + 31] = 2  # success must be 0 or 1
    with pytest.raises(ValueError):
        decode_aggregate3_reply(bytes(bad_flag))


def test_the_aggregate_encoding_is_eth_abis() -> None:
    """MakerDAO Multicall's aggregate (TRON's): the hand-built argument and the fast read of its result equal
    eth_abi's."""
    calls = [(bytes([i]) * 20, bytes([i + 1]) * (36 if i % 3 else 4 + 32 * i)) for i in range(7)]
    assert encode_aggregate(calls) == abi_encode(["(address,bytes)[]"], [[("0x" + t.hex(), d) for t, d in calls]])
    assert encode_aggregate([]) == abi_encode(["(address,bytes)[]"], [[]])
    values = [0, 1, 2**256 - 1, 10**30]
    encoded = abi_encode(["uint256", "bytes[]"], [77, [v.to_bytes(32, "big") for v in values]])
    assert decode_aggregate_words(encoded, len(values)) == (77, values)
    assert decode_aggregate_words(encoded, 3) is None  # another count: not this call's layout
    uneven = abi_encode(["uint256", "bytes[]"], [77, [b"\x01" * 31, b"\x02" * 32]])
    assert decode_aggregate_words(uneven, 2) is None  # not one word each: left to eth_abi, which the caller checks
