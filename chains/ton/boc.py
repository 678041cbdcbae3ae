"""Bags of cells (BOC), just enough to pass an address to a get-method and read the addresses it returns.

Format (TON's `serialized_boc#b5ee9c72`, crypto/tl/boc.tlb): magic, a flags byte (has_idx, has_crc32c,
has_cache_bits, 2 flag bits, 3 bits `size` = bytes per cell reference), `off_bytes`, then cells, roots, absent
(`size` bytes each), total cells size (`off_bytes`), the root indexes, an optional offset index, the cells
(descriptor d1 = refs + 8*exotic + 32*level, d2 = floor(bits/8) + ceil(bits/8), the data with its completion
tag when bits % 8 != 0, then the reference indexes) and an optional CRC32-C. An address is `addr_std$10
anycast:(Maybe Anycast) workchain_id:int8 address:bits256` (267 bits, no anycast).
"""

from __future__ import annotations

from dataclasses import dataclass

MAGIC = bytes.fromhex("b5ee9c72")
ADDRESS_BITS = 267


@dataclass(frozen=True, slots=True)
class Cell:
    data: bytes  # the data bits, padded to whole bytes with zeros (the completion tag removed)
    bits: int
    refs: tuple[int, ...]  # indexes of referenced cells in the bag


def address_cell(workchain: int, account: bytes) -> tuple[int, int]:
    """(value, bit length) of an addr_std without anycast."""
    if len(account) != 32:
        raise ValueError("an account id has 32 bytes")
    value = (0b100 << 8 | (workchain & 0xFF)) << 256 | int.from_bytes(account, "big")
    return value, ADDRESS_BITS


def serialize(value: int, bits: int) -> bytes:
    """A bag holding one ordinary cell of `bits` bits of `value` and no references (no index, no CRC)."""
    if bits > 1023 or value >> bits:
        raise ValueError("a cell holds at most 1023 bits")
    data_len = (bits + 7) // 8
    if bits % 8:  # completion tag: a 1 bit then zeros up to the byte boundary
        pad = 8 - bits % 8
        value = ((value << 1) | 1) << (pad - 1)
    cell = bytes([0, bits // 8 + data_len]) + value.to_bytes(data_len, "big")
    # flags byte: no index, no CRC, no cache bits; size = 1 byte per cell reference; off_bytes = 1
    header = MAGIC + bytes([1, 1]) + bytes([1, 1, 0]) + bytes([len(cell)]) + bytes([0])
    return header + cell


def parse(boc: bytes) -> list[Cell]:
    """Every cell of a bag, root first when it has one root. ValueError on anything malformed."""
    if boc[:4] != MAGIC or len(boc) < 6:
        raise ValueError("not a bag of cells (magic b5ee9c72)")
    flags, off_bytes = boc[4], boc[5]
    has_idx, size = bool(flags & 0x80), flags & 0x07
    if not 1 <= size <= 4 or not 1 <= off_bytes <= 8:
        raise ValueError("bag of cells: bad size fields")
    pos = 6

    def take(n: int) -> int:
        nonlocal pos
        if pos + n > len(boc):
            raise ValueError("bag of cells: truncated")
        value = int.from_bytes(boc[pos : pos + n], "big")
        pos += n
        return value

    cells_count, roots_count, _absent, _total = take(size), take(size), take(size), take(off_bytes)
    if roots_count != 1 or cells_count < 1:
        raise ValueError("bag of cells: expected one root")
    root = take(size)
    if has_idx:
        pos += cells_count * off_bytes
    cells = []
    for _ in range(cells_count):
        d1, d2 = take(1), take(1)
        refs_count = d1 & 7
        if d1 & 8 or refs_count > 4:
            raise ValueError("bag of cells: exotic cells are not read here")
        length = (d2 + 1) // 2
        if pos + length > len(boc):
            raise ValueError("bag of cells: truncated cell")
        data = boc[pos : pos + length]
        pos += length
        bits = length * 8
        if d2 % 2:  # the last byte carries a completion tag
            last = data[-1]
            if last == 0:
                raise ValueError("bag of cells: missing completion tag")
            trailing = (last & -last).bit_length()  # position of the lowest 1 bit
            bits -= trailing
            data = data[:-1] + bytes([last & (0xFF << trailing) & 0xFF])
        cells.append(Cell(data, bits, tuple(take(size) for _ in range(refs_count))))
    if root >= cells_count:
        raise ValueError("bag of cells: bad root index")
    return [cells[root], *[c for i, c in enumerate(cells) if i != root]]


def read_address(boc: bytes) -> tuple[int, bytes]:
    """(workchain, account id) of the addr_std at the start of a bag's root cell."""
    cell = parse(boc)[0]
    if cell.bits < ADDRESS_BITS:
        raise ValueError(f"the cell holds {cell.bits} bits, an address needs {ADDRESS_BITS}")
    value = int.from_bytes(cell.data, "big") >> (len(cell.data) * 8 - ADDRESS_BITS)
    if value >> 264 != 0b100:
        raise ValueError("not an addr_std without anycast")
    workchain = (value >> 256) & 0xFF
    return workchain - 256 if workchain >= 128 else workchain, (value & ((1 << 256) - 1)).to_bytes(32, "big")
