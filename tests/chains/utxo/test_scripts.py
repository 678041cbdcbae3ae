"""m-of-n OP_CHECKMULTISIG redeem-script parsing and the address forms a script or key produces."""

from __future__ import annotations

import pytest
from coincurve import PrivateKey

from chains.utxo.scripts import MAX_MULTISIG_KEYS, parse_multisig

KEYS = [PrivateKey().public_key for _ in range(MAX_MULTISIG_KEYS)]


def number(n: int) -> bytes:
    return bytes([0x50 + n]) if n <= 16 else bytes([1, n])


def script(m: int, n: int, compressed: bool = True, n_op: int | None = None) -> bytes:
    keys = [k.format(compressed=compressed) for k in KEYS[:n]]
    body = b"".join(bytes([len(k)]) + k for k in keys)
    return number(m) + body + number(n if n_op is None else n_op) + b"\xae"


@pytest.mark.parametrize(("m", "n"), [(1, 1), (2, 3), (3, 5), (11, 15), (16, 20), (20, 20)])
def test_parses_any_m_of_n(m: int, n: int) -> None:
    parsed = parse_multisig(script(m, n))
    assert (parsed.m, parsed.n) == (m, n)
    assert parsed.keys == tuple(k.format() for k in KEYS[:n])


def test_uncompressed_keys() -> None:
    parsed = parse_multisig(script(1, 2, compressed=False))
    assert [len(k) for k in parsed.keys] == [65, 65]


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (script(2, 3)[:-1] + b"\xaf", "OP_CHECKMULTISIG"),  # CHECKMULTISIGVERIFY leaves nothing to spend
        (script(2, 3) + b"\x00", "OP_CHECKMULTISIG"),
        (script(2, 3, n_op=2), "announces"),
        (script(4, 3), "requires 4 of 3"),
        (b"\x52\x21" + b"\x02" + bytes(32) + b"\x51\xae", "not a valid secp256k1 point"),
        (b"\x76\xa9\x14" + bytes(20) + b"\x88\xac", "key count"),
        (b"", "key count"),
        (script(2, 3)[:40], "ends inside"),
    ],
)
def test_rejects_other_scripts_with_a_reason(data: bytes, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        parse_multisig(data)
