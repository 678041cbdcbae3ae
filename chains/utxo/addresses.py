"""UTXO address forms: base58check P2PKH/P2SH, bech32/bech32m segwit, Bitcoin Cash CashAddr.

`decode_address` answers "what output script does this string name on this network?" and raises
ValueError with the reason when the string is malformed or belongs to another coin or network. Every
form decodes to (script type, hash); `canonical` re-encodes that pair in the network's preferred form,
so the same output is one string whatever form a file used (CashAddr for BCH, lowercase bech32).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from functools import lru_cache

import base58
import bech32m

from chains.encoding import bech32_fast
from chains.encoding.base58_bounded import b58decode_check
from chains.utxo.params import UtxoParams


class ScriptType(enum.StrEnum):
    P2PKH = "P2PKH"
    P2SH = "P2SH"  # 20-byte HASH160 of a script, or on BCH 32-byte sha256d (P2SH32)
    P2WPKH = "P2WPKH"
    P2WSH = "P2WSH"
    P2TR = "P2TR"


@dataclass(frozen=True, slots=True)
class DecodedAddress:
    type: ScriptType
    hash: bytes  # HASH160 / script hash / witness program (x-only output key for P2TR)
    canonical: str

    @property
    def output_script(self) -> bytes:
        """The scriptPubKey paying this address."""
        match self.type:
            case ScriptType.P2PKH:
                return b"\x76\xa9\x14" + self.hash + b"\x88\xac"
            case ScriptType.P2SH if len(self.hash) == 32:
                return b"\xaa\x20" + self.hash + b"\x87"  # OP_HASH256 <32> OP_EQUAL
            case ScriptType.P2SH:
                return b"\xa9\x14" + self.hash + b"\x87"
            case ScriptType.P2TR:
                return b"\x51\x20" + self.hash
            case _:
                return bytes([0, len(self.hash)]) + self.hash


@lru_cache(maxsize=64)  # a row's address is decoded by its signature check and again for its balance query
def decode_address(address: str, params: UtxoParams) -> DecodedAddress:
    """Decode `address` for the network `params` describes; ValueError(reason) when it is not one."""
    text = address.strip()
    if not text:
        raise ValueError("empty address")
    if params.cashaddr_prefix and (":" in text or _looks_like_cashaddr(text)):
        return _decode_cashaddr(text, params)
    if params.hrp and text.lower().startswith(params.hrp + "1"):
        return _decode_segwit(text, params)
    hrp = _bech32_hrp(text)
    if hrp is not None:
        has = f"segwit prefix {params.hrp!r}" if params.hrp else "no segwit addresses"
        raise ValueError(f"bech32 address with prefix {hrp!r} is not a {params.code} address ({has})")
    return _decode_base58(text, params)


def encode_address(kind: ScriptType, hash_: bytes, params: UtxoParams) -> str:
    """The canonical address string of an output on this network."""
    if kind in (ScriptType.P2PKH, ScriptType.P2SH) and params.cashaddr_prefix:
        return _encode_cashaddr(kind, hash_, params.cashaddr_prefix)
    if kind is ScriptType.P2PKH:
        return base58.b58encode_check(params.p2pkh + hash_).decode()
    if kind is ScriptType.P2SH:
        return base58.b58encode_check(params.p2sh + hash_).decode()
    if not params.hrp:
        raise ValueError(f"{params.code} has no segwit addresses")
    return bech32m.encode(params.hrp, 1 if kind is ScriptType.P2TR else 0, hash_)


# --- base58check -------------------------------------------------------------------------------------------


def _decode_base58(text: str, params: UtxoParams) -> DecodedAddress:
    longest = max(len(version) for version in (params.p2pkh, params.p2sh, *params.p2sh_alt)) + 20
    try:
        raw = b58decode_check(text, longest)
    except ValueError as exc:
        raise ValueError(f"not a valid {params.code} address (bad base58 characters or checksum: {exc})") from None
    candidates = [(ScriptType.P2PKH, params.p2pkh), (ScriptType.P2SH, params.p2sh)]
    candidates += [(ScriptType.P2SH, version) for version in params.p2sh_alt]
    for kind, version in candidates:
        if raw.startswith(version) and len(raw) == len(version) + 20:
            hash_ = raw[len(version) :]
            if version in (params.p2pkh, params.p2sh) and not params.cashaddr_prefix:
                return DecodedAddress(kind, hash_, text)  # base58check has one encoding: the text is canonical
            return DecodedAddress(kind, hash_, encode_address(kind, hash_, params))
    expected = f"P2PKH {params.p2pkh.hex()}, P2SH {params.p2sh.hex()}"
    raise ValueError(
        f"base58 address with version {raw[: len(params.p2pkh)].hex()} and {len(raw)} bytes is not a "
        f"{params.code} address (expected versions {expected}, 20-byte hash)"
    )


# --- bech32 / bech32m segwit (BIP-173, BIP-350) -----------------------------------------------------------


def _bech32_hrp(text: str) -> str | None:
    """The HRP of a checksum-valid bech32/bech32m string, else None (base58 strings can contain a "1")."""
    if text.lower() != text and text.upper() != text:  # mixed case is never bech32: skip the library's scan
        return None
    try:
        return bech32_fast.decode(text)[0]
    except bech32_fast.Bech32Error:
        return None


def _decode_segwit(text: str, params: UtxoParams) -> DecodedAddress:
    assert params.hrp is not None
    try:  # the reference codec's rules at ~10x its speed (its checksum cost more than a signature check)
        version, program = bech32_fast.decode_segwit(params.hrp, text)
    except bech32_fast.Bech32Error:
        raise ValueError(
            f"not a valid {params.code} segwit address (bad bech32/bech32m checksum, case or length)"
        ) from None
    if version == 0:
        kind = ScriptType.P2WPKH if len(program) == 20 else ScriptType.P2WSH
    elif version == 1 and len(program) == 32:
        kind = ScriptType.P2TR
    else:
        raise ValueError(f"segwit version {version} with a {len(program)}-byte program is not supported")
    # A valid bech32 string has one encoding up to case; lowercase is the canonical (BIP-173) form.
    return DecodedAddress(kind, program, text.lower())


# --- CashAddr (Bitcoin Cash) --------------------------------------------------------------------------------
# No maintained Python package implements CashAddr; the format is a BCH-polymod checksummed base32 string,
# implemented here from the specification (bitcoincashorg spec "cashaddr.md").

_CHARSET = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"
_CHARSET_INDEX = {c: i for i, c in enumerate(_CHARSET)}
_GENERATORS = (0x98F2BC8E61, 0x79B76D99E2, 0xF33E5FB3C4, 0xAE2EABE2A8, 0x1E4F43E470)
_HASH_SIZES = (20, 24, 28, 32, 40, 48, 56, 64)  # indexed by the version byte's low 3 bits
# Version byte type bits: 0 P2PKH, 1 P2SH, 2/3 the same with CashTokens support (same output script).
_CASH_TYPES = {0: ScriptType.P2PKH, 1: ScriptType.P2SH, 2: ScriptType.P2PKH, 3: ScriptType.P2SH}


def _cash_polymod(values: list[int]) -> int:
    c = 1
    for value in values:
        top = c >> 35
        c = ((c & 0x07FFFFFFFF) << 5) ^ value
        for bit, generator in enumerate(_GENERATORS):
            if (top >> bit) & 1:
                c ^= generator
    return c ^ 1


def _prefix_values(prefix: str) -> list[int]:
    return [ord(c) & 0x1F for c in prefix] + [0]


def _looks_like_cashaddr(text: str) -> bool:
    """A prefix-less CashAddr string: q/p (or z/r token-aware) then base32 only, 42+ characters."""
    lower = text.lower()
    return len(lower) >= 42 and lower[0] in "qpzr" and all(c in _CHARSET_INDEX for c in lower)


def _decode_cashaddr(text: str, params: UtxoParams) -> DecodedAddress:
    assert params.cashaddr_prefix is not None
    if text != text.lower() and text != text.upper():
        raise ValueError("CashAddr address mixes upper and lower case")
    prefix, _, payload = text.lower().rpartition(":")
    prefix = prefix or params.cashaddr_prefix
    if prefix != params.cashaddr_prefix:
        raise ValueError(f"CashAddr prefix {prefix!r} is not {params.code}'s {params.cashaddr_prefix!r}")
    try:
        values = [_CHARSET_INDEX[c] for c in payload]
    except KeyError:
        raise ValueError("CashAddr address has characters outside its base32 alphabet") from None
    if len(values) < 8 + 34 or _cash_polymod(_prefix_values(prefix) + values) != 0:
        raise ValueError(f"not a valid {params.code} CashAddr address (bad checksum or length)")
    data = _convert_bits(values[:-8], 5, 8, pad=False)
    if data is None:
        raise ValueError("CashAddr payload has non-zero padding")
    version, hash_ = data[0], bytes(data[1:])
    kind = _CASH_TYPES.get(version >> 3)
    if version & 0x80 or kind is None or len(hash_) != _HASH_SIZES[version & 7]:
        raise ValueError(f"CashAddr version byte {version:#04x} does not match its {len(hash_)}-byte hash")
    if len(hash_) != 20 and not (kind is ScriptType.P2SH and len(hash_) == 32):  # P2SH32 is the one other
        raise ValueError(f"CashAddr {kind} with a {len(hash_)}-byte hash is not a standard output")
    return DecodedAddress(kind, hash_, _encode_cashaddr(kind, hash_, prefix))


def _encode_cashaddr(kind: ScriptType, hash_: bytes, prefix: str) -> str:
    version = (0 if kind is ScriptType.P2PKH else 1) << 3 | _HASH_SIZES.index(len(hash_))
    values = _convert_bits(bytes([version]) + hash_, 8, 5, pad=True)
    assert values is not None
    checksum = _cash_polymod(_prefix_values(prefix) + values + [0] * 8)
    values += [(checksum >> 5 * (7 - i)) & 0x1F for i in range(8)]
    return prefix + ":" + "".join(_CHARSET[v] for v in values)


def _convert_bits(data: bytes | list[int], from_bits: int, to_bits: int, pad: bool) -> list[int] | None:
    acc = bits = 0
    out: list[int] = []
    mask = (1 << to_bits) - 1
    for value in data:
        acc = (acc << from_bits) | value
        bits += from_bits
        while bits >= to_bits:
            bits -= to_bits
            out.append((acc >> bits) & mask)
    if pad and bits:
        out.append((acc << (to_bits - bits)) & mask)
    elif not pad and (bits >= from_bits or (acc << (to_bits - bits)) & mask):
        return None
    return out
