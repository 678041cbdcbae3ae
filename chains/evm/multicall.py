"""Multicall calldata and replies laid out by hand: Multicall3's `aggregate3((address,bool,bytes)[])` with its
`(bool,bytes)[]` reply (the EVM adapter), and the MakerDAO Multicall's `aggregate((address,bytes)[])` with its
`(uint256,bytes[])` reply of one-word results (TRON's Multicall keeps that interface: the TRON adapter).

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


def _array(elements: Sequence[bytes]) -> bytes:
    """The one argument of a function taking a dynamic array of dynamic tuples: its offset, its length, one
    offset per element (counted from the first offset word), then the encoded elements."""
    heads: list[bytes] = []
    offset = len(elements) * _WORD
    for element in elements:
        heads.append(_word(offset))
        offset += len(element)
    return _word(_WORD) + _word(len(elements)) + b"".join(heads) + b"".join(elements)


def encode_aggregate3(calls: Sequence[tuple[str, bool, bytes]]) -> bytes:
    """Calldata of aggregate3 over (target, allowFailure, callData) triples; targets are 0x-hex addresses."""
    elements: list[bytes] = []
    for target, allow_failure, data in calls:
        account = bytes.fromhex(target[2:] if target[:2] in ("0x", "0X") else target)
        if len(account) != 20:
            raise ValueError(f"not a 20-byte address: {target}")
        elements.append(bytes(12) + account + _word(int(allow_failure)) + _word(3 * _WORD) + _word(len(data))
                        + _padded(data))
    return AGGREGATE3 + _array(elements)


def encode_aggregate(calls: Sequence[tuple[bytes, bytes]]) -> bytes:
    """The argument of aggregate((address,bytes)[]) (no selector) over (20-byte target, callData) pairs."""
    return _array([bytes(12) + target + _word(2 * _WORD) + _word(len(data)) + _padded(data) for target, data in calls])


def decode_aggregate_words(encoded: bytes, count: int) -> tuple[int, list[int]] | None:
    """(block number, [uint256...]) of aggregate's `(uint256, bytes[])` reply when it holds `count` results of one
    word each, laid out as eth_abi lays it out (offsets in order); None for any other layout, which the caller
    leaves to eth_abi (to decode or refuse)."""
    table = 3 * _WORD + _WORD * count  # block, offset, length, then the offset table
    if len(encoded) != table + 2 * _WORD * count or encoded[_WORD : 2 * _WORD] != _word(2 * _WORD) \
            or encoded[2 * _WORD : 3 * _WORD] != _word(count):
        return None
    values = []
    for i in range(count):
        if encoded[3 * _WORD + _WORD * i : 4 * _WORD + _WORD * i] != _word(_WORD * count + 2 * _WORD * i):
            return None
        at = table + 2 * _WORD * i
        if encoded[at : at + _WORD] != _word(_WORD):
            return None
        values.append(int.from_bytes(encoded[at + _WORD : at + 2 * _WORD], "big"))
    return int.from_bytes(encoded[:_WORD], "big"), values


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
