"""Ownership proofs of UTXO rows: the published OKX/HTX vectors, their mutations, and rows signed here
with generated keys for every supported address form on BTC, LTC, DOGE, BCH (and BSV, DASH)."""

from __future__ import annotations

import base64
import csv
import dataclasses
import hashlib
from pathlib import Path

import base58
import bech32m
import pytest
from coincurve import PrivateKey

from auditor.assets import AssetRegistry
from chains.base import AddressRow, Endpoint, Network, RowStatus, Token
from chains.registry import get_family
from chains.utxo.query import detail_of

REGISTRY = AssetRegistry.load()
FAMILY = get_family("utxo")
VECTORS = Path(__file__).resolve().parents[3].parent / "shared" / "data" / "vectors" / "ownership_vectors.csv"
UTXO_NETWORKS = {"BTC", "BCH", "BSV", "LTC", "DOGE", "DASH"}
MESSAGE = "I am an auditor test address"


def network(code: str) -> Network:
    found = REGISTRY.network(code)
    assert found is not None, code
    return found


def verify(row: AddressRow, code: str | None = None):
    return FAMILY.verify_ownership(row, network(code or row.network))


# --- an independent signer: what a wallet's signmessage produces --------------------------------------------


def sha256(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def hash160(data: bytes) -> bytes:
    return hashlib.new("ripemd160", sha256(data)).digest()


def sign(key: PrivateKey, message: str, code: str, header_base: int = 31, magic: str | None = None) -> str:
    """Base64 compact signature; header_base 27 uncompressed, 31 compressed, 35/39 BIP-137 segwit."""
    magic_bytes = (magic or network(code).params["message_magic"]).encode()
    text = message.encode()
    assert len(magic_bytes) < 253 and len(text) < 253
    digest = sha256(sha256(bytes([len(magic_bytes)]) + magic_bytes + bytes([len(text)]) + text))
    compact = key.sign_recoverable(digest, hasher=None)  # r || s || recovery id
    return base64.b64encode(bytes([header_base + compact[64]]) + compact[:64]).decode()


def b58(code: str, kind: str, payload: bytes) -> str:
    return base58.b58encode_check(bytes([network(code).params[kind]]) + payload).decode()


def multisig_script(m: int, keys: list[PrivateKey]) -> bytes:
    pushes = b"".join(b"\x21" + k.public_key.format() for k in keys)
    return bytes([0x50 + m]) + pushes + bytes([0x50 + len(keys)]) + b"\xae"


def single_key_addresses(code: str, key: PrivateKey) -> dict[str, str]:
    compressed = key.public_key.format()
    forms = {
        "P2PKH": b58(code, "p2pkh", hash160(compressed)),
        "P2PKH-uncompressed": b58(code, "p2pkh", hash160(key.public_key.format(compressed=False))),
    }
    hrp = network(code).params.get("hrp")
    if hrp:
        forms["P2SH-P2WPKH"] = b58(code, "p2sh", hash160(b"\x00\x14" + hash160(compressed)))
        forms["P2WPKH"] = bech32m.encode(hrp, 0, hash160(compressed))
    return forms


def script_addresses(code: str, script: bytes) -> dict[str, str]:
    forms = {"P2SH": b58(code, "p2sh", hash160(script))}
    hrp = network(code).params.get("hrp")
    if hrp:
        forms["P2WSH"] = bech32m.encode(hrp, 0, sha256(script))
        forms["P2SH-P2WSH"] = b58(code, "p2sh", hash160(b"\x00\x20" + sha256(script)))
    return forms


def row(code: str, address: str, *signatures: str, script: bytes | str = b"", message: str = MESSAGE):
    sig1, sig2 = [*signatures, "", ""][:2]
    if len(signatures) > 2:  # more than two signers: the second column carries the rest, space-separated
        sig2 = " ".join(signatures[1:])
    return AddressRow(
        line=1,
        coin=code,
        network=code,
        address=address,
        message=message,
        signature1=sig1,
        signature2=sig2,
        script=script.hex() if isinstance(script, bytes) else script,
    )


def keys(n: int) -> list[PrivateKey]:
    return [PrivateKey() for _ in range(n)]


COINS = ["BTC", "LTC", "DOGE", "BCH", "BSV", "DASH"]


# --- generated keys -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("code", COINS)
def test_single_key_forms_verify_and_bind_the_address(code: str) -> None:
    key, other = keys(2)
    for form, address in single_key_addresses(code, key).items():
        header = 27 if form == "P2PKH-uncompressed" else 31
        proof = verify(row(code, address, sign(key, MESSAGE, code, header)))
        assert proof.status is RowStatus.VERIFIED, (form, proof)
        wrong_key = verify(row(code, address, sign(other, MESSAGE, code, header)))
        assert wrong_key.status is RowStatus.FAILED and "does not produce" in wrong_key.reason
        edited = verify(row(code, address, sign(key, MESSAGE, code, header), message=MESSAGE + "!"))
        assert edited.status is RowStatus.FAILED


@pytest.mark.parametrize("code", ["BTC", "LTC"])
def test_bip137_segwit_headers_are_accepted(code: str) -> None:
    key = PrivateKey()
    addresses = single_key_addresses(code, key)
    for form, base in (("P2SH-P2WPKH", 35), ("P2WPKH", 39)):
        assert verify(row(code, addresses[form], sign(key, MESSAGE, code, base))).status is RowStatus.VERIFIED


def test_script_column_may_repeat_what_the_address_says() -> None:
    """OKX rows sometimes carry the output script (a BSV row) or the nested-segwit redeem script."""
    key = PrivateKey()
    addresses = single_key_addresses("BTC", key)
    key_hash = hash160(key.public_key.format())
    signature = sign(key, MESSAGE, "BTC")
    for address, script in (
        (addresses["P2PKH"], b"\x76\xa9\x14" + key_hash + b"\x88\xac"),
        (addresses["P2SH-P2WPKH"], b"\x00\x14" + key_hash),
        (addresses["P2WPKH"], b"\x00\x14" + key_hash),
    ):
        assert verify(row("BTC", address, signature, script=script)).status is RowStatus.VERIFIED
    other_hash = b"\x76\xa9\x14" + bytes(20) + b"\x88\xac"
    assert verify(row("BTC", addresses["P2PKH"], signature, script=other_hash)).status is RowStatus.FAILED


def test_header_flag_decides_whether_the_uncompressed_key_may_produce_a_p2pkh_address() -> None:
    key = PrivateKey()
    addresses = single_key_addresses("BTC", key)
    # Compressed header: only the compressed key's address.
    compressed_header = verify(row("BTC", addresses["P2PKH-uncompressed"], sign(key, MESSAGE, "BTC", 31)))
    assert compressed_header.status is RowStatus.FAILED
    # Uncompressed header: its own address, and (as OKX derives) the compressed key's, with a note.
    lenient = verify(row("BTC", addresses["P2PKH"], sign(key, MESSAGE, "BTC", 27)))
    assert lenient.status is RowStatus.VERIFIED and "uncompressed" in lenient.reason


@pytest.mark.parametrize("code", COINS)
def test_another_coins_magic_fails(code: str) -> None:
    key = PrivateKey()
    address = single_key_addresses(code, key)["P2PKH"]
    wrong_magic = "Litecoin Signed Message:\n" if code != "LTC" else "Bitcoin Signed Message:\n"
    proof = verify(row(code, address, sign(key, MESSAGE, code, magic=wrong_magic)))
    assert proof.status is RowStatus.FAILED


@pytest.mark.parametrize("code", COINS)
@pytest.mark.parametrize(("m", "n"), [(2, 3), (3, 5), (1, 2)])
def test_multisig_rows_need_m_distinct_signers_from_the_script(code: str, m: int, n: int) -> None:
    signers = keys(n)
    script = multisig_script(m, signers)
    outsider = PrivateKey()
    for form, address in script_addresses(code, script).items():
        sigs = [sign(k, MESSAGE, code) for k in signers]
        good = verify(row(code, address, *sigs[-m:], script=script))
        assert good.status is RowStatus.VERIFIED, (form, good)
        assert good.scheme == "utxo-signmessage-multisig"
        if m > 1:
            too_few = verify(row(code, address, *sigs[: m - 1], script=script))
            assert too_few.status is RowStatus.FAILED and "distinct" in too_few.reason
            copies = verify(row(code, address, *([sigs[0]] * m), script=script))
            assert copies.status is RowStatus.FAILED and "same key" in copies.reason
            # The same signer signing twice (two different valid signatures) is still one signer.
            again = sign(signers[0], MESSAGE, code, header_base=27)
            twice = verify(row(code, address, sigs[0], again, *sigs[1 : m - 1], script=script))
            assert twice.status is RowStatus.FAILED
        stranger = verify(row(code, address, *sigs[: m - 1], sign(outsider, MESSAGE, code), script=script))
        assert stranger.status is RowStatus.FAILED and "not one of" in stranger.reason
        other_script = multisig_script(m, keys(n))
        unbound = verify(row(code, address, *sigs[:m], script=other_script))
        assert unbound.status is RowStatus.FAILED and "does not hash" in unbound.reason


def test_bch_rows_in_cashaddr_form() -> None:
    key = PrivateKey()
    cash = FAMILY.normalize_address(single_key_addresses("BCH", key)["P2PKH"], network("BCH"))
    assert cash.startswith("bitcoincash:q")
    for form in (cash, cash.removeprefix("bitcoincash:"), cash.upper()):
        assert verify(row("BCH", form, sign(key, MESSAGE, "BCH"))).status is RowStatus.VERIFIED
    signers = keys(3)
    script = multisig_script(2, signers)
    p2sh = FAMILY.normalize_address(script_addresses("BCH", script)["P2SH"], network("BCH"))
    assert p2sh.startswith("bitcoincash:p")
    sigs = [sign(k, MESSAGE, "BCH") for k in signers[:2]]
    assert verify(row("BCH", p2sh, *sigs, script=script)).status is RowStatus.VERIFIED
    ecash = p2sh.replace("bitcoincash:", "ecash:")  # another chain's prefix (and so a bad checksum)
    assert verify(row("BCH", ecash, *sigs, script=script)).status is RowStatus.FAILED


def test_sixteen_of_twenty_p2wsh() -> None:
    signers = keys(20)
    script = bytes([0x60]) + b"".join(b"\x21" + k.public_key.format() for k in signers) + b"\x01\x14\xae"
    address = script_addresses("BTC", script)["P2WSH"]
    sigs = [sign(k, MESSAGE, "BTC") for k in signers[4:]]
    assert verify(row("BTC", address, *sigs, script=script)).status is RowStatus.VERIFIED
    assert verify(row("BTC", address, *sigs[1:], script=script)).status is RowStatus.FAILED


def test_key_recovery_rows() -> None:
    key, other = keys(2)
    sig = sign(key, MESSAGE, "BTC")
    pubkey = key.public_key.format().hex()
    p2pkh = single_key_addresses("BTC", key)["P2PKH"]
    assert verify(row("BTC", p2pkh, sig, script=pubkey)).reason == ""  # full proof: the key makes the address
    for form, address in single_key_addresses("BTC", key).items():
        if form != "P2PKH-uncompressed":
            assert verify(row("BTC", address, sig, script=pubkey)).status is RowStatus.VERIFIED, form
    p2sh = script_addresses("BTC", multisig_script(2, [key, *keys(2)]))["P2SH"]
    partial = verify(row("BTC", p2sh, sig, script=pubkey))  # the key is one of the script's, but unproven
    assert partial.status is RowStatus.UNCHECKED and f"proves the key {pubkey}" in partial.reason
    wrong_key = verify(row("BTC", p2sh, sig, script=other.public_key.format().hex()))
    assert wrong_key.status is RowStatus.FAILED
    unrelated_p2pkh = single_key_addresses("BTC", other)["P2PKH"]
    assert verify(row("BTC", unrelated_p2pkh, sig, script=pubkey)).status is RowStatus.FAILED
    unrelated_p2wpkh = single_key_addresses("BTC", other)["P2WPKH"]
    assert verify(row("BTC", unrelated_p2wpkh, sig, script=pubkey)).status is RowStatus.FAILED


@pytest.mark.parametrize(
    "victim",
    [
        "34xp4vRoCGJym3xR7yCVPFHoCNxv4Twseo",  # a large P2SH cold wallet the signer has nothing to do with
        "bc1qwqdg6squsna38e46795at95yu9atm8azzmyvckulcc7kytlcckxswvvzej",  # an unrelated P2WSH address
        bech32m.encode("bc", 1, PrivateKey().public_key.format()[1:]),  # an unrelated taproot address
    ],
)
def test_a_bare_key_cannot_claim_a_script_address(victim: str) -> None:
    """The attack: sign with a fresh key, put that key in the script column, name someone else's
    script address. The signature is good for the key, but nothing ties the key to the address."""
    attacker = PrivateKey()
    pubkey = attacker.public_key.format().hex()
    proof = verify(row("BTC", victim, sign(attacker, MESSAGE, "BTC"), script=pubkey))
    assert proof.status is not RowStatus.VERIFIED
    assert proof.status is RowStatus.UNCHECKED and "cannot bind" in proof.reason and pubkey in proof.reason


def test_taproot_needs_bip322() -> None:
    key = PrivateKey()
    address = bech32m.encode("bc", 1, key.public_key.format()[1:])
    proof = verify(row("BTC", address, sign(key, MESSAGE, "BTC")))
    assert proof.status is RowStatus.FAILED and "BIP-322" in proof.reason


@pytest.mark.parametrize(
    ("signature", "script", "reason"),
    [
        ("", "", "no signature"),
        ("not base64!", "", "base64"),
        (base64.b64encode(bytes([26]) + bytes(64)).decode(), "", "header"),
        (base64.b64encode(bytes([31]) + bytes(64)).decode(), "", "range"),
        ("0x" + "11" * 65, "", "hex"),
        ("AAAA", "zz", "not hex"),
        (base64.b64encode(bytes([31]) + bytes(64)).decode(), "52ae", "neither"),
    ],
)
def test_malformed_rows_fail_with_a_reason(signature: str, script: str, reason: str) -> None:
    address = single_key_addresses("BTC", PrivateKey())["P2PKH"]
    proof = verify(row("BTC", address, signature, script=script))
    assert proof.status is RowStatus.FAILED
    assert reason in proof.reason


def test_balance_query_carries_multisig_scripts_only() -> None:
    signers = keys(3)
    script = multisig_script(2, signers)
    btc = Token("BTC", "BTC", "BTC", None, 8)
    address = script_addresses("BTC", script)["P2WSH"]
    query = FAMILY.balance_query(row("BTC", address, script="0x" + script.hex().upper()), btc, address)
    assert (query.address, query.contract, detail_of(query).script) == (address, None, script.hex())
    bare_key = FAMILY.balance_query(row("BTC", address, script=signers[0].public_key.format().hex()), btc, address)
    assert detail_of(bare_key).script == ""


def test_open_adapter_delegates_to_the_backends_module() -> None:
    endpoint = Endpoint(url="http://127.0.0.1:1", backend="no-such-backend", display="http://127.0.0.1:1")
    with pytest.raises(ValueError, match="no-such-backend"):
        FAMILY.open_adapter(network("BTC"), endpoint)


# --- published vectors ----------------------------------------------------------------------------------------


def published_rows() -> list[tuple[AddressRow, bool]]:
    if not VECTORS.exists():
        return []
    with VECTORS.open(newline="") as handle:
        records = [r for r in csv.DictReader(handle) if r["network"] in UTXO_NETWORKS]
    return [
        (
            AddressRow(
                line=i,
                coin=r["coin"],
                network=r["network"],
                address=r["address"],
                message=r["message"],
                signature1=r["signature1"],
                signature2=r["signature2"],
                script=r["script_or_pubkey"],
            ),
            r["expect"] == "valid",
        )
        for i, r in enumerate(records, start=2)
    ]


PUBLISHED = published_rows()
needs_vectors = pytest.mark.skipif(not PUBLISHED, reason="shared vectors not present")


def is_bare_key(published: AddressRow) -> bool:
    return len(published.script) == 66 and published.script[:2] in ("02", "03")


def is_script_address(published: AddressRow) -> bool:
    """P2SH (base58 version byte p2sh) or P2WSH (32-byte program)."""
    if published.address.startswith("bc1"):
        return len(published.address) == 62
    params = network(published.network).params
    return base58.b58decode_check(published.address)[0] in (params["p2sh"], *params.get("p2sh_alt", []))


def expected_status(published: AddressRow, valid: bool) -> RowStatus:
    """Key-recovery rows (SCHEMES.md section 3) are "valid" when signature1 recovers the key in the
    script column; a bare key cannot bind a P2SH/P2WSH address, so those rows stay unchecked."""
    if not valid:
        return RowStatus.FAILED
    if is_bare_key(published) and is_script_address(published):
        return RowStatus.UNCHECKED
    return RowStatus.VERIFIED


@needs_vectors
def test_published_vectors_reproduce_their_expected_outcome() -> None:
    assert len(PUBLISHED) == 29  # 22 okx-utxo + 7 htx-btc
    for published, valid in PUBLISHED:
        proof = verify(published)
        assert proof.status is expected_status(published, valid), (published, proof)


@needs_vectors
def test_published_key_recovery_rows() -> None:
    """The 6 rows of okx:common/verify_test.go: the two P2PKH ones are full proofs; the four P2SH/P2WSH
    ones prove their key only."""
    key_rows = [p for p, valid in PUBLISHED if valid and is_bare_key(p)]
    assert len(key_rows) == 6
    verified = [p for p in key_rows if verify(p).status is RowStatus.VERIFIED]
    assert sorted(p.address for p in verified) == [
        "1DcT5Wij5tfb3oVViF8mA8p4WrG98ahZPT",
        "1Hgc1DnWHwfXFxruej4H5g3ThsCzUEwLdD",
    ]
    for published in key_rows:
        if published in verified:
            continue
        proof = verify(published)
        assert proof.status is RowStatus.UNCHECKED, (published, proof)
        assert f"proves the key {published.script}" in proof.reason and "cannot bind" in proof.reason


def flip_byte(signature: str, index: int) -> str:
    raw = bytearray(base64.b64decode(signature))
    raw[index] ^= 0x01
    return base64.b64encode(bytes(raw)).decode()


def change_char(address: str) -> str:
    i = len(address) // 2
    return address[:i] + ("2" if address[i] != "2" else "3") + address[i + 1 :]


@needs_vectors
def test_every_mutation_of_a_valid_vector_fails() -> None:
    for published, valid in PUBLISHED:
        if not valid:
            continue
        mutations = [
            dataclasses.replace(published, message=published.message + "."),
            dataclasses.replace(published, address=change_char(published.address)),
            dataclasses.replace(published, signature1=flip_byte(published.signature1, 40)),
            dataclasses.replace(published, signature1=flip_byte(published.signature1, 0)),
        ]
        if published.signature2:
            mutations.append(dataclasses.replace(published, signature2=flip_byte(published.signature2, 10)))
        for mutated in mutations:
            assert verify(mutated).status is RowStatus.FAILED, mutated


@needs_vectors
def test_published_multisig_rows_with_a_copied_signature_fail() -> None:
    multisig = [p for p, valid in PUBLISHED if valid and p.signature2]
    assert len(multisig) >= 10
    for published in multisig:
        for copy in (published.signature1, published.signature2):
            proof = verify(dataclasses.replace(published, signature1=copy, signature2=copy))
            assert proof.status is RowStatus.FAILED and "same key" in proof.reason


@needs_vectors
def test_published_rows_fail_on_another_coin() -> None:
    """LTC/DOGE/DASH rows under BTC and BTC rows under LTC: address versions or magic differ."""
    for published, valid in PUBLISHED:
        if not valid:
            continue
        other = "LTC" if published.network in ("BTC", "BCH", "BSV") else "BTC"
        assert verify(published, other).status is RowStatus.FAILED, published


@pytest.mark.parametrize("bad_at", [0, 1, 2])
@pytest.mark.parametrize("size", [33, 65])
def test_a_script_key_that_is_no_point_fails_the_row_whatever_the_signatures(bad_at: int, size: int) -> None:
    """Keys that a recovered key matched are not decompressed again (they are points); the others are, and
    a script with a key off the curve gets parse_multisig's verdict, naming that key, as every such row did
    when all keys were parsed up front: signed by the valid keys, by an outsider, or not bound to the address."""
    code = "LTC"
    signers = keys(3)
    bad = (b"\x02" + bytes(32)) if size == 33 else (b"\x04" + bytes(64))
    # rebuild the script with the bad key (and its push length) at `bad_at`
    parts = [k.public_key.format() for k in signers]
    parts[bad_at] = bad
    script = bytes([0x52]) + b"".join(bytes([len(p)]) + p for p in parts) + bytes([0x53, 0xAE])
    good_signers = [k for i, k in enumerate(signers) if i != bad_at]
    expected = f"redeem script key {bad_at + 1} is not a valid secp256k1 point"
    for address in script_addresses(code, script).values():
        for sigs in ([sign(k, MESSAGE, code) for k in good_signers], [sign(PrivateKey(), MESSAGE, code)] * 2,
                     [sign(good_signers[0], MESSAGE, code)]):
            proof = verify(row(code, address, *sigs, script=script))
            assert proof.status is RowStatus.FAILED
            assert expected in proof.reason and "neither a multisig redeem script" in proof.reason
    other = script_addresses(code, multisig_script(2, keys(3)))["P2WSH"]
    unbound = verify(row(code, other, *[sign(k, MESSAGE, code) for k in good_signers], script=script))
    assert expected in unbound.reason


def test_a_checked_script_is_not_parsed_again_for_its_balance_query() -> None:
    """After a verified multisig row, its balance query finds the script's keys known to be points."""
    from chains.utxo import scripts

    code = "LTC"
    signers = keys(3)
    script = multisig_script(2, signers)
    address = script_addresses(code, script)["P2WSH"]
    proof = verify(row(code, address, *[sign(k, MESSAGE, code) for k in signers[:2]], script=script))
    assert proof.status is RowStatus.VERIFIED
    assert script in scripts._points_checked
    assert scripts.parse_multisig(script).keys == tuple(k.public_key.format() for k in signers)
