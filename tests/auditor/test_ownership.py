"""auditor/ownership.py: every row leaves with a status; trust_owner_mode promotes owner mode only."""

from __future__ import annotations

from auditor.assets import AssetRegistry
from auditor.ownership import UNBOUND_NOTE, UNSIGNED, OwnershipPolicy, check_signatures, prove_ownership
from chains.base import AddressRow, BalanceQuery, OwnershipProof, RowStatus, Token
from chains.registry import get_family

REGISTRY = AssetRegistry.load()


def test_trust_owner_mode_promotes_owner_mode_but_not_needs_chain_proofs() -> None:
    row = AddressRow(1, "ETH", "ETH", "0x" + "11" * 20, message="m", signature1="x", eoa1="0x" + "22" * 20)
    owner_mode = OwnershipProof.verified("evm", "owner mode", binds_address=False)
    needs_chain = OwnershipProof.unchecked("signature valid for key K; account binding needs the chain", "okx-eos")
    for trust in (False, True):
        policy = OwnershipPolicy(trust_owner_mode=trust)
        owner = prove_ownership(row, REGISTRY, owner_mode, policy)
        assert owner.status == (RowStatus.VERIFIED if trust else RowStatus.UNCHECKED)
        assert (UNBOUND_NOTE in owner.reason) is not trust
        chain = prove_ownership(row, REGISTRY, needs_chain, policy)
        assert chain.status == RowStatus.UNCHECKED and chain.scheme == "okx-eos"


def test_a_balance_query_that_cannot_be_built_leaves_the_row_unread(monkeypatch) -> None:
    family = get_family("evm")

    def broken(row: AddressRow, token: Token, address: str) -> BalanceQuery:
        raise ValueError("field 'eoa1': unreadable")

    monkeypatch.setattr(family, "balance_query", broken)
    row = AddressRow(1, "ETH", "ETH", "0x" + "11" * 20, message="m", signature1="x")
    result = prove_ownership(row, REGISTRY, OwnershipProof.verified("evm"))
    assert result.status == RowStatus.UNCHECKED and result.query is None
    assert "balance not read: field 'eoa1': unreadable" in result.reason


def test_an_unsigned_row_fails_with_one_reason_on_every_network() -> None:
    rows = [AddressRow(i, coin, network, address, message="huobi")
            for i, (coin, network, address) in enumerate([
                ("ETH", "ETH", "0x" + "11" * 20), ("TRX", "TRON", "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t"),
                ("DOGE", "DOGE", "DH5yaieqoZN36fDVciNyRueRGvGLR3mr7L"),
                ("SOL", "SOL", "11111111111111111111111111111111"),
                ("XRP", "XRP", "rrrrrrrrrrrrrrrrrrrrrhoLvTp"), ("EOS", "EOS", "okbwallet1tr")], start=1)]
    for row, proof in zip(rows, check_signatures(rows, REGISTRY), strict=True):
        assert proof is not None and proof.status == RowStatus.FAILED and proof.reason == UNSIGNED, (row, proof)
        assert prove_ownership(row, REGISTRY, proof).reason.startswith(UNSIGNED)


def test_an_unreadable_address_is_said_once_and_its_balance_not_read() -> None:
    row = AddressRow(2, "ETH", "ETH", "0xzz", amount="1", message="m", signature1="0x12")
    result = prove_ownership(row, REGISTRY)
    assert result.status == RowStatus.FAILED and result.query is None
    assert result.reason.count("field 'address'") == 1 and "balance not read" in result.reason


def test_the_places_shortcut_never_skips_an_amount_with_too_many_places() -> None:
    """_may_have_more_places only spares the exact Decimal check where that check would say no."""
    from decimal import Decimal

    from auditor.money import has_more_places_than
    from auditor.ownership import _may_have_more_places

    amounts = ["1", "1.5", "0.000001", "0.0000010", "0.0000001", "12.", ".5", "1.1234567", "100.000000000",
               "7.12345678901234567890", "0.10000000000000000000", "１.5", "1e-9"]
    skipped = 0
    for amount in amounts:
        for decimals in (0, 1, 6, 8, 18):
            if not _may_have_more_places(amount, False, decimals):
                skipped += 1
                assert not has_more_places_than(Decimal(amount), decimals), (amount, decimals)
            assert _may_have_more_places(amount, True, decimals)  # base units: always the exact check
    assert skipped > 10
    assert _may_have_more_places("1.1234567", False, 6) and _may_have_more_places("1e-9", False, 18)
