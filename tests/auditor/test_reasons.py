"""auditor/reasons.py and how reasons travel: typed from the ownership proof through the row result into the
report's grouping, never recovered from their words; over-long fields cut with their length and sha256."""

from __future__ import annotations

import csv
import hashlib
import pickle

from auditor.aggregate import Aggregator
from auditor.assets import AssetRegistry
from auditor.findings import FindingLog
from auditor.ownership import check_signatures, prove_ownership
from auditor.reasons import Reason, ReasonKind, cut, dump, load
from chains.base import AddressRow, OwnershipProof, RowStatus
from tests.conftest import SHARED

REGISTRY = AssetRegistry.load()
VECTORS = SHARED / "vectors" / "ownership_vectors.csv"


def _vectors(*coins: str) -> list[dict[str, str]]:
    with VECTORS.open(newline="", encoding="utf-8") as handle:
        return [v for v in csv.DictReader(handle) if v["coin"] in coins and v["expect"] == "valid"]


def _row(line: int, vector: dict[str, str], address: str | None = None) -> AddressRow:
    return AddressRow(line, vector["coin"], vector["network"], address or vector["address"],
                      message=vector["message"], signature1=vector["signature1"], signature2=vector["signature2"],
                      script=vector["script_or_pubkey"])


def test_rows_failing_alike_group_under_one_reason_whatever_their_particulars() -> None:
    # OKX's SOL vector signed for other addresses: each row's words name its own address.
    vector = _vectors("SOL")[0]
    first, second = "11111111111111111111111111111111", "So11111111111111111111111111111111111111112"
    rows = [_row(2, vector, first), _row(3, vector, second)]
    aggregator = Aggregator(REGISTRY, FindingLog())
    results = [prove_ownership(row, REGISTRY, proof) for row, proof in zip(rows, check_signatures(rows, REGISTRY),
                                                                               strict=True)]
    assert all(r.status == RowStatus.FAILED for r in results)
    assert first in results[0].reason and second in results[1].reason
    for result in results:
        aggregator.add(result)
    assert sum(aggregator.reasons["failed"].values()) == 2 and len(aggregator.reasons["failed"]) == 1
    group = next(iter(aggregator.reasons["failed"]))
    assert "field 'address'" in group and first not in group and second not in group


def test_the_report_groups_by_the_reason_that_explains_the_status_not_a_note() -> None:
    row = AddressRow(2, "ETH", "ETH", "0x" + "11" * 20, message="m", signature1="x")
    noted = OwnershipProof.verified("evm", "a note the family adds")
    result = prove_ownership(row, REGISTRY, noted)
    result.status = RowStatus.UNCHECKED
    result.note(Reason(ReasonKind.ADDRESS_UNREAD, "balance not read: no endpoint"))
    assert result.reasons[0].kind is ReasonKind.PROOF_NOTE and result.primary.kind is ReasonKind.ADDRESS_UNREAD
    # a stage's words alone (auditor.balances: no endpoint) explain an unchecked row better than the proof's note
    plain = prove_ownership(row, REGISTRY, noted)
    plain.note("balance not read: no endpoint for network ETH in the config")
    assert plain.primary is not None and "no endpoint" in plain.primary.group


def test_a_coin_missing_from_the_registry_on_a_known_network_keeps_its_ownership_verdict() -> None:
    """BABYDOGE-BSC and LTCK-OKC20 (OKX's own test vectors): the signature is the (network, address)'s."""
    vectors = _vectors("BABYDOGE-BSC", "LTCK-OKC20")
    assert len(vectors) >= 2
    for vector in vectors:
        result = prove_ownership(_row(1, vector), REGISTRY)
        assert result.token is None and result.status == RowStatus.VERIFIED, (vector["coin"], result.reason)
        assert result.has(ReasonKind.COIN_UNKNOWN) and "not counted: coin" in result.reason
        aggregator = Aggregator(REGISTRY, FindingLog())
        aggregator.add(result)
        assert not aggregator.assets  # no amount counted anywhere


def test_reasons_survive_the_workers_and_the_checkpoint() -> None:
    proof = OwnershipProof.failed("not base58", "okx-ecdsa", field="address", summary="bad address")
    assert pickle.loads(pickle.dumps(proof)) == proof
    assert load(dump(proof.why)) == proof.why and proof.reason == "field 'address': not base58"
    assert load("written by an older version") == Reason.note("written by an older version")


def test_over_long_fields_are_cut_with_length_and_sha256() -> None:
    text = "a" * 5_000_000
    shown = cut(text)
    assert len(shown) < 300 and f"{len(text):,} characters" in shown
    assert hashlib.sha256(text.encode()).hexdigest() in shown
    assert cut("short") == "short"
