"""BIP-322 "simple" message signatures: a witness stack that spends a virtual output paying the address.

The signer proves the address by satisfying its script in a fixed pair of virtual transactions:

* to_spend: version 0, one input (null outpoint, scriptSig `OP_0 PUSH32 tagged_hash(message)`), one
  0-value output paying the address's scriptPubKey;
* to_sign: version 0, one input spending to_spend:0 with sequence 0, one 0-value OP_RETURN output.

The signature is the base64 consensus encoding of to_sign's witness. Supported, as the scripts a PoR row
can carry: P2WPKH and P2SH-P2WPKH (witness: signature, key), P2WSH and P2SH-P2WSH m-of-n multisig
(witness: empty, m signatures, witness script), P2TR key path (witness: one Schnorr signature). The
P2SH-wrapped forms imply the scriptSig (push of the redeem script), as wallets do for "simple".
Sighash types: SIGHASH_ALL, and SIGHASH_DEFAULT for taproot; others do not commit to the whole
transaction and are refused.
"""

from __future__ import annotations

from collections.abc import Sequence

from coincurve import PublicKey, PublicKeyXOnly

from chains.base import OwnershipProof
from chains.signing.secp256k1 import hash160, sha256d
from chains.utxo.addresses import DecodedAddress, ScriptType
from chains.utxo.messages import varstr
from chains.utxo.scripts import parse_multisig, sha256

SCHEME = "bip322-simple"
SIGHASH_DEFAULT = 0x00
SIGHASH_ALL = 0x01
_OP_RETURN_OUTPUT = (0).to_bytes(8, "little") + varstr(b"\x6a")
_ZERO32 = bytes(32)


def tagged_hash(tag: str, data: bytes) -> bytes:
    tag_hash = sha256(tag.encode())
    return sha256(tag_hash + tag_hash + data)


def to_spend_txid(output_script: bytes, message: str) -> bytes:
    """txid of the virtual to_spend transaction, in internal (not display) byte order."""
    script_sig = b"\x00\x20" + tagged_hash("BIP0322-signed-message", message.encode())
    tx = (
        (0).to_bytes(4, "little")  # version
        + b"\x01" + _ZERO32 + b"\xff\xff\xff\xff" + varstr(script_sig) + (0).to_bytes(4, "little")
        + b"\x01" + (0).to_bytes(8, "little") + varstr(output_script)
        + (0).to_bytes(4, "little")  # locktime
    )  # fmt: skip
    return sha256d(tx)


def parse_witness(data: bytes) -> list[bytes]:
    """A consensus-encoded witness stack; ValueError when the bytes are not exactly one."""
    pos = 0

    def read_size() -> int:
        nonlocal pos
        if pos >= len(data):
            raise ValueError("witness ends early")
        first = data[pos]
        width = {0xFD: 2, 0xFE: 4, 0xFF: 8}.get(first, 0)
        if pos + 1 + width > len(data):
            raise ValueError("witness ends early")
        value = int.from_bytes(data[pos + 1 : pos + 1 + width], "little") if width else first
        pos += 1 + width
        return value

    count = read_size()
    if count > 100:
        raise ValueError(f"witness claims {count} items")
    items = []
    for _ in range(count):
        size = read_size()
        if pos + size > len(data):
            raise ValueError("witness item runs past the end")
        items.append(data[pos : pos + size])
        pos += size
    if pos != len(data):
        raise ValueError("bytes left after the witness stack")
    return items


def verify(address: DecodedAddress, message: str, witness: bytes, row_script: bytes) -> OwnershipProof:
    try:
        items = parse_witness(witness)
    except ValueError as exc:
        return OwnershipProof.failed(f"signature is neither a 65-byte legacy signature nor a BIP-322 witness: {exc}")
    txid = to_spend_txid(address.output_script, message)
    try:
        if address.type is ScriptType.P2TR:
            _verify_taproot(address, items, txid)
        elif len(items) == 2 and address.type in (ScriptType.P2WPKH, ScriptType.P2SH):
            _verify_p2wpkh(address, items, txid)
        elif address.type in (ScriptType.P2WSH, ScriptType.P2SH):
            _verify_multisig(address, items, txid, row_script)
        else:
            raise ValueError(f"a BIP-322 simple signature cannot prove a {address.type} address")
    except ValueError as exc:
        return OwnershipProof.failed(str(exc), SCHEME)
    return OwnershipProof.verified(SCHEME)


def _verify_p2wpkh(address: DecodedAddress, items: Sequence[bytes], txid: bytes) -> None:
    signature, key = items
    key_hash = hash160(key)
    if len(key) != 33:
        raise ValueError("segwit keys must be 33-byte compressed keys")
    bound = key_hash if address.type is ScriptType.P2WPKH else hash160(b"\x00\x14" + key_hash)
    if bound != address.hash:
        raise ValueError(f"witness key {key.hex()} does not produce this {address.type} address")
    script_code = varstr(b"\x76\xa9\x14" + key_hash + b"\x88\xac")
    if not _ecdsa_ok(key, signature, segwit_v0_sighash(txid, script_code)):
        raise ValueError("BIP-322 signature does not verify")


def _verify_multisig(address: DecodedAddress, items: Sequence[bytes], txid: bytes, row_script: bytes) -> None:
    if len(items) < 3 or items[0] != b"":
        raise ValueError("multisig witness must be: empty dummy, signatures, witness script")
    script, signatures = items[-1], items[1:-1]
    program = sha256(script)
    bound = program if address.type is ScriptType.P2WSH else hash160(b"\x00\x20" + program)
    if bound != address.hash:
        raise ValueError(f"witness script does not hash to this {address.type} address")
    if row_script and row_script not in (script, address.output_script):
        raise ValueError("the script column differs from the witness script in the signature")
    multisig = parse_multisig(script)
    if len(signatures) != multisig.m:
        raise ValueError(f"{multisig.m}-of-{multisig.n} witness carries {len(signatures)} signatures")
    sighash = segwit_v0_sighash(txid, varstr(script))
    # OP_CHECKMULTISIG: signatures match keys in script order, each key used at most once.
    keys = iter(multisig.keys)
    for number, signature in enumerate(signatures, start=1):
        if not any(_ecdsa_ok(key, signature, sighash) for key in keys):
            raise ValueError(f"signature {number} matches no remaining key of the witness script")


def _verify_taproot(address: DecodedAddress, items: Sequence[bytes], txid: bytes) -> None:
    if len(items) != 1:
        raise ValueError("only taproot key-path signatures (one witness item) are supported")
    signature = items[0]
    if len(signature) == 64:
        hash_type = SIGHASH_DEFAULT
    elif len(signature) == 65 and signature[64] == SIGHASH_ALL:
        hash_type, signature = SIGHASH_ALL, signature[:64]
    else:
        raise ValueError("taproot signature must be 64 bytes, or 65 with SIGHASH_ALL")
    try:
        ok = PublicKeyXOnly(address.hash).verify(signature, taproot_sighash(txid, address.output_script, hash_type))
    except ValueError:
        ok = False
    if not ok:
        raise ValueError("BIP-322 taproot signature does not verify")


def taproot_sighash(txid: bytes, output_script: bytes, hash_type: int) -> bytes:
    """BIP-341 key-path digest of to_sign's only input, for SIGHASH_DEFAULT or SIGHASH_ALL."""
    prevout = txid + (0).to_bytes(4, "little")
    sig_msg = (
        bytes([0x00, hash_type])  # epoch, hash type
        + (0).to_bytes(4, "little") + (0).to_bytes(4, "little")  # version, locktime
        + sha256(prevout) + sha256((0).to_bytes(8, "little")) + sha256(varstr(output_script))
        + sha256((0).to_bytes(4, "little")) + sha256(_OP_RETURN_OUTPUT)
        + b"\x00" + (0).to_bytes(4, "little")  # spend type (key path, no annex), input index
    )  # fmt: skip
    return tagged_hash("TapSighash", sig_msg)


def segwit_v0_sighash(txid: bytes, script_code: bytes) -> bytes:
    """BIP-143 SIGHASH_ALL digest of to_sign's only input (value 0)."""
    prevout = txid + (0).to_bytes(4, "little")
    sequence = (0).to_bytes(4, "little")
    preimage = (
        (0).to_bytes(4, "little") + sha256d(prevout) + sha256d(sequence) + prevout + script_code
        + (0).to_bytes(8, "little") + sequence + sha256d(_OP_RETURN_OUTPUT)
        + (0).to_bytes(4, "little") + SIGHASH_ALL.to_bytes(4, "little")
    )  # fmt: skip
    return sha256d(preimage)


def _ecdsa_ok(key: bytes, signature: bytes, sighash: bytes) -> bool:
    """DER signature + sighash byte (SIGHASH_ALL only) by `key` over `sighash`; low-s as policy demands."""
    if not signature or signature[-1] != SIGHASH_ALL:
        return False
    try:
        return PublicKey(key).verify(signature[:-1], sighash, hasher=None)
    except Exception:  # coincurve raises ValueError or a bare Exception for malformed DER or keys
        return False
