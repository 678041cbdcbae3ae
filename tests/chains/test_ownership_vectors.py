"""Every published ownership vector (../shared/data/vectors/ownership_vectors.csv, 134 rows) through the
pipeline's dispatch (`auditor.ownership.check_signatures`) with the real registry: each reproduces its `expect`,
a one-character change of any signed field fails, and a valid signature presented as another chain's row fails.

HTX rows run with the registry an HTX file selects (its layout's EXCHANGE_REGISTRY defaults: HTX's digests).
Vectors of a family whose folder is not in this build skip, naming the family; once every family is merged,
nothing skips but the one vector that names no chain at all.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path

import pytest

import chains
from auditor.assets import AssetRegistry
from auditor.formats.layouts import EXCHANGE_REGISTRY
from auditor.ownership import check_signatures
from chains.base import AddressRow, OwnershipProof, RowStatus
from chains.registry import FAMILIES, get_family
from tests.conftest import load_vectors

OKX_REGISTRY = AssetRegistry.load()
HTX_REGISTRY = AssetRegistry.load(defaults=EXCHANGE_REGISTRY["htx"])
VECTORS = load_vectors()
CHAINS_DIR = Path(chains.__file__).resolve().parent

# The family each vector network belongs to (SCHEMES.md), for networks this build's registry does not list yet:
# their registry file comes with their family's folder.
FAMILY_OF_NETWORK = {
    "XRP": "xrpl", "FIL": "filecoin", "FEVM": "filecoin", "ELF": "aelf", "CFX": "conflux", "LUNC": "cosmos",
    "AVAX-X": "avalanche", "SOL": "solana", "APTOS": "aptos", "SUI": "sui", "TON": "ton", "DOT": "substrate",
    "PI": "stellar", "ADA": "cardano", "NEAR": "near",
}

Predicate = Callable[[dict[str, str]], bool]


def _owner_mode(v: dict[str, str]) -> bool:
    return bool(v["eoa1"])


def _eos(v: dict[str, str]) -> bool:
    return _family_name(v) == "eos"


def _starknet(v: dict[str, str]) -> bool:
    return _family_name(v) == "starknet"


def _no_script(v: dict[str, str]) -> bool:
    return not v["script_or_pubkey"]


def _utxo_key_recovery(v: dict[str, str]) -> bool:
    """okx:common/verify_test.go's rows: signature1 alone recovers the bare key in the script column."""
    return _family_name(v) == "utxo" and not v["signature2"] and len(v["script_or_pubkey"]) == 66


# Fields whose change need not fail, and why: the field is not part of what the scheme signs or binds. Such a
# change must still never yield a proof that binds the address (the pipeline would count it as verified).
EXEMPTIONS: dict[str, list[tuple[Predicate, str]]] = {
    "address": [
        (_owner_mode, "owner mode: the signatures prove eoa1/eoa2; the contract, validator key or placeholder in "
                      "`address` is bound on chain (the proof says binds_address=False)"),
        (_eos, "okx-eos: the account name is not signed; the key must be in the account's permission on chain "
               "(unchecked)"),
    ],
    "script": [
        (_no_script, "the row has no script/public key: the key is recovered from the signature (or, for BLS, is "
                     "the address itself)"),
    ],
}

# Valid vectors whose published check proves a key, not the address (SCHEMES.md "Key only"): the UTXO family
# reports a P2SH/P2WSH address proven only by a bare key as unchecked rather than verified.
KEY_ONLY_MAY_BE_UNCHECKED: list[tuple[Predicate, str]] = [
    (_utxo_key_recovery, "okx-utxo key recovery: a bare key cannot bind a script address"),
    (_eos, "okx-eos: the key is proven; whether it is in the account's permission needs the chain"),
    (_starknet, "okx-stark: the key is proven; that it is the account's signer needs the chain"),
]


def _family_name(vector: dict[str, str]) -> str | None:
    network = _registry(vector).network(vector["network"]) if vector["network"] else None
    return network.family if network is not None else FAMILY_OF_NETWORK.get(vector["network"])


def _registry(vector: dict[str, str]) -> AssetRegistry:
    return HTX_REGISTRY if vector["source"].startswith("htx:") else OKX_REGISTRY


def _row(vector: dict[str, str]) -> AddressRow:
    return AddressRow(
        line=1, coin=vector["coin"], network=vector["network"], address=vector["address"],
        message=vector["message"], signature1=vector["signature1"], signature2=vector["signature2"],
        script=vector["script_or_pubkey"], eoa1=vector["eoa1"], eoa2=vector["eoa2"],
    )


def _require_family(vector: dict[str, str]) -> None:
    """Skip, naming the family, when its folder is not in this build; fail when the family is here but the
    registry does not know the vector's network."""
    if not vector["network"]:
        pytest.skip("vector names no chain (okx-ecdsa-pubkey TestVerifyTemplate row): a pure signature-to-key "
                    "check no chain family dispatches")
    name = _family_name(vector)
    assert name is not None, f"network {vector['network']!r} is in no family's registry"
    module = FAMILIES[name].split(":")[0]
    # get_family alone is not enough: an editable install of another checkout can supply a missing folder
    if get_family(name) is None or not (CHAINS_DIR / module.split(".")[-1]).is_dir():
        pytest.skip(f"family {name!r} ({module.replace('.', '/')}/) is not in this build")
    assert _registry(vector).network(vector["network"]) is not None, (
        f"family {name!r} is installed but the registry lacks network {vector['network']!r}")


def _check(row: AddressRow, registry: AssetRegistry) -> OwnershipProof:
    [proof] = check_signatures([row], registry)
    assert proof is not None, f"{row.network}: no verifier reached"
    return proof


def _change_one_char(text: str, index: int) -> str:
    """`text` with the character at `index` replaced by another that every encoding here accepts (hex, base58,
    base64, bech32 all contain 2 and 3)."""
    return text[:index] + ("2" if text[index] != "2" else "3") + text[index + 1:]


def _change_last_char(text: str) -> str:
    return text[:-1] + ("!" if text[-1:] != "!" else "?")


def _id(vector: dict[str, str]) -> str:
    return f"{vector['source']}:{vector['network'] or '-'}:{vector['address'][:14]}"


def test_corpus_is_complete():
    if not VECTORS:
        pytest.skip("../shared vectors not available")
    assert len(VECTORS) == 134
    assert sum(v["expect"] == "valid" for v in VECTORS) == 131


@pytest.mark.parametrize("vector", VECTORS, ids=_id)
def test_vector_reproduces_its_expect(vector):
    _require_family(vector)
    proof = _check(_row(vector), _registry(vector))
    if vector["expect"] == "invalid":
        assert proof.status == RowStatus.FAILED, proof
        assert proof.reason.strip()
        return
    allowed = {RowStatus.VERIFIED}
    if any(rule(vector) for rule, _why in KEY_ONLY_MAY_BE_UNCHECKED):
        allowed.add(RowStatus.UNCHECKED)
    assert proof.status in allowed, proof
    assert proof.scheme or proof.status == RowStatus.UNCHECKED


def _mutations(vector: dict[str, str]) -> dict[str, AddressRow]:
    row = _row(vector)
    mutations = {
        "signature1": dataclasses.replace(row, signature1=_change_one_char(row.signature1, len(row.signature1) // 3)),
        "message": dataclasses.replace(row, message=_change_last_char(row.message)),
    }
    if row.address:
        mutations["address"] = dataclasses.replace(row, address=_change_one_char(row.address, len(row.address) // 2))
    if row.script:
        mutations["script"] = dataclasses.replace(row, script=_change_one_char(row.script, len(row.script) // 2))
    if row.eoa1:
        mutations["eoa1"] = dataclasses.replace(row, eoa1=_change_one_char(row.eoa1.lower(), len(row.eoa1) // 2))
    return mutations


@pytest.mark.parametrize("field", ["signature1", "message", "address", "script", "eoa1"])
@pytest.mark.parametrize("vector", VECTORS, ids=_id)
def test_one_character_change_fails(vector, field):
    _require_family(vector)
    exempt = [why for rule, why in EXEMPTIONS.get(field, []) if rule(vector)]
    mutated = _mutations(vector).get(field)
    if mutated is None:
        assert field in ("eoa1",) or exempt, f"{field} is empty in this vector but has no exemption"
        pytest.skip(f"{field}: not in this vector ({'; '.join(exempt) or 'no owner mode'})")
    proof = _check(mutated, _registry(vector))
    if exempt:
        assert not (proof.status == RowStatus.VERIFIED and proof.binds_address), (exempt, proof)
    else:
        assert proof.status == RowStatus.FAILED, proof
        assert proof.reason.strip()


# Families whose rows sign the very same bytes (SCHEMES.md 4 and 6): a signature valid on one is, by design,
# a valid signature on the others, and only the address form tells them apart. "Another chain" below means
# one of a different signing scheme.
SCHEME_OF_FAMILY = {
    **dict.fromkeys(("solana", "aptos", "sui", "ton", "substrate", "stellar", "cardano", "near"), "okx-ed25519"),
    **dict.fromkeys(("xrpl", "filecoin", "aelf", "conflux", "cosmos", "avalanche"), "okx-ecdsa"),
}


def _other_scheme_networks(registry: AssetRegistry, family: str) -> list[str]:
    """One network of each installed family of another signing scheme, the first code in sorted order."""
    own = SCHEME_OF_FAMILY.get(family, family)
    chosen: dict[str, str] = {}
    for code in sorted(registry.networks):
        other = registry.networks[code].family
        scheme = SCHEME_OF_FAMILY.get(other, other)
        if scheme != own and other not in chosen and get_family(other) is not None:
            chosen[other] = code
    return sorted(chosen.values())


@pytest.mark.parametrize("vector", [v for v in VECTORS if v["expect"] == "valid"], ids=_id)
def test_valid_signature_fails_on_another_chain(vector):
    _require_family(vector)
    registry = _registry(vector)
    family = _family_name(vector)
    targets = _other_scheme_networks(registry, family)
    assert len(targets) >= 2
    for code in targets:
        proof = _check(dataclasses.replace(_row(vector), coin="", network=code), registry)
        # FAILED, or UNCHECKED where the other family refuses the row's shape (e.g. APTOS with an eoa2): never
        # a proof.
        assert proof.status in (RowStatus.FAILED, RowStatus.UNCHECKED) and proof.reason, (code, proof)


@pytest.mark.parametrize("vector", [v for v in VECTORS if v["expect"] == "valid"], ids=_id)
def test_a_lone_surrogate_in_the_message_fails_on_field_message(vector):
    """Every family encodes the message through AddressRow.message_utf8: the row fails naming the message, never
    a signature and never with an exception."""
    _require_family(vector)
    row = dataclasses.replace(_row(vector), message=vector["message"] + "\ud800")
    proof = _check(row, _registry(vector))
    assert proof.status == RowStatus.FAILED and proof.reason.startswith("field 'message'"), proof
