"""The asset and network registry (auditor/assets.py): overrides change entries; collisions are errors."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from auditor.assets import REGISTRY_DIR, AssetRegistry, RegistryError


def _shipped_copy(tmp_path: Path) -> Path:
    directory = tmp_path / "registry"
    shutil.copytree(REGISTRY_DIR, directory)
    return directory


def test_shipped_registry_loads_without_collisions() -> None:
    registry = AssetRegistry.load()
    assert registry.network("XRPL").code == "XRP" and registry.network("TERRA CLASSIC").code == "LUNC"


def test_user_override_of_an_existing_code_is_an_override() -> None:
    registry = AssetRegistry.load(overrides={"networks": {"XRP": {"name": "my XRPL"}},
                                             "tokens": {"XRP": {"decimals": 6}}})
    assert registry.network("XRPL").name == "my XRPL" and registry.network("XRP").family == "xrpl"
    defaults = AssetRegistry.load(defaults={"networks": {"TRON": {"ownership_scheme": "htx-tron"}}})
    assert defaults.network("TRON").params["ownership_scheme"] == "htx-tron"


def test_user_network_named_like_another_networks_alias_is_refused() -> None:
    entry = {"family": "xrpl", "native_asset": "XRP", "native_decimals": 6, "name": "my XRPL"}
    with pytest.raises(RegistryError, match=r"config \[registry\]: networks.XRPL claims 'XRPL', which is already "
                                            r"networks.XRP .* in .*xrpl.toml"):
        AssetRegistry.load(overrides={"networks": {"XRPL": entry}})


def test_alias_claimed_by_two_shipped_networks_is_refused(tmp_path: Path) -> None:
    directory = _shipped_copy(tmp_path)
    (directory / "zeta.toml").write_text('[networks.TERRA2]\nfamily = "cosmos"\nnative_asset = "LUNA"\n'
                                         'native_decimals = 6\nhrp = "terra"\naliases = ["TERRA CLASSIC"]\n')
    with pytest.raises(RegistryError, match="'TERRA CLASSIC'") as caught:
        AssetRegistry.load(directory=directory)
    assert "networks.TERRA2" in str(caught.value) and "networks.LUNC" in str(caught.value)
    assert "zeta.toml" in str(caught.value) and "cosmos.toml" in str(caught.value)


def test_same_code_in_two_shipped_files_is_refused(tmp_path: Path) -> None:
    directory = _shipped_copy(tmp_path)
    with (directory / "avalanche.toml").open("a") as handle:
        handle.write('\n[networks.FIL]\nfamily = "avalanche"\n')
    with pytest.raises(RegistryError, match=r"networks.FIL is defined in both .*avalanche.toml and .*filecoin.toml"):
        AssetRegistry.load(directory=directory)


def test_token_alias_claimed_twice_is_refused() -> None:
    tokens = {"MYUSDT": {"asset": "USDT", "network": "ETH", "decimals": 6, "contract": "0x" + "11" * 20,
                         "aliases": ["USDT-ERC20"]}}
    with pytest.raises(RegistryError, match=r"tokens.MYUSDT claims 'USDT-ERC20', which is already tokens.USDT-ERC20"):
        AssetRegistry.load(overrides={"tokens": tokens})
