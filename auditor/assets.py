"""The asset and network registry: which (coin, network) codes of an exchange file mean which token.

Shipped as data in `configs/registry/*.toml` (one file per chain family); a user's config may add or
override entries under `[registry.networks.X]` and `[registry.tokens.X]`.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from auditor.errors import InputProblem
from chains.base import Network, Token

REGISTRY_DIR = Path(__file__).resolve().parent.parent / "configs" / "registry"

_NETWORK_KEYS = {"family", "name", "chain_id", "native_asset", "native_decimals", "aliases"}
_TOKEN_KEYS = {"asset", "network", "contract", "decimals", "aliases"}


class RegistryError(InputProblem, ValueError):
    pass


@lru_cache(maxsize=4096)  # each row looks its coin and network up 2-3 times; a file names few
def _key(code: str) -> str:
    return " ".join(code.strip().upper().split())


@dataclass
class AssetRegistry:
    networks: dict[str, Network]
    tokens: dict[str, Token]
    _network_alias: dict[str, str]
    _token_alias: dict[str, str]
    _by_asset_network: dict[tuple[str, str], Token]

    @classmethod
    def load(
        cls, overrides: Mapping[str, Any] | None = None, directory: Path = REGISTRY_DIR,
        defaults: Mapping[str, Any] | None = None,
    ) -> AssetRegistry:
        """The shipped registry, then `defaults` (what the input's exchange implies), then the user's overrides.

        Two shipped files defining the same code is a RegistryError naming both; `defaults` and overrides may
        change an existing entry (that is what they are for)."""
        networks_raw: dict[str, dict[str, Any]] = {}
        tokens_raw: dict[str, dict[str, Any]] = {}
        sources: list[tuple[str, Mapping[str, Any], bool]] = []  # (source, data, shipped)
        for path in sorted(directory.glob("*.toml")):
            with path.open("rb") as handle:
                sources.append((str(path), tomllib.load(handle), True))
        if defaults:
            sources.append(("input layout defaults", defaults, False))
        if overrides:
            sources.append(("config [registry]", overrides, False))
        for source, data, shipped in sources:
            for kind, raw in (("networks", networks_raw), ("tokens", tokens_raw)):
                for code, entry in (data.get(kind) or {}).items():
                    previous = raw.get(_key(code), {})
                    if shipped and previous.get("_shipped_in") not in (None, source):
                        raise RegistryError(f"{kind}.{_key(code)} is defined in both {previous['_shipped_in']} and "
                                            f"{source}: one code, one entry")
                    shipped_in = source if shipped else previous.get("_shipped_in")
                    raw[_key(code)] = {**previous, **entry, "_source": source, "_shipped_in": shipped_in}
        return cls.build(networks_raw, tokens_raw)

    @classmethod
    def build(
        cls, networks_raw: Mapping[str, Mapping[str, Any]], tokens_raw: Mapping[str, Mapping[str, Any]]
    ) -> AssetRegistry:
        networks: dict[str, Network] = {}
        network_alias: dict[str, str] = {}
        for code, entry in networks_raw.items():
            where = f"{entry.get('_source', 'registry')}: networks.{code}"
            missing = [k for k in ("family", "native_asset", "native_decimals") if k not in entry]
            if missing:
                raise RegistryError(f"{where}: missing {', '.join(missing)}")
            params = {k: v for k, v in entry.items() if k not in _NETWORK_KEYS and not k.startswith("_")}
            networks[code] = Network(
                code=code,
                family=str(entry["family"]),
                name=str(entry.get("name", code)),
                native_asset=_key(str(entry["native_asset"])),
                native_decimals=_int(entry["native_decimals"], where, "native_decimals"),
                chain_id=entry.get("chain_id"),
                params=params,
            )
            for alias in [code, *entry.get("aliases", [])]:
                _claim(network_alias, _key(alias), code, f"networks.{code}", networks_raw)
        tokens: dict[str, Token] = {}
        token_alias: dict[str, str] = {}
        by_asset_network: dict[tuple[str, str], Token] = {}
        for code, entry in tokens_raw.items():
            where = f"{entry.get('_source', 'registry')}: tokens.{code}"
            missing = [k for k in ("asset", "network", "decimals") if k not in entry]
            if missing:
                raise RegistryError(f"{where}: missing {', '.join(missing)}")
            network = network_alias.get(_key(str(entry["network"])))
            if network is None:
                raise RegistryError(f"{where}: unknown network {entry['network']!r}")
            contract = entry.get("contract") or None
            token = Token(
                code=code,
                asset=_key(str(entry["asset"])),
                network=network,
                contract=str(contract) if contract else None,
                decimals=_int(entry["decimals"], where, "decimals"),
            )
            tokens[code] = token
            for alias in [code, *entry.get("aliases", [])]:
                _claim(token_alias, _key(alias), code, f"tokens.{code}", tokens_raw)
            by_asset_network.setdefault((token.asset, network), token)
        return cls(networks, tokens, network_alias, token_alias, by_asset_network)

    def network(self, code: str) -> Network | None:
        canonical = self._network_alias.get(_key(code))
        return self.networks.get(canonical) if canonical else None

    def resolve(self, coin: str, network_code: str) -> Token | None:
        """The token a row's (coin, network) means, or None.

        Tries, in order: the coin as a token code on that network ("USDT-ERC20" + "ETH"), the coin as an
        asset on that network ("USDT" + "ETH"), the coin as a token code alone when the row has no network.
        """
        network = self.network(network_code) if network_code else None
        by_code = self.tokens.get(self._token_alias.get(_key(coin), ""))
        if network is None:
            return by_code if not network_code else None
        if by_code is not None and by_code.network == network.code:
            return by_code
        asset = _key(coin)
        token = self._by_asset_network.get((asset, network.code))
        if token is not None:
            return token
        if by_code is not None:  # "ETH-ARBITRUM" listed with network "ARBITRUM" already matched above
            token = self._by_asset_network.get((by_code.asset, network.code))
            if token is not None:
                return token
        if asset == network.native_asset:
            return Token(code=f"{asset}-{network.code}", asset=asset, network=network.code, contract=None,
                         decimals=network.native_decimals)
        return None


def _claim(aliases: dict[str, str], alias: str, code: str, what: str, raw: Mapping[str, Mapping[str, Any]]) -> None:
    """Record that `alias` means `code`; a RegistryError naming both entries when another code has it already
    (whichever came first would otherwise win silently)."""
    holder = aliases.setdefault(alias, code)
    if holder != code:
        kind = what.split(".")[0]
        raise RegistryError(
            f"{raw[code].get('_source', 'registry')}: {what} claims {alias!r}, which is already {kind}.{holder} "
            f"(or one of its aliases) in {raw[holder].get('_source', 'registry')}")


def _int(value: Any, where: str, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise RegistryError(f"{where}: {field} must be a non-negative integer, got {value!r}")
    return value
