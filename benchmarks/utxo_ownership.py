"""Verifications per second of UTXO ownership rows (single-key P2PKH / P2WPKH, 2-of-3 P2SH / P2WSH).

Run: python benchmarks/utxo_ownership.py [ROWS]
Rows are signed here with generated keys; only verification is timed.
"""

from __future__ import annotations

import base64
import hashlib
import sys
import time

import base58
import bech32m
from coincurve import PrivateKey

from auditor.assets import AssetRegistry
from chains.base import AddressRow, RowStatus
from chains.registry import get_family
from chains.utxo.messages import message_digest

MESSAGE = "I am an OKX address"
MAGIC = "Bitcoin Signed Message:\n"


def hash160(data: bytes) -> bytes:
    return hashlib.new("ripemd160", hashlib.sha256(data).digest()).digest()


def sign(key: PrivateKey) -> str:
    compact = key.sign_recoverable(message_digest(MESSAGE, MAGIC), hasher=None)
    return base64.b64encode(bytes([31 + compact[64]]) + compact[:64]).decode()


def rows(kind: str, count: int) -> list[AddressRow]:
    out = []
    for i in range(count):
        if kind in ("P2PKH", "P2WPKH"):
            key = PrivateKey()
            h = hash160(key.public_key.format())
            address = base58.b58encode_check(b"\x00" + h).decode() if kind == "P2PKH" else bech32m.encode("bc", 0, h)
            out.append(AddressRow(i, "BTC", "BTC", address, message=MESSAGE, signature1=sign(key)))
            continue
        keys = [PrivateKey() for _ in range(3)]
        script = b"\x52" + b"".join(b"\x21" + k.public_key.format() for k in keys) + b"\x53\xae"
        if kind == "2-of-3 P2SH":
            address = base58.b58encode_check(b"\x05" + hash160(script)).decode()
        else:
            address = bech32m.encode("bc", 0, hashlib.sha256(script).digest())
        out.append(
            AddressRow(
                i,
                "BTC",
                "BTC",
                address,
                message=MESSAGE,
                signature1=sign(keys[0]),
                signature2=sign(keys[2]),
                script=script.hex(),
            )
        )
    return out


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 5000
    family = get_family("utxo")
    btc = AssetRegistry.load().network("BTC")
    assert family is not None and btc is not None
    for kind in ("P2PKH", "P2WPKH", "2-of-3 P2SH", "2-of-3 P2WSH"):
        batch = rows(kind, count)
        start = time.perf_counter()
        for row in batch:
            if family.verify_ownership(row, btc).status is not RowStatus.VERIFIED:
                raise SystemExit(f"{kind} row {row.line} did not verify")
        elapsed = time.perf_counter() - start
        print(f"{kind:14} {count / elapsed:10,.0f} rows/s  ({count} rows, {elapsed:.2f} s, one core)")


if __name__ == "__main__":
    main()
