"""bitcoinlib as an independent oracle of chains/utxo: it derives the addresses (P2PKH, P2SH-P2WPKH, P2WPKH,
and 2-of-3 multisig as P2SH, P2WSH, P2SH-P2WSH), the redeem and locking scripts, and signs the message with
each coin's magic, from the same keys, on BTC's and LTC's parameters; chains/utxo must decode every address to
bitcoinlib's output script, verify every row and reject what does not belong together.

bitcoinlib is pure Python (its own curve arithmetic, base58, bech32, script builder), so agreeing with it is
agreeing with a second implementation, not with coincurve or our own encoders again."""

from __future__ import annotations

import importlib
import os
import warnings

import pytest

from auditor.assets import AssetRegistry
from auditor.demo.signing import demo_key
from chains.base import AddressRow, RowStatus
from chains.registry import get_family
from chains.utxo.addresses import decode_address
from chains.utxo.params import UtxoParams
from chains.utxo.scripts import parse_multisig, script_address_form

REGISTRY = AssetRegistry.load()
FAMILY = get_family("utxo")
MESSAGE = "I am an auditor test address"
BITCOINLIB_NETWORK = {"BTC": "bitcoin", "LTC": "litecoin"}


@pytest.fixture(scope="module")
def bitcoinlib(tmp_path_factory):
    """bitcoinlib's modules, with its data directory (created on import) in a temporary folder, not ~."""
    previous = os.environ.get("BCL_DATA_DIR")
    os.environ["BCL_DATA_DIR"] = str(tmp_path_factory.mktemp("bitcoinlib"))
    try:
        with warnings.catch_warnings():  # its database layer uses SQLAlchemy 1.x names (not ours to fix)
            warnings.simplefilter("ignore", DeprecationWarning)
            modules = {name: importlib.import_module(f"bitcoinlib.{name}")
                       for name in ("keys", "scripts", "transactions")}
    finally:
        if previous is None:
            os.environ.pop("BCL_DATA_DIR", None)
        else:
            os.environ["BCL_DATA_DIR"] = previous
    return modules


def _keys(bitcoinlib, code: str, labels: list[str]):
    return [bitcoinlib["keys"].Key(demo_key(f"oracle/{label}").secret.hex(), network=BITCOINLIB_NETWORK[code])
            for label in labels]


def _address(bitcoinlib, code: str, data: bytes, script_type: str) -> str:
    encoding = "bech32" if script_type in ("p2wpkh", "p2wsh") else "base58"
    return bitcoinlib["keys"].Address(data, script_type=script_type, encoding=encoding,
                                      network=BITCOINLIB_NETWORK[code]).address


def _locking_script(bitcoinlib, code: str, address: str) -> bytes:
    return bitcoinlib["transactions"].Output(0, address=address, network=BITCOINLIB_NETWORK[code]).lock_script


def _signature(key, message: str = MESSAGE) -> str:
    """BIP-137 base64 signature over the coin's signed-message magic (bitcoinlib's message_magic)."""
    return key.sign_message(message.encode()).as_base64()


def _row(code: str, address: str, *signatures: str, script: bytes = b"") -> AddressRow:
    return AddressRow(line=1, coin=code, network=code, address=address, message=MESSAGE,
                      signature1=signatures[0], signature2=" ".join(signatures[1:]), script=script.hex())


def _verify(code: str, row: AddressRow):
    network = REGISTRY.network(code)
    assert network is not None
    return FAMILY.verify_ownership(row, network)


def _params(code: str) -> UtxoParams:
    network = REGISTRY.network(code)
    assert network is not None
    return UtxoParams.from_network(network)


SINGLE_KEY_FORMS = {"p2pkh": "P2PKH", "p2sh_p2wpkh": "P2SH", "p2wpkh": "P2WPKH"}  # bitcoinlib -> our ScriptType
MULTISIG_FORMS = {"p2sh": "P2SH", "p2wsh": "P2WSH", "p2sh_p2wsh": "P2SH-P2WSH"}  # bitcoinlib -> our form name


@pytest.mark.parametrize("code", ["BTC", "LTC"])
def test_single_key_addresses_scripts_and_signatures_agree_with_bitcoinlib(bitcoinlib, code):
    key, stranger = _keys(bitcoinlib, code, [f"{code}/single", f"{code}/stranger"])
    signature = _signature(key)
    assert _signature(key) == signature  # RFC 6979: the oracle is deterministic
    for script_type, ours in SINGLE_KEY_FORMS.items():
        address = _address(bitcoinlib, code, key.public_byte, script_type)
        decoded = decode_address(address, _params(code))
        assert (decoded.type, decoded.canonical) == (ours, address), script_type
        assert decoded.output_script == _locking_script(bitcoinlib, code, address), script_type
        proof = _verify(code, _row(code, address, signature))
        assert proof.status is RowStatus.VERIFIED, (script_type, proof)
        wrong = _verify(code, _row(code, address, _signature(stranger)))
        assert wrong.status is RowStatus.FAILED and "does not produce" in wrong.reason, (script_type, wrong)


@pytest.mark.parametrize("code", ["BTC", "LTC"])
def test_multisig_redeem_scripts_addresses_and_signers_agree_with_bitcoinlib(bitcoinlib, code):
    keys = _keys(bitcoinlib, code, [f"{code}/cosigner-{i}" for i in range(3)])
    redeem = bitcoinlib["scripts"].Script(keys=keys, sigs_required=2, script_types=["multisig"]).serialize()
    multisig = parse_multisig(redeem)
    assert (multisig.m, multisig.keys) == (2, tuple(k.public_byte for k in keys))
    signatures = [_signature(k) for k in keys]
    (outsider,) = _keys(bitcoinlib, code, [f"{code}/outsider"])
    for script_type, form in MULTISIG_FORMS.items():
        address = _address(bitcoinlib, code, redeem, script_type)
        decoded = decode_address(address, _params(code))
        assert decoded.canonical == address and script_address_form(decoded, redeem) == form, script_type
        assert decoded.output_script == _locking_script(bitcoinlib, code, address), script_type
        proof = _verify(code, _row(code, address, signatures[2], signatures[0], script=redeem))
        assert proof.status is RowStatus.VERIFIED and proof.scheme == "utxo-signmessage-multisig", (form, proof)
        one_short = _verify(code, _row(code, address, signatures[1], script=redeem))
        assert one_short.status is RowStatus.FAILED, form
        stranger = _verify(code, _row(code, address, signatures[0], _signature(outsider), script=redeem))
        assert stranger.status is RowStatus.FAILED and "not one of" in stranger.reason, form


def test_one_coins_addresses_and_signatures_do_not_pass_as_the_others(bitcoinlib):
    (btc_key,) = _keys(bitcoinlib, "BTC", ["cross"])
    (ltc_key,) = _keys(bitcoinlib, "LTC", ["cross"])  # the same secret, Litecoin's parameters and magic
    for script_type in SINGLE_KEY_FORMS:
        ltc_address = _address(bitcoinlib, "LTC", ltc_key.public_byte, script_type)
        with pytest.raises(ValueError, match="not a BTC address"):
            decode_address(ltc_address, _params("BTC"))
    btc_address = _address(bitcoinlib, "BTC", btc_key.public_byte, "p2pkh")
    ltc_signature = _signature(ltc_key)  # the right key, over "Litecoin Signed Message:\n"
    assert _verify("BTC", _row("BTC", btc_address, _signature(btc_key))).status is RowStatus.VERIFIED
    assert _verify("BTC", _row("BTC", btc_address, ltc_signature)).status is RowStatus.FAILED
