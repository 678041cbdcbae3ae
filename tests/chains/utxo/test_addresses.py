"""Address decoding per network: forms, canonical strings, and rejection of other coins' addresses."""

from __future__ import annotations

import csv
import hashlib
from pathlib import Path

import base58
import bech32m
import pytest

from auditor.assets import AssetRegistry
from chains.base import Network
from chains.registry import get_family
from chains.utxo.addresses import ScriptType, decode_address, encode_address
from chains.utxo.params import UtxoParams

REGISTRY = AssetRegistry.load()
CODES = ["BTC", "LTC", "DOGE", "BCH", "BSV", "DASH"]
SHARED_VECTORS = Path(__file__).resolve().parents[3].parent / "shared" / "data" / "vectors"
ADDRESS_VECTORS = SHARED_VECTORS / "address_vectors.csv"
HASH = hashlib.new("ripemd160", b"some key").digest()  # any 20 bytes


def network(code: str) -> Network:
    found = REGISTRY.network(code)
    assert found is not None, code
    return found


def params(code: str) -> UtxoParams:
    return UtxoParams.from_network(network(code))


def legacy(code: str, kind: str, hash_: bytes = HASH) -> str:
    version = network(code).params[kind]
    return base58.b58encode_check(bytes([version]) + hash_).decode()


FAMILY = get_family("utxo")


@pytest.mark.parametrize("code", CODES)
@pytest.mark.parametrize("kind", ["p2pkh", "p2sh"])
def test_base58_forms_decode_to_their_hash(code: str, kind: str) -> None:
    decoded = decode_address(legacy(code, kind), params(code))
    assert decoded.type == ScriptType(kind.upper())
    assert decoded.hash == HASH


@pytest.mark.parametrize("code", CODES)
@pytest.mark.parametrize("other", CODES)
def test_legacy_address_of_another_coin_is_rejected_unless_versions_coincide(code: str, other: str) -> None:
    address = legacy(other, "p2pkh")
    same_version = network(code).params["p2pkh"] == network(other).params["p2pkh"]
    if same_version:  # BTC, BCH and BSV share their legacy forms
        assert FAMILY.normalize_address(address, network(code))
    else:
        with pytest.raises(ValueError, match=f"not a {code} address"):
            FAMILY.normalize_address(address, network(code))


@pytest.mark.parametrize(("code", "hrp"), [("BTC", "bc"), ("LTC", "ltc")])
def test_segwit_forms_and_canonical_lowercase(code: str, hrp: str) -> None:
    assert network(code).params["hrp"] == hrp
    wpkh = bech32m.encode(hrp, 0, HASH)
    wsh = bech32m.encode(hrp, 0, hashlib.sha256(b"script").digest())
    tr = bech32m.encode(hrp, 1, hashlib.sha256(b"output key").digest())
    for address, kind in ((wpkh, ScriptType.P2WPKH), (wsh, ScriptType.P2WSH), (tr, ScriptType.P2TR)):
        decoded = decode_address(address.upper(), params(code))
        assert decoded.type is kind
        assert decoded.canonical == address
        assert FAMILY.normalize_address(address.upper(), network(code)) == address


def test_bip173_and_bip350_examples() -> None:
    btc = params("BTC")
    decoded = decode_address("BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4", btc)
    assert decoded.type is ScriptType.P2WPKH
    assert decoded.hash.hex() == "751e76e8199196d454941c45d1b3a323f1433bd6"
    assert decoded.output_script.hex() == "0014751e76e8199196d454941c45d1b3a323f1433bd6"
    taproot = decode_address("bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0", btc)
    assert taproot.type is ScriptType.P2TR
    assert taproot.output_script[:2] == b"\x51\x20"
    for bad in (
        "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kemeawh",  # v0 with a bech32m checksum (BIP-350)
        "bc1p38j9r5y49hruaue7wxjce0updqjuyyx0kh56v8s25huc6995vvpql3jow4",  # invalid character
        "BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3t4",  # mixed case
        "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t5",  # checksum
    ):
        with pytest.raises(ValueError):
            decode_address(bad, btc)


@pytest.mark.parametrize(
    ("address", "code"),
    [
        (bech32m.encode("ltc", 0, HASH), "BTC"),
        (bech32m.encode("bc", 0, HASH), "LTC"),
        (bech32m.encode("bc", 0, HASH), "DOGE"),
        (bech32m.encode("tb", 0, HASH), "BTC"),
        ("bitcoincash:qpm2qsznhks23z7629mms6s4cwef74vcwvy22gdx6a", "BTC"),
        ("ecash:qq8d5lh8c78sraajk2ndeqvgqjhdu58zny7etakvlm", "BCH"),
        ("", "BTC"),
        ("0x0cdcdb19a857c2ac24818ca4fdfe38cce071483e", "BTC"),
    ],
)
def test_addresses_of_other_coins_or_networks_fail_with_a_reason(address: str, code: str) -> None:
    with pytest.raises(ValueError) as caught:
        FAMILY.normalize_address(address, network(code))
    assert str(caught.value)


def test_cashaddr_specification_example_and_legacy_forms() -> None:
    bch = params("BCH")
    legacy_p2pkh, legacy_p2sh = "1BpEi6DfDAUFd7GtittLSdBeYJvcoaVggu", "3CWFddi6m4ndiGyKqzYvsFYagqDLPVMTzC"
    cash_p2pkh = "bitcoincash:qpm2qsznhks23z7629mms6s4cwef74vcwvy22gdx6a"
    cash_p2sh = "bitcoincash:ppm2qsznhks23z7629mms6s4cwef74vcwvn0h829pq"
    assert decode_address(legacy_p2pkh, bch).canonical == cash_p2pkh
    assert decode_address(legacy_p2sh, bch).canonical == cash_p2sh
    for form in (cash_p2pkh, cash_p2pkh.upper(), cash_p2pkh.removeprefix("bitcoincash:")):
        decoded = decode_address(form, bch)
        assert decoded.canonical == cash_p2pkh
        assert decoded.hash == base58.b58decode_check(legacy_p2pkh)[1:]
    with pytest.raises(ValueError, match="mixes"):
        decode_address("bitcoincash:QPM2qsznhks23z7629mms6s4cwef74vcwvy22gdx6a", bch)
    with pytest.raises(ValueError, match="checksum"):
        decode_address(cash_p2pkh[:-1] + "q", bch)


def test_cashaddr_p2sh32_round_trip() -> None:
    bch = params("BCH")
    hash32 = hashlib.sha256(b"script").digest()
    address = encode_address(ScriptType.P2SH, hash32, bch)
    decoded = decode_address(address, bch)
    assert (decoded.type, decoded.hash, decoded.canonical) == (ScriptType.P2SH, hash32, address)
    assert decoded.output_script == b"\xaa\x20" + hash32 + b"\x87"


@pytest.mark.skipif(not ADDRESS_VECTORS.exists(), reason="shared data not present")
def test_okx_address_type_vectors() -> None:
    """OKX's guesser vectors: valid ones classify the same; the two bitcoincash: strings carry ecash
    checksums (SCHEMES.md) and must be rejected by a strict decoder."""
    ecash = UtxoParams("XEC", b"\x00", b"\x05", cashaddr_prefix="ecash")
    with ADDRESS_VECTORS.open(newline="") as handle:
        rows = [r for r in csv.DictReader(handle) if r["kind"] == "address_type"]
    assert rows
    for row in rows:
        if row["coin"] == "BCH":
            with pytest.raises(ValueError):
                decode_address(row["input"], params("BCH"))
            continue
        decoded = decode_address(row["input"], ecash if row["coin"] == "XEC" else params(row["coin"]))
        assert decoded.type == row["expected"]


def test_litecoin_old_p2sh_form_is_written_in_the_current_form() -> None:
    old, current = legacy("BTC", "p2sh"), legacy("LTC", "p2sh")
    assert current.startswith("M")
    assert FAMILY.normalize_address(old, network("LTC")) == current


def test_regtest_parameters_come_from_a_config_override() -> None:
    registry = AssetRegistry.load({"networks": {"LTC": {"hrp": "rltc", "p2pkh": 0x6F, "p2sh": 0x3A}}})
    ltc = registry.network("LTC")
    assert ltc is not None
    regtest = bech32m.encode("rltc", 0, HASH)
    assert FAMILY.normalize_address(regtest, ltc) == regtest
    assert FAMILY.normalize_address(base58.b58encode_check(b"\x6f" + HASH).decode(), ltc)
    with pytest.raises(ValueError, match="rltc"):
        FAMILY.normalize_address(bech32m.encode("ltc", 0, HASH), ltc)
    assert ltc.params["message_magic"] == "Litecoin Signed Message:\n"  # untouched keys keep their values


def test_broken_registry_parameters_are_named() -> None:
    broken = Network("XYZ", "utxo", "x", "XYZ", 8, params={"p2pkh": "zz", "p2sh": 5})
    with pytest.raises(ValueError, match="p2pkh"):
        UtxoParams.from_network(broken)
    with pytest.raises(ValueError, match="missing"):
        UtxoParams.from_network(Network("XYZ", "utxo", "x", "XYZ", 8, params={"p2pkh": 0}))


def _no_decode(*args: object, **kwargs: object) -> bytes:
    raise AssertionError("base58 decoding ran on input the length bound should have refused")


def test_over_long_address_is_refused_before_decoding(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(base58, "b58decode", _no_decode)
    with pytest.raises(ValueError, match="longer than any base58 spelling"):
        decode_address("1" + "z" * 131071, UtxoParams.from_network(REGISTRY.network("BTC")))
