"""chains/base.py: the row's message bytes, encoded in one place."""

from __future__ import annotations

import pytest

from auditor.assets import AssetRegistry
from chains.base import AddressRow, Endpoint, OfflineOnlyFamily
from chains.registry import FAMILIES, get_family


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
