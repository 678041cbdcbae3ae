"""Does a UTXO row's signature prove control of its address?

Which check applies follows from the `script` column and the address:

* empty (or the address's own output script, or a P2SH-P2WPKH redeem script): a single-key address
  (P2PKH, P2SH-P2WPKH, P2WPKH); every signature must recover a key that produces the address.
* an m-of-n OP_CHECKMULTISIG redeem script: it must hash to the address (P2SH, P2WSH, P2SH-P2WSH), and the
  signatures must recover at least m DISTINCT keys of the script (and no key outside it). Two copies of
  one signature are one signer, not two (OKX's own verifier accepts them; we do not).
* a bare public key ("key-recovery rows", SCHEMES.md): the signature must recover exactly that key. When the
  key also produces the address (P2PKH, P2WPKH, P2SH-P2WPKH) the row is verified; a single-key address
  the key does not produce fails. A script address (P2SH, P2WSH, P2TR) cannot be bound by one key (anyone
  can sign with a fresh key and name it), so such a row is UNCHECKED: the key is proven, the address is not,
  and its balance does not count as verified.

A signature that is not 65 bytes is a BIP-322 "simple" signature (a witness stack), which is the only way
to prove a taproot address.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from coincurve import PublicKey

from chains.base import AddressRow, OwnershipProof
from chains.signing.secp256k1 import hash160
from chains.utxo import bip322
from chains.utxo.addresses import DecodedAddress, ScriptType, decode_address
from chains.utxo.messages import (
    SIGNATURE_SIZE,
    MessageSignature,
    decode_base64,
    message_digest,
    parse_message_signature,
)
from chains.utxo.params import UtxoParams
from chains.utxo.scripts import (
    Multisig,
    invalid_key,
    key_address_form,
    parse_multisig,
    parse_multisig_shape,
    points_checked,
    script_address_form,
)

SCHEME_SINGLE = "utxo-signmessage"
SCHEME_MULTISIG = "utxo-signmessage-multisig"
SCHEME_PUBKEY = "utxo-signmessage-pubkey"

# One signature column may carry several base64 signatures (m > 2 multisig); base64 never contains these.
_SEPARATORS = re.compile(r"[\s,;|]+")


def verify_row(row: AddressRow, params: UtxoParams) -> OwnershipProof:
    try:
        address = decode_address(row.address, params)
    except ValueError as exc:
        return OwnershipProof.failed(f"address: {exc}", summary="address: not an address of this coin")
    signatures = _signatures(row)
    if not signatures:
        return OwnershipProof.failed("row has no signature", summary="row has no signature")
    try:
        row.message_utf8()  # the digests below encode it again; a lone surrogate is the message's fault
    except ValueError as exc:
        return OwnershipProof.failed(str(exc))
    try:
        script = _hex(row.script)
    except ValueError as exc:
        return OwnershipProof.failed(f"script column: {exc}", summary="script column: not hex")
    raw: list[tuple[str, bytes]] = []
    for label, text in signatures:
        if text.lower().startswith("0x"):
            return OwnershipProof.failed(f"{label}: hex R||S||V signatures are not a UTXO message signature",
                                         summary="hex R||S||V signatures are not a UTXO message signature")
        try:
            raw.append((label, decode_base64(text)))
        except ValueError as exc:
            return OwnershipProof.failed(f"{label}: {exc}", summary="signature: not base64")

    if any(len(data) != SIGNATURE_SIZE for _, data in raw):
        if len(raw) != 1:
            return OwnershipProof.failed("a BIP-322 signature must be the row's only signature")
        return bip322.verify(address, row.message, raw[0][1], script)

    legacy: list[tuple[str, MessageSignature]] = []
    for label, data in raw:
        try:
            legacy.append((label, parse_message_signature(data)))
        except ValueError as exc:
            return OwnershipProof.failed(f"{label}: {exc}", summary="signature: not a message signature")
    digest = message_digest(row.message, params.message_magic)

    if not script or script == address.output_script or _is_wrapped_p2wpkh(address, script):
        return _verify_single_key(address, legacy, digest)
    try:
        multisig = parse_multisig_shape(script)  # its keys' points are checked lazily (_verify_multisig)
    except ValueError:
        return _not_a_multisig(address, legacy, digest, script)
    return _verify_multisig(address, legacy, digest, script, multisig)


def _not_a_multisig(
    address: DecodedAddress, signatures: Sequence[tuple[str, MessageSignature]], digest: bytes, script: bytes
) -> OwnershipProof:
    """The verdict on a script column that parse_multisig refuses (its first problem named): a bare public key
    is checked as one, anything else fails."""
    try:
        parse_multisig(script)
    except ValueError as not_multisig:
        if len(script) in (33, 65) and _is_point(script):
            return _verify_key_recovery(address, signatures, digest, script)
        return OwnershipProof.failed(
            f"script column is neither a multisig redeem script ({not_multisig}), a public key, "
            "nor the address's output script"
        )
    raise AssertionError("_not_a_multisig called with a valid multisig script")


def _verify_single_key(
    address: DecodedAddress, signatures: Sequence[tuple[str, MessageSignature]], digest: bytes
) -> OwnershipProof:
    if address.type is ScriptType.P2TR:
        return OwnershipProof.failed(
            "a taproot address cannot be proven by a legacy message signature (needs BIP-322)", SCHEME_SINGLE
        )
    if address.type is ScriptType.P2WSH:
        return OwnershipProof.failed("a P2WSH address needs its witness script in the script column", SCHEME_SINGLE)
    notes = []
    for label, signature in signatures:
        try:
            key = signature.recover(digest)
        except ValueError as exc:
            return OwnershipProof.failed(f"{label}: {exc}", SCHEME_SINGLE)
        form = key_address_form(address, key, allow_uncompressed=signature.uncompressed)
        if form is None:
            return OwnershipProof.failed(
                f"{label}: recovered key {key.format().hex()} does not produce this {address.type} address",
                SCHEME_SINGLE, summary=f"recovered key does not produce this {address.type} address",
            )
        if signature.uncompressed and form != "P2PKH-uncompressed":
            # Header 27-30 announces an uncompressed key, but OKX always derives from the compressed
            # key; the same private key controls both addresses, so this is still a proof.
            notes.append(f"{label}: header {signature.header} says uncompressed; address is the compressed key's")
    return OwnershipProof.verified(SCHEME_SINGLE, "; ".join(notes))


def _verify_multisig(
    address: DecodedAddress,
    signatures: Sequence[tuple[str, MessageSignature]],
    digest: bytes,
    script: bytes,
    multisig: Multisig,
) -> OwnershipProof:
    """The verdict of a multisig row. `multisig` is parsed without checking that its keys are points: the
    verdict stands only once they are (parse_multisig's), and a key that a recovered key matched is one, so
    only the others are decompressed (one of three keys in a 2-of-3 row, instead of all three)."""
    known: set[bytes] = set()  # script keys known to be points
    signer_of: dict[int, str] = {}  # script key index -> first signature label that proved it

    def decided(proof: OwnershipProof) -> OwnershipProof:
        known.update(multisig.keys[index] for index in signer_of)
        if invalid_key(multisig, known) is not None:  # parse_multisig refuses the script: that verdict first
            return _not_a_multisig(address, signatures, digest, script)
        points_checked(script)
        return proof

    form = script_address_form(address, script)
    if form is None:
        return decided(OwnershipProof.failed(f"redeem script does not hash to this {address.type} address",
                                             SCHEME_MULTISIG))
    # A point's 33-byte encoding is its compressed form already: only 65-byte keys need parsing to be compared
    # with the recovered key's compressed form (and a 65-byte key that parses is a point).
    script_keys: dict[bytes, int] = {}
    for index, key in enumerate(multisig.keys):
        if len(key) == 33:
            script_keys[key] = index
            continue
        try:
            script_keys[PublicKey(key).format()] = index
        except Exception:  # not a point: parse_multisig's verdict
            return _not_a_multisig(address, signatures, digest, script)
        known.add(key)
    for label, signature in signatures:
        try:
            key = signature.recover(digest).format()
        except ValueError as exc:
            return decided(OwnershipProof.failed(f"{label}: {exc}", SCHEME_MULTISIG))
        index = script_keys.get(key)
        if index is None:
            return decided(OwnershipProof.failed(
                f"{label}: recovered key {key.hex()} is not one of the redeem script's keys", SCHEME_MULTISIG,
                summary="recovered key is not one of the redeem script's keys",
            ))
        if index in signer_of:
            return decided(OwnershipProof.failed(
                f"{label} and {signer_of[index]} were made by the same key {key.hex()}; "
                f"{multisig.m}-of-{multisig.n} needs {multisig.m} distinct signers",
                SCHEME_MULTISIG, summary="two signatures by the same key: a multisig needs distinct signers",
            ))
        signer_of[index] = label
    if len(signer_of) < multisig.m:
        return decided(OwnershipProof.failed(
            f"{multisig.m}-of-{multisig.n} {form} needs {multisig.m} signatures from distinct keys, "
            f"row has {len(signer_of)}",
            SCHEME_MULTISIG, summary=f"{form} needs more signatures from distinct keys",
        ))
    return decided(OwnershipProof.verified(SCHEME_MULTISIG))


def _verify_key_recovery(
    address: DecodedAddress, signatures: Sequence[tuple[str, MessageSignature]], digest: bytes, pubkey: bytes
) -> OwnershipProof:
    if len(signatures) != 1:
        return OwnershipProof.failed("a public key in the script column takes one signature", SCHEME_PUBKEY)
    label, signature = signatures[0]
    try:
        key = signature.recover(digest)
    except ValueError as exc:
        return OwnershipProof.failed(f"{label}: {exc}", SCHEME_PUBKEY)
    if key.format(compressed=len(pubkey) == 33) != pubkey:
        return OwnershipProof.failed(
            f"{label}: recovered key {key.format().hex()} is not the script column's key {pubkey.hex()}",
            SCHEME_PUBKEY, summary="recovered key is not the script column's key",
        )
    if key_address_form(address, key, allow_uncompressed=len(pubkey) == 65 or signature.uncompressed):
        return OwnershipProof.verified(SCHEME_PUBKEY)
    if address.type in (ScriptType.P2PKH, ScriptType.P2WPKH):
        return OwnershipProof.failed(
            f"the proven key {pubkey.hex()} does not produce this {address.type} address", SCHEME_PUBKEY,
            summary=f"the proven key does not produce this {address.type} address",
        )
    # A script address (P2SH, P2WSH, P2TR) is not a function of one key: anyone can sign with a fresh key
    # and name it here, so the row proves nothing about the address and its balance is not a proven reserve.
    needed = (
        "a BIP-322 signature is needed"
        if address.type is ScriptType.P2TR
        else "its redeem script is needed in the script column"
    )
    return OwnershipProof.unchecked(
        f"the signature proves the key {pubkey.hex()}, but a bare key cannot bind a {address.type} address "
        f"({needed}); the address is not proven",
        summary=f"a bare key cannot bind a {address.type} address ({needed})",
    )


def _is_wrapped_p2wpkh(address: DecodedAddress, script: bytes) -> bool:
    """The script column holds the P2SH-P2WPKH redeem script (OP_0 <20-byte key hash>) of this address:
    it names no more than the address does, so the row is checked as a single-key row."""
    return (
        address.type is ScriptType.P2SH
        and len(script) == 22
        and script[:2] == b"\x00\x14"
        and hash160(script) == address.hash
    )


def _signatures(row: AddressRow) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for column, text in (("signature1", row.signature1), ("signature2", row.signature2)):
        parts = [p for p in _SEPARATORS.split(text.strip()) if p]
        out += [(column if len(parts) == 1 else f"{column}[{i + 1}]", p) for i, p in enumerate(parts)]
    return out


def _hex(text: str) -> bytes:
    text = text.strip()
    text = text[2:] if text[:2].lower() == "0x" else text
    try:
        return bytes.fromhex(text)
    except ValueError:
        raise ValueError("not hex") from None


def _is_point(data: bytes) -> bool:
    try:
        PublicKey(data)
    except Exception:  # coincurve raises ValueError or a bare Exception for invalid points
        return False
    return True
