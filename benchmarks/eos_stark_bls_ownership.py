"""Verifications per second of the EOS (SIG_K1), Starknet (SNIP-12 + STARK ECDSA) and beacon (BLS12-381) ownership
schemes, through each family's verify_ownership, and py_ecc's BLS Verify for comparison (the reference the beacon
family does not use, for speed).

Run: python benchmarks/eos_stark_bls_ownership.py [ROWS]
Rows are signed here with generated keys; only verification is timed. One process, one core.
"""

from __future__ import annotations

import secrets
import sys
import time

from coincurve import PrivateKey
from py_arkworks_bls12381 import G1Point, G2Point, Scalar
from py_ecc.bls import G2ProofOfPossession as py_ecc_bls

from auditor.assets import AssetRegistry
from chains.base import AddressRow, RowStatus
from chains.beacon.bls import DST
from chains.beacon.ownership import bls_message
from chains.eos import keys as eos_keys
from chains.eos.ownership import digest as eos_digest
from chains.registry import get_family
from chains.starknet import ecdsa as stark
from chains.starknet.typed_data import message_hash

MESSAGE = "I am an OKX address"
PY_ECC_ROWS = 5  # ~0.5 s each: enough to show the order of magnitude


def eos_rows(count: int) -> list[AddressRow]:
    out = []
    for i in range(count):
        key = PrivateKey()
        compact = key.sign_recoverable(eos_digest(MESSAGE.encode()), hasher=None)
        out.append(AddressRow(i, "EOS", "Vaulta", "okx.reserve1", message=MESSAGE,
                              signature1=eos_keys.encode_signature(compact[:64], compact[64]),
                              script=eos_keys.encode_public_key(key.public_key.format())))
    return out


def starknet_rows(count: int, distinct: int = 40) -> list[AddressRow]:
    """`distinct` signed rows repeated up to `count`: crypto-cpp-py's RFC 6979 signing takes ~0.3 s a row, and
    nothing on the verification path is cached per key or account."""
    out = []
    for i in range(min(count, distinct)):
        private = secrets.randbelow(stark.EC_ORDER - 1) + 1
        account = "0x" + secrets.token_hex(31)
        r, s = stark.sign(message_hash(MESSAGE, int(account, 16)), private)
        out.append(AddressRow(i, "ETH", "STARKNET", account, message=MESSAGE, signature1=f"{r:064x}{s:064x}",
                              script=hex(stark.public_key(private))))
    return [out[i % len(out)] for i in range(count)]


def beacon_rows(count: int) -> list[AddressRow]:
    """Keys and signatures made with arkworks' group operations (sk * g1, sk * hash_to_G2(message)): py_ecc
    would take about a second per row to sign."""
    out = []
    message_point = G2Point.hash_to_curve(bls_message(MESSAGE.encode()), DST)
    for i in range(count):
        secret = Scalar(secrets.randbelow(2**250) + 1)
        pubkey = (G1Point() * secret).to_compressed_bytes()
        signature = (message_point * secret).to_compressed_bytes()
        out.append(AddressRow(i, "BETH", "BETH", "0x" + pubkey.hex(), message=MESSAGE,
                              signature1="0x" + signature.hex()))
    return out


def timed(label: str, network_code: str, rows: list[AddressRow]) -> str:
    registry = AssetRegistry.load()
    network = registry.network(network_code)
    assert network is not None
    family = get_family(network.family)
    assert family is not None
    started = time.perf_counter()
    proofs = [family.verify_ownership(row, network) for row in rows]
    elapsed = time.perf_counter() - started
    # EOS and Starknet prove the key, and leave the account binding to the chain (unchecked, scheme named)
    assert all(p.status == RowStatus.VERIFIED or (p.status == RowStatus.UNCHECKED and p.reason.startswith(
        "signature valid")) for p in proofs), proofs[0]
    return f"| {label} | {len(rows)} | {elapsed:.2f} | {len(rows) / elapsed:,.0f} |"


def py_ecc_reference(rows: list[AddressRow]) -> str:
    started = time.perf_counter()
    for row in rows:
        assert py_ecc_bls.Verify(bytes.fromhex(row.address[2:]), bls_message(row.message.encode()),
                                 bytes.fromhex(row.signature1[2:]))
    elapsed = time.perf_counter() - started
    return f"| BLS via py_ecc G2ProofOfPossession.Verify (reference, not used) | {len(rows)} | {elapsed:.2f} | " \
           f"{len(rows) / elapsed:,.1f} |"


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 3000
    beacon = beacon_rows(count)
    print("| scheme | rows | seconds | verifications/s |")
    print("|---|---:|---:|---:|")
    print(timed("EOS SIG_K1 (SHA-256 of OKX preimage, secp256k1 recovery)", "Vaulta", eos_rows(count)))
    print(timed("Starknet SNIP-12 rev 0 (Pedersen) + STARK ECDSA (crypto-cpp)", "STARKNET", starknet_rows(count)))
    print(timed("Beacon BLS12-381 PoP (py-arkworks-bls12381)", "BETH", beacon))
    print(py_ecc_reference(beacon[:PY_ECC_ROWS]))


if __name__ == "__main__":
    main()
