"""chains/base.py: the row's message bytes, encoded in one place."""

from __future__ import annotations

import pytest

from chains.base import AddressRow


def test_message_utf8_encodes_text_and_names_the_field_for_a_lone_surrogate() -> None:
    assert AddressRow(1, "ETH", "ETH", "a", message="I am an OKX address ✓").message_utf8() == (
        "I am an OKX address ✓".encode())
    with pytest.raises(ValueError, match=r"^field 'message': not valid Unicode text \(lone surrogate U\+D800 at "
                                         r"character 3\)$"):
        AddressRow(1, "ETH", "ETH", "a", message="ab\ud800cd").message_utf8()
