"""Per-network UTXO parameters, read from `Network.params` (the registry's extra keys).

The shipped registry (`configs/registry/utxo.toml`) holds mainnet values; a user's config may override
any of them, e.g. a Litecoin regtest node: `[registry.networks.LTC] hrp = "rltc" p2pkh = 0x6f p2sh = 0x3a`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from chains.base import Network

BITCOIN_MAGIC = "Bitcoin Signed Message:\n"


@dataclass(frozen=True, slots=True)
class UtxoParams:
    code: str  # network code, for messages
    p2pkh: bytes  # base58check version prefix of pay-to-pubkey-hash addresses
    p2sh: bytes  # ... of pay-to-script-hash addresses (the form we write)
    p2sh_alt: tuple[bytes, ...] = ()  # older P2SH prefixes still accepted (Litecoin's 0x05 "3..." form)
    hrp: str | None = None  # segwit bech32 human-readable part; None when the chain has no segwit
    cashaddr_prefix: str | None = None  # Bitcoin Cash CashAddr prefix; the canonical form when set
    message_magic: str = BITCOIN_MAGIC  # prefix of the legacy "signmessage" digest

    @classmethod
    def from_network(cls, network: Network) -> UtxoParams:
        """Raises ValueError naming the bad key when the registry entry is incomplete or malformed."""
        params: Mapping[str, Any] = network.params
        where = f"registry network {network.code}"
        try:
            p2pkh, p2sh = params["p2pkh"], params["p2sh"]
        except KeyError as exc:
            raise ValueError(f"{where}: missing UTXO parameter {exc.args[0]!r}") from None
        alt = params.get("p2sh_alt", [])
        return cls(
            code=network.code,
            p2pkh=_version(p2pkh, where, "p2pkh"),
            p2sh=_version(p2sh, where, "p2sh"),
            p2sh_alt=tuple(_version(v, where, "p2sh_alt") for v in (alt if isinstance(alt, list) else [alt])),
            hrp=_optional_str(params.get("hrp"), where, "hrp"),
            cashaddr_prefix=_optional_str(params.get("cashaddr_prefix"), where, "cashaddr_prefix"),
            message_magic=str(params.get("message_magic", BITCOIN_MAGIC)),
        )


def _version(value: Any, where: str, key: str) -> bytes:
    """A version prefix given as an integer (0x30) or hex string ("1cb8" for two-byte prefixes)."""
    if isinstance(value, str):
        try:
            raw = bytes.fromhex(value.removeprefix("0x"))
        except ValueError:
            raw = b""
        if raw:
            return raw
    elif isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 1 << 32:
        return value.to_bytes(max(1, (value.bit_length() + 7) // 8), "big")
    raise ValueError(f"{where}: {key} must be a version byte like 0x30 or a hex string, got {value!r}")


def _optional_str(value: Any, where: str, key: str) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise ValueError(f"{where}: {key} must be a string, got {value!r}")
    return value.lower()
