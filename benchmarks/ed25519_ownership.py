"""Ownership verifications per second of OKX's Ed25519 chains, at library speed (PyNaCl / libsodium).

Run: python benchmarks/ed25519_ownership.py [ROWS]
Rows are signed here with generated keys (one key per row); only verification is timed, one core. The first
line is the bare libsodium verification of the same OKX preimage, the floor under every family's figure.
"""

from __future__ import annotations

import hashlib
import sys
import time
from collections.abc import Callable

from nacl.signing import SigningKey, VerifyKey

from auditor.assets import AssetRegistry
from chains.aptos.addresses import authentication_key
from chains.base import AddressRow, RowStatus
from chains.cardano.addresses import enterprise_address
from chains.registry import get_family
from chains.signing.okx_message import okx_preimage
from chains.solana.addresses import encode as solana_address
from chains.stellar.addresses import encode as stellar_address
from chains.substrate.addresses import encode as ss58_address
from chains.sui.addresses import from_public_key as sui_address
from chains.ton.addresses import encode as ton_address
from chains.ton.wallets import WALLETS, account_id

MESSAGE = "I am an OKX address"
PREIMAGE = okx_preimage(MESSAGE.encode())


def _wallet(name: str):
    return next(w for w in WALLETS if w.name == name)


# (label, network code, public key -> address)
SCHEMES: list[tuple[str, str, Callable[[bytes], str]]] = [
    ("SOL (base58 key)", "SOL", solana_address),
    ("APTOS (sha3 auth key)", "APTOS", lambda k: "0x" + authentication_key(k).hex()),
    ("SUI (blake2b address)", "SUI", lambda k: "0x" + sui_address(k).hex()),
    ("TON v3r2 (first wallet tried)", "TON", lambda k: ton_address(account_id(_wallet("v3r2"), k))),
    ("TON highload v3 (third wallet)", "TON", lambda k: ton_address(account_id(_wallet("highload-v3"), k), False)),
    ("DOT (SS58 prefix 0)", "DOT", lambda k: ss58_address(k, 0)),
    ("PI (Stellar strkey)", "PI", stellar_address),
    ("ADA (enterprise)", "ADA", enterprise_address),
    ("NEAR (implicit)", "NEAR", lambda k: k.hex()),
]


def signed(count: int) -> list[tuple[bytes, bytes]]:
    """(public key, signature) pairs, one fresh key each."""
    pairs = []
    for i in range(count):
        key = SigningKey(hashlib.sha256(i.to_bytes(8, "big")).digest())
        pairs.append((bytes(key.verify_key), key.sign(PREIMAGE).signature))
    return pairs


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 3000
    registry = AssetRegistry.load()
    pairs = signed(count)
    print("| scheme | rows | rows/s (one core) |")
    print("|---|---:|---:|")
    for public_key, signature in pairs[:200]:  # warm-up: libsodium's first calls initialise it
        VerifyKey(public_key).verify(PREIMAGE, signature)
    start = time.perf_counter()
    for public_key, signature in pairs:
        VerifyKey(public_key).verify(PREIMAGE, signature)
    elapsed = time.perf_counter() - start
    print(f"| bare PyNaCl Ed25519 verify (libsodium) | {count:,} | {count / elapsed:,.0f} |")
    for label, code, derive in SCHEMES:
        network = registry.network(code)
        assert network is not None
        family = get_family(network.family)
        assert family is not None
        rows = [
            AddressRow(i, code, code, derive(public_key), message=MESSAGE, signature1=signature.hex(),
                       script=public_key.hex())
            for i, (public_key, signature) in enumerate(pairs)
        ]
        start = time.perf_counter()
        for row in rows:
            if family.verify_ownership(row, network).status is not RowStatus.VERIFIED:
                raise SystemExit(f"{label} row {row.line} did not verify")
        elapsed = time.perf_counter() - start
        print(f"| {label} | {count:,} | {count / elapsed:,.0f} |")


if __name__ == "__main__":
    main()
