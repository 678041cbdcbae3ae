"""Test helpers for OKX's "ECDSA family" chains: sign with generated keys, read published vectors, mutate."""

from __future__ import annotations

from coincurve import PrivateKey

from chains.base import AddressRow
from chains.signing.okx_message import okx_keccak_digest
from tests.conftest import load_vectors


def sign_okx_ecdsa(key: PrivateKey, message: str, v_offset: int = 27) -> str:
    """OKX's R || S || V hex over keccak(varstr(header) || varstr(message)); v = 27/28 by default."""
    signature = key.sign_recoverable(okx_keccak_digest(message.encode("utf-8")), hasher=None)
    return "0x" + (signature[:64] + bytes([signature[64] + v_offset])).hex()


def vectors_of(network: str) -> list[dict[str, str]]:
    return [v for v in load_vectors() if v["network"] == network]


def vector_row(vector: dict[str, str], line: int = 1) -> AddressRow:
    return AddressRow(
        line=line, coin=vector["coin"], network=vector["network"], address=vector["address"],
        message=vector["message"], signature1=vector["signature1"], signature2=vector["signature2"],
        script=vector["script_or_pubkey"], eoa1=vector["eoa1"], eoa2=vector["eoa2"],
    )


def flip_hex(text: str, position: int) -> str:
    """Change the hex digit `position` places from the end (0x prefix kept)."""
    index = len(text) - position
    replacement = "0" if text[index].lower() != "0" else "1"
    return text[:index] + replacement + text[index + 1 :]


def flip_char(text: str, index: int, alphabet: str) -> str:
    """Replace the character at `index` by another one of `alphabet` (a one-character typo)."""
    current = text[index]
    replacement = next(c for c in alphabet if c != current and c.lower() != current.lower())
    return text[:index] + replacement + text[index + 1 :]
