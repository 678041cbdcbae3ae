"""The few protobuf (proto3 wire format) pieces aelf's read-only calls and token events need, by hand.

aelf speaks protobuf: a read-only call is a serialized `Transaction` whose `params` is a serialized
`GetBalanceInput`, its answer a serialized `GetBalanceOutput`, and each event log carries serialized parts of
the event message. The messages involved are tiny (strings, 32-byte addresses in an `Address` wrapper, int64
amounts), so they are encoded and decoded here (~100 lines) rather than through the `protobuf` package and
code generated from aelf's .proto files: no runtime dependency, no generated code to keep in step, and a strict
decoder (a truncated or malformed reply is an error, never a silently defaulted field). The tests check these
bytes against the `protobuf` package itself.
"""

from __future__ import annotations

from collections.abc import Iterator

VARINT, FIXED64, LENGTH, FIXED32 = 0, 1, 2, 5


class ProtobufError(ValueError):
    """Bytes that are not a well-formed protobuf message (or not the expected one)."""


def varint(value: int) -> bytes:
    """Unsigned LEB128; a negative int64 is written as its 64-bit two's complement (10 bytes), as protobuf does."""
    if value < 0:
        value += 1 << 64
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def field_varint(number: int, value: int) -> bytes:
    return b"" if value == 0 else varint(number << 3 | VARINT) + varint(value)  # proto3 omits defaults


def field_bytes(number: int, value: bytes) -> bytes:
    return b"" if not value else varint(number << 3 | LENGTH) + varint(len(value)) + value


def field_message(number: int, value: bytes) -> bytes:
    """An embedded message: written even when empty, since its presence is meaningful."""
    return varint(number << 3 | LENGTH) + varint(len(value)) + value


def _read_varint(data: bytes, pos: int) -> tuple[int, int]:
    result = shift = 0
    while True:
        if pos >= len(data):
            raise ProtobufError("truncated varint")
        byte = data[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if not byte & 0x80:
            if result >> 64:
                raise ProtobufError("varint longer than 64 bits")
            return result, pos
        shift += 7
        if shift > 63:
            raise ProtobufError("varint longer than 10 bytes")


def fields(data: bytes) -> Iterator[tuple[int, int, int | bytes]]:
    """(field number, wire type, value) for each field in order; ints for varints, bytes otherwise."""
    pos = 0
    while pos < len(data):
        key, pos = _read_varint(data, pos)
        number, wire = key >> 3, key & 7
        if number == 0:
            raise ProtobufError("field number 0")
        if wire == VARINT:
            value, pos = _read_varint(data, pos)
            yield number, wire, value
        elif wire == LENGTH:
            size, pos = _read_varint(data, pos)
            if pos + size > len(data):
                raise ProtobufError(f"field {number}: {size} bytes announced, {len(data) - pos} left")
            yield number, wire, data[pos : pos + size]
            pos += size
        elif wire in (FIXED64, FIXED32):
            size = 8 if wire == FIXED64 else 4
            if pos + size > len(data):
                raise ProtobufError(f"field {number}: truncated fixed-width value")
            yield number, wire, data[pos : pos + size]
            pos += size
        else:
            raise ProtobufError(f"field {number}: unsupported wire type {wire}")


def decode(data: bytes, schema: dict[int, str]) -> dict[int, int | bytes]:
    """The fields of `schema` ({number: "varint" | "bytes"}); unknown fields are skipped, as protobuf does, a
    known field of the wrong wire type is an error, and the last occurrence wins (protobuf's merge rule)."""
    out: dict[int, int | bytes] = {}
    for number, wire, value in fields(data):
        kind = schema.get(number)
        if kind is None:
            continue
        if (kind == "varint") != (wire == VARINT) or (kind == "bytes" and wire != LENGTH):
            raise ProtobufError(f"field {number}: wire type {wire}, expected {kind}")
        out[number] = value
    return out


def int64(value: int) -> int:
    """A varint read as a signed int64 (two's complement)."""
    return value - (1 << 64) if value >= 1 << 63 else value
