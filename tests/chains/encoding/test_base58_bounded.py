"""Bounded base58 decoding (chains/encoding/base58_bounded.py): over-long input is refused before the
quadratic decode."""

from __future__ import annotations

import base58
import pytest

from chains.encoding import base58_bounded


def _no_decode(*args: object, **kwargs: object) -> bytes:
    raise AssertionError("base58 decoding ran on input the length bound should have refused")


@pytest.mark.parametrize("size", [1, 20, 21, 25, 32, 36, 69])
def test_max_chars_covers_every_spelling_of_that_many_bytes(size: int) -> None:
    for raw in (b"\xff" * size, b"\x00" * size, b"\x00" + b"\xff" * (size - 1)):
        spelled = base58.b58encode(raw).decode()
        assert len(spelled) <= base58_bounded.max_chars(size)
        assert base58_bounded.b58decode(spelled, size) == raw
        checked = base58.b58encode_check(raw).decode()
        assert base58_bounded.b58decode_check(checked, size) == raw
    # one more byte of 0xff needs more characters than the bound allows
    assert len(base58.b58encode(b"\xff" * (size + 2))) > base58_bounded.max_chars(size)


def test_over_long_input_is_refused_without_decoding(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(base58, "b58decode", _no_decode)
    for call in (base58_bounded.b58decode, base58_bounded.b58decode_check):
        with pytest.raises(ValueError, match=r"131072 characters, longer than any base58 spelling of 3[26] bytes"):
            call("z" * 131072, 32)


def test_xrp_alphabet_and_bad_input() -> None:
    raw = bytes(range(21))
    spelled = base58.b58encode_check(raw, alphabet=base58.XRP_ALPHABET).decode()
    assert base58_bounded.b58decode_check(spelled, 21, alphabet=base58_bounded.XRP_ALPHABET) == raw
    with pytest.raises(ValueError):
        base58_bounded.b58decode("0OIl", 32)
    with pytest.raises(ValueError):
        base58_bounded.b58decode_check(spelled[:-1] + ("1" if spelled[-1] != "1" else "2"), 21,
                                       alphabet=base58_bounded.XRP_ALPHABET)


def test_shown_cuts_long_text() -> None:
    assert base58_bounded.shown("abc") == "'abc'"
    long = base58_bounded.shown("z" * 1000)
    assert len(long) < 80 and "1000 characters" in long
