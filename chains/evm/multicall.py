"""Multicall3 `aggregate3((address,bool,bytes)[])` calldata and its `(bool,bytes)[]` reply, laid out by hand.

The layout is the Solidity ABI's (a dynamic array of dynamic tuples: a length, one offset per element, then
each element's head and tail). eth_abi's generic encoder and decoder cost ~20 µs per element, a large share
of the EVM balance stage on a 600k-row file; this fixed layout costs ~1 µs. tests/chains/evm/test_multicall.py
checks both directions against eth_abi.
"""

from __future__ import annotations

from collections.abc import Sequence

AGGREGATE3 = bytes.fromhex("82ad56cb")  # aggregate3((address,bool,bytes)[])
_WORD = 32


def _word(value: int) -> bytes:
    return value.to_bytes(_WORD, "big")


def _padded(data: bytes) -> bytes:
    return data + bytes(-len(data) % _WORD)


def encode_aggregate3(calls: Sequence[tuple[str, bool, bytes]]) -> bytes:
    """Calldata of aggregate3 over (target, allowFailure, callData) triples; targets are 0x-hex addresses."""
    heads: list[bytes] = []
    tails: list[bytes] = []
    offset = len(calls) * _WORD  # element offsets count from the first offset word
    for target, allow_failure, data in calls:
        account = bytes.fromhex(target[2:] if target[:2] in ("0x", "0X") else target)
        if len(account) != 20:
            raise ValueError(f"not a 20-byte address: {target}")
        element = (bytes(12) + account + _word(int(allow_failure)) + _word(3 * _WORD) + _word(len(data))
                   + _padded(data))
        heads.append(_word(offset))
        tails.append(element)
        offset += len(element)
    return AGGREGATE3 + _word(_WORD) + _word(len(calls)) + b"".join(heads) + b"".join(tails)


def _read_word(data: bytes, at: int) -> int:
    if at < 0 or at + _WORD > len(data):
        raise ValueError(f"aggregate3 reply is truncated (word at byte {at} of {len(data)})")
    return int.from_bytes(data[at : at + _WORD], "big")


def decode_aggregate3_reply(data: bytes) -> list[tuple[bool, bytes]]:
    """(success, returnData) per call, in order. ValueError when the reply does not have this layout."""
    start = _read_word(data, 0)
    count = _read_word(data, start)
    base = start + _WORD
    if count > (len(data) - base) // _WORD:
        raise ValueError(f"aggregate3 reply claims {count} results in {len(data)} bytes")
    results: list[tuple[bool, bytes]] = []
    for i in range(count):
        element = base + _read_word(data, base + i * _WORD)
        success = _read_word(data, element)
        if success > 1:
            raise ValueError(f"aggregate3 reply: result {i} has success word {success}")
        tail = element + _read_word(data, element + _WORD)
        size = _read_word(data, tail)
        if tail + _WORD + size > len(data):
            raise ValueError(f"aggregate3 reply: result {i} runs past the end")
        results.append((bool(success), data[tail + _WORD : tail + _WORD + size]))
    return results
