"""Verifications per second of OKX "ECDSA family" rows (XRP, FIL, ELF, CFX, LUNC, AVAX-X, FEVM f410f), one core.

Run: python benchmarks/okx_ecdsa_ownership.py [ROWS]
Rows are signed here with generated keys; only `family.verify_ownership` is timed (what the pipeline's worker
processes run per row). "recovery only" is the bare libsecp256k1 recovery over OKX's digest, for scale.
Times are this process's CPU seconds (time.process_time), best of REPEATS passes over the same rows: the machine
is shared, and wall-clock time would mostly measure the other processes. rows/s is per core.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from pathlib import Path

from coincurve import PrivateKey

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from auditor.assets import AssetRegistry
from auditor.demo.signing import sign_okx_evm
from chains.aelf import addresses as aelf
from chains.avalanche import addresses as avalanche
from chains.base import AddressRow, RowStatus
from chains.conflux import addresses as conflux
from chains.cosmos import addresses as cosmos
from chains.evm.addresses import fevm_address
from chains.filecoin import addresses as filecoin
from chains.registry import get_family
from chains.signing.okx_message import okx_keccak_digest, recover_okx_ecdsa_key
from chains.signing.secp256k1 import eth_address_bytes
from chains.xrpl import addresses as xrpl

MESSAGE = "I am an OKX address"
REPEATS = 3
REGISTRY = AssetRegistry.load()


def sign(key: PrivateKey) -> str:
    compact = key.sign_recoverable(okx_keccak_digest(MESSAGE.encode()), hasher=None)
    return "0x" + (compact[:64] + bytes([27 + compact[64]])).hex()


def elf_full(key: PrivateKey) -> str:
    return f"ELF_{aelf.encode(aelf.account_of(key.public_key))}_AELF"


# (network, scheme, address form, address of a key)
CASES: list[tuple[str, str, str, Callable[[PrivateKey], str]]] = [
    ("XRP", "okx-ecdsa", "classic r...", lambda k: xrpl.encode(xrpl.account_id(k.public_key))),
    ("XRP", "okx-ecdsa", "X-address with tag", lambda k: xrpl.encode_x_address(xrpl.account_id(k.public_key), 7)),
    ("FIL", "okx-ecdsa", "f1...", lambda k: filecoin.encode(filecoin.payload_of(k.public_key))),
    ("ELF", "okx-ecdsa", "bare base58", lambda k: aelf.encode(aelf.account_of(k.public_key))),
    ("ELF", "okx-ecdsa", "ELF_..._AELF", elf_full),
    ("CFX", "okx-ecdsa", "cfx:... (cfx-address codec)", lambda k: conflux.encode(conflux.account_of(k.public_key))),
    ("LUNC", "okx-ecdsa", "terra1...", lambda k: cosmos.encode(cosmos.key_hash(k.public_key), "terra")),
    ("AVAX-X", "okx-ecdsa-pubkey", "X-avax1... + key column",
     lambda k: avalanche.encode(avalanche.key_hash(k.public_key))),
    ("FEVM", "okx-evm (personal_sign)", "f410f...", lambda k: fevm_address(eth_address_bytes(k.public_key))),
]


def rows_for(network: str, address_of: Callable[[PrivateKey], str], count: int) -> list[AddressRow]:
    rows = []
    for i in range(count):
        key = PrivateKey()
        signature = sign_okx_evm(key, MESSAGE) if network == "FEVM" else sign(key)
        script = key.public_key.format().hex() if network == "AVAX-X" else ""
        rows.append(AddressRow(i, "", network, address_of(key), message=MESSAGE, signature1=signature, script=script))
    return rows


def best_of(work: Callable[[], object]) -> float:
    times = []
    for _ in range(REPEATS):
        started = time.process_time()
        work()
        times.append(time.process_time() - started)
    return min(times)


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 3000
    print("| network | scheme | address form | rows | CPU s | rows/s (one core) |")
    print("|---|---|---|---:|---:|---:|")
    baseline = rows_for("FIL", CASES[2][3], count)
    elapsed = best_of(lambda: [recover_okx_ecdsa_key(MESSAGE.encode(), row.signature1) for row in baseline])
    print(f"| - | recovery only | - | {count} | {elapsed:.2f} | {count / elapsed:,.0f} |")
    for network_code, scheme, form, address_of in CASES:
        network = REGISTRY.network(network_code)
        family = get_family(network.family)
        rows = rows_for(network_code, address_of, count)
        proofs = [family.verify_ownership(row, network) for row in rows]
        bad = [p for p in proofs if p.status is not RowStatus.VERIFIED]
        if bad:
            raise SystemExit(f"{network_code} {form}: {len(bad)} rows did not verify: {bad[0]}")
        elapsed = best_of(lambda: [family.verify_ownership(row, network) for row in rows])  # noqa: B023
        print(f"| {network_code} | {scheme} | {form} | {count} | {elapsed:.2f} | {count / elapsed:,.0f} |")


if __name__ == "__main__":
    main()
