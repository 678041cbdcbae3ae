"""The run checkpoint: verdicts and balances survive a reopen with --resume, a fresh run or another config
starts empty, a changed snapshot block drops the network's balances, and nothing of one row serves another."""

from __future__ import annotations

from pathlib import Path

from auditor.checkpoint import Checkpoint, row_digest, run_key
from chains.base import AddressRow, Balance, BalanceQuery, OwnershipProof
from chains.evm.query import EvmQueryDetail

ROW = AddressRow(7, "ETH", "ETH", "0x" + "ab" * 20, message="I am an OKX address", signature1="0x" + "11" * 65)


def _open(tmp_path: Path, resume: bool, key: str = "k1") -> Checkpoint:
    return Checkpoint(tmp_path / ".work", key, resume)


def test_verdicts_and_balances_survive_a_resume(tmp_path):
    checkpoint = _open(tmp_path, resume=False)
    digest = row_digest(ROW, "okx-12col")
    failed = OwnershipProof.failed("field 'signature1': bad")
    owner_mode = OwnershipProof.verified("personal_sign", "owner mode", binds_address=False)
    other = row_digest(AddressRow(8, "ETH", "ETH", "0x" + "cd" * 20), "okx-12col")
    checkpoint.save_verdicts([(digest, owner_mode), (other, failed), (b"x" * 16, None)])
    huge = 10**30  # more than SQLite's 64-bit integers
    query = BalanceQuery("0x" + "ab" * 20, "0x" + "cc" * 20, detail=EvmQueryDetail(("0x01", "0x02")))
    checkpoint.check_snapshot("ETH", 40, "0xblock")
    checkpoint.save_balances("ETH", 40, {
        query: Balance(huge, "multicall3", owners_bound=True, owners_note="owners bound"),
        BalanceQuery("0x" + "ef" * 20): Balance(None, "multicall3", "reverted"),  # errors are asked again
    })
    rolled = BalanceQuery("0x" + "12" * 20)  # a figure read later and rolled back keeps where and how
    checkpoint.save_balances("ETH", 40, {rolled: Balance(5, "trc20-balanceOf-rollback", read_at=47, note="3 events")})
    checkpoint.close()

    again = _open(tmp_path, resume=True)
    assert again.resumed
    assert again.verdicts([digest, other, b"y" * 16]) == {digest: owner_mode, other: failed}
    assert again.balances("ETH", 40, [query, BalanceQuery("0x" + "ef" * 20)]) == {
        query: Balance(huge, "multicall3", "", True, "owners bound")
    }
    assert again.balances("ETH", 40, [rolled]) == {
        rolled: Balance(5, "trc20-balanceOf-rollback", read_at=47, note="3 events")}
    assert again.balances("ETH", 40, [query])[query].read_at is None  # not 0: read at the snapshot block
    assert again.balances("ETH", 41, [query]) == {}  # another height
    assert again.balances("ETH", 40, [BalanceQuery(query.address, query.contract)]) == {}  # no owners
    other_owners = BalanceQuery(query.address, query.contract, detail=EvmQueryDetail(("0x01",)))
    assert again.balances("ETH", 40, [other_owners]) == {}
    again.check_snapshot("ETH", 40, "0xblock")  # same block: kept
    assert again.balances("ETH", 40, [query])
    again.check_snapshot("ETH", 40, "0xreorged")  # the chain has another block there: dropped
    assert again.balances("ETH", 40, [query]) == {}
    again.finish()
    assert not again.path.exists()


def test_a_run_without_resume_or_with_another_config_starts_empty(tmp_path):
    checkpoint = _open(tmp_path, resume=False)
    checkpoint.save_verdicts([(row_digest(ROW, "okx-12col"), OwnershipProof.verified("s"))])
    checkpoint.close()
    fresh = _open(tmp_path, resume=False)
    assert not fresh.resumed and fresh.verdicts([row_digest(ROW, "okx-12col")]) == {}
    fresh.save_verdicts([(row_digest(ROW, "okx-12col"), OwnershipProof.verified("s"))])
    fresh.close()
    other = _open(tmp_path, resume=True, key="k2")
    assert not other.resumed and "another config" in other.note
    other.close()


def test_the_digest_covers_every_field_a_check_reads(tmp_path):
    base = row_digest(ROW, "okx-12col")
    from dataclasses import replace

    assert row_digest(replace(ROW, line=99), "okx-12col") == base  # where it sits does not matter
    for change in ({"signature1": "0x" + "12" * 65}, {"message": "other"}, {"address": "0x" + "ac" * 20},
                   {"coin": "USDT-ERC20"}, {"network": "ARBITRUM"}, {"eoa1": "0x01"}, {"signature2": "0x02"},
                   {"script": "52"}, {"eoa2": "0x03"}):
        assert row_digest(replace(ROW, **change), "okx-12col") != base, change
    assert row_digest(ROW, "htx") != base


def test_run_key_follows_the_input_file(tmp_path):
    path = tmp_path / "in.csv"
    path.write_text("a\n")
    key = run_key("cfg", path)
    assert run_key("cfg", path) == key and run_key("other", path) != key
    path.write_text("ab\n")
    assert run_key("cfg", path) != key


def test_run_key_follows_the_code_that_decides_verdicts(tmp_path, monkeypatch):
    path = tmp_path / "in.csv"
    path.write_text("a\n")
    key = run_key("cfg", path)
    monkeypatch.setattr("auditor.checkpoint.code_fingerprint", lambda: "another auditor version")
    assert run_key("cfg", path) != key  # a verifier fixed since must not be overruled by saved verdicts


def test_an_unreadable_checkpoint_is_replaced_not_fatal(tmp_path):
    (tmp_path / ".work").mkdir()
    (tmp_path / ".work" / "checkpoint.sqlite").write_bytes(b"not a database at all" * 100)
    checkpoint = _open(tmp_path, resume=True)
    assert not checkpoint.resumed and "unreadable" in checkpoint.note
    checkpoint.save_verdicts([(row_digest(ROW, "okx-12col"), OwnershipProof.verified("s"))])
    checkpoint.close()
