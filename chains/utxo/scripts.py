"""Bitcoin script pieces an ownership proof needs: hashes, m-of-n multisig redeem scripts, and which
address forms a key or a redeem script produces."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import lru_cache

from coincurve import PublicKey

from chains.signing.secp256k1 import hash160, sha256d
from chains.utxo.addresses import DecodedAddress, ScriptType

OP_0 = 0x00
OP_1 = 0x51
OP_16 = 0x60
OP_CHECKMULTISIG = 0xAE
MAX_MULTISIG_KEYS = 20  # consensus limit of OP_CHECKMULTISIG


def sha256(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


@dataclass(frozen=True, slots=True)
class Multisig:
    """`m` of `keys` must sign (OP_m <key>... OP_n OP_CHECKMULTISIG). Keys as serialized in the script."""

    m: int
    keys: tuple[bytes, ...]

    @property
    def n(self) -> int:
        return len(self.keys)


@lru_cache(maxsize=64)  # a row's script is parsed by its signature check and again for its balance query
def parse_multisig(script: bytes) -> Multisig:
    """Parse a bare m-of-n OP_CHECKMULTISIG script; ValueError(reason) when it is anything else (a key that is
    not a secp256k1 point included)."""
    return _parse(script, check_points=script not in _points_checked)


def parse_multisig_shape(script: bytes) -> Multisig:
    """`parse_multisig` without the curve-point check of its keys (three point decompressions per 2-of-3
    script, which a signature check mostly makes redundant: a key that a recovered key matches is a point).
    Who uses it must check the keys it did not match (`invalid_key`) before relying on the script, and calls
    `points_checked` once all are."""
    return _parse(script, check_points=False)


def invalid_key(multisig: Multisig, known_points: frozenset[bytes] | set[bytes] = frozenset()) -> int | None:
    """The 1-based index of the first key of `multisig` that is not a secp256k1 point (None: all are), not
    parsing the keys in `known_points` (bytes equal to a point's serialization are that point)."""
    for index, key in enumerate(multisig.keys):
        if key in known_points:
            continue
        try:
            PublicKey(key)
        except Exception:  # coincurve raises ValueError or a bare Exception for invalid points
            return index + 1
    return None


def points_checked(script: bytes) -> None:
    """Remember that every key of `script` is a point, so parse_multisig (the balance query's) skips the check."""
    if len(_points_checked) >= 4096:
        _points_checked.clear()
    _points_checked.add(script)


_points_checked: set[bytes] = set()  # scripts whose keys are known points (bounded: cleared when full)


def _parse(script: bytes, check_points: bool) -> Multisig:
    pos = 0

    def read_number() -> int:
        # Small numbers are OP_1..OP_16; 17..20 (only n can be that large) are a one-byte push.
        nonlocal pos
        if pos < len(script) and OP_1 <= script[pos] <= OP_16:
            pos += 1
            return script[pos - 1] - OP_1 + 1
        if pos + 1 < len(script) and script[pos] == 1 and 17 <= script[pos + 1] <= MAX_MULTISIG_KEYS:
            pos += 2
            return script[pos - 1]
        raise ValueError(f"expected a key count at byte {pos}")

    m = read_number()
    keys: list[bytes] = []
    while pos < len(script) and script[pos] in (33, 65):
        size = script[pos]
        key = script[pos + 1 : pos + 1 + size]
        if len(key) != size:
            raise ValueError("redeem script ends inside a public key")
        if check_points:
            try:
                PublicKey(key)
            except Exception:  # coincurve raises ValueError or a bare Exception for invalid points
                raise ValueError(f"redeem script key {len(keys) + 1} is not a valid secp256k1 point") from None
        keys.append(key)
        pos += 1 + size
    n = read_number()
    if pos != len(script) - 1 or script[pos] != OP_CHECKMULTISIG:
        raise ValueError("redeem script does not end with OP_n OP_CHECKMULTISIG")
    if n != len(keys):
        raise ValueError(f"redeem script announces {n} keys but holds {len(keys)}")
    if not 1 <= m <= n:
        raise ValueError(f"redeem script requires {m} of {n} signatures")
    return Multisig(m, tuple(keys))


def script_address_form(address: DecodedAddress, script: bytes) -> str | None:
    """How `script` is wrapped to produce `address` ("P2SH", "P2WSH", "P2SH-P2WSH"), or None."""
    match address.type:
        case ScriptType.P2WSH:
            return "P2WSH" if sha256(script) == address.hash else None
        case ScriptType.P2SH if len(address.hash) == 32:
            return "P2SH32" if sha256d(script) == address.hash else None
        case ScriptType.P2SH:
            if hash160(script) == address.hash:
                return "P2SH"
            if hash160(b"\x00\x20" + sha256(script)) == address.hash:
                return "P2SH-P2WSH"
    return None


def key_address_form(address: DecodedAddress, key: PublicKey, allow_uncompressed: bool) -> str | None:
    """How `key` produces `address` (single-key forms), or None.

    Segwit forms use the compressed key only (BIP-143 policy); P2PKH also the uncompressed key when the
    signature's header says the signer used it.
    """
    compressed = hash160(key.format(compressed=True))
    match address.type:
        case ScriptType.P2PKH:
            if compressed == address.hash:
                return "P2PKH"
            if allow_uncompressed and hash160(key.format(compressed=False)) == address.hash:
                return "P2PKH-uncompressed"
        case ScriptType.P2WPKH if compressed == address.hash:
            return "P2WPKH"
        case ScriptType.P2SH if hash160(b"\x00\x14" + compressed) == address.hash:
            return "P2SH-P2WPKH"
    return None
