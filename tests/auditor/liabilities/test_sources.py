"""Choosing each asset's liabilities figure: the [liabilities] settings, the STARK source behind its lazy import
(a test double of `verify_sum_proofs` only at that boundary), a BitMEX tree as merkle_tree."""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pytest

from auditor.config import ConfigError, load_config
from auditor.liabilities.errors import LiabilitiesConfigError, ProofInputError
from auditor.liabilities.settings import LiabilitiesSettings, parse_liabilities_section
from auditor.liabilities.sources import resolve_liabilities
from tests.auditor.liabilities.builders import bitmex_sub_nonce, bitmex_tree_text, fake_leaf, write_okx_tree
from tests.conftest import SHARED, needs_shared

STARK_DATA = SHARED / "okx" / "zk_stark_v1" / "sum_proof_data"


@dataclass(frozen=True)
class FakeStarkSums:
    """Test double of auditor.liabilities.stark.StarkSumsResult (same fields)."""
    ok: bool
    failures: tuple[str, ...]
    sums: dict[str, int]
    total_value: int
    main_coins: tuple[str, ...]
    total_only_coins: tuple[str, ...]
    proofs_checked: tuple[str, ...]


def fake_verifier(result: FakeStarkSums, seen: list[Path]):
    def verify_sum_proofs(folder):  # the one function the STARK engineer provides
        seen.append(Path(folder))
        return result
    return verify_sum_proofs


def _settings(tmp_path: Path, **section) -> LiabilitiesSettings:
    return parse_liabilities_section(section, tmp_path, "test.toml")


def test_stark_sums_are_never_proven_but_a_disagreeing_declared_figure_fails(tmp_path):
    result = FakeStarkSums(True, (), {"BTC": 150_000_000, "ETH": 7, "XRP": 5_000}, 0, ("BTC", "ETH"), ("XRP",),
                           ("batches/a0", "trunk"))
    seen: list[Path] = []
    settings = _settings(tmp_path, stark_proofs=".", stark_decimals=8, BTC="1.5", ETH="1")
    outcome = resolve_liabilities(settings, fake_verifier(result, seen))
    assert seen == [tmp_path.resolve()]
    # OKX's v1 format cannot prove sums (tests/auditor/liabilities/stark/test_soundness.py): never "verified"
    assert not any(item.verified for item in outcome.assets.values())
    assert outcome.assets["BTC"].amount == Decimal("1.5") and "does not prove it" in outcome.assets["BTC"].how
    assert outcome.assets["ETH"].amount == Decimal("0.00000007")
    assert outcome.problems == {"ETH": [outcome.problems["ETH"][0]]} and "disagree" in outcome.problems["ETH"][0]
    assert outcome.assets["XRP"].amount == Decimal("0.00005") and not outcome.assets["XRP"].verified
    assert [f["asset"] for f in outcome.findings] == ["ETH"]


def test_stark_decimals_per_coin_and_missing_coin_is_said(tmp_path):
    result = FakeStarkSums(True, (), {"BTC": 1, "USDT": 2_000_000}, 0, ("BTC", "USDT"), (), ("trunk",))
    settings = _settings(tmp_path, stark_proofs=".", stark_decimals={"USDT": 6})
    outcome = resolve_liabilities(settings, fake_verifier(result, []))
    assert outcome.assets["USDT"].amount == Decimal(2) and "BTC" not in outcome.assets
    assert "no stark_decimals for BTC" in outcome.checks[0].detail


def test_stark_rejected_fails_its_coins(tmp_path):
    result = FakeStarkSums(False, ("trunk: FRI layer 3 mismatch",), {"BTC": 1}, 0, ("BTC",), (), ("trunk",))
    outcome = resolve_liabilities(_settings(tmp_path, stark_proofs=".", stark_decimals=0, ETH="2"),
                                  fake_verifier(result, []))
    assert outcome.checks[0].status == "rejected" and "FRI layer 3" in outcome.checks[0].detail
    assert set(outcome.problems) == {"BTC", "ETH"}
    assert not outcome.assets["BTC"].verified


def test_real_stark_verifier(tmp_path):
    folder = needs_shared(STARK_DATA)
    outcome = resolve_liabilities(_settings(tmp_path, stark_proofs=str(folder), stark_decimals=0))
    assert outcome.checks[0].status == "consistent", outcome.checks[0].detail
    assert "does not prove the sums" in outcome.checks[0].detail
    trunk = json.loads((folder / "trunk" / "sum_values.json").read_text())
    shown = {asset: item.amount for asset, item in outcome.assets.items()}
    assert shown and all(amount == Decimal(trunk[asset]) for asset, amount in shown.items())
    assert not any(item.verified for item in outcome.assets.values()) and not outcome.problems


def test_a_tree_whose_root_line_is_unreadable_fails_its_assets(tmp_path):
    tree = (needs_shared(SHARED / "okx" / "full-liabilities-merkle-tree.txt")).read_text().splitlines()
    tree[0] = tree[0].replace('"BTC":"0.00005"', '"BTC":"-1"')
    (tmp_path / "tree.txt").write_text("\n".join(tree) + "\n")
    outcome = resolve_liabilities(_settings(tmp_path, merkle_tree="tree.txt", XRP="5"))
    assert outcome.checks[0].status == "rejected"
    assert set(outcome.problems) == {"BTC", "ETH", "USDT", "XRP"}


def test_bitmex_tree_as_merkle_tree_gives_btc(tmp_path):
    leaves = [(bitmex_sub_nonce(secrets.token_bytes(32), 100, i), 10**8 + i) for i in range(8)]
    path = tmp_path / "bitmex.txt"
    path.write_text(bitmex_tree_text(leaves, 100))
    outcome = resolve_liabilities(_settings(tmp_path, merkle_tree="bitmex.txt"))
    assert outcome.assets["BTC"].verified
    assert outcome.assets["BTC"].amount == Decimal(sum(s for _k, s in leaves)) / 10**8


def test_settings_errors_name_the_key(tmp_path):
    with pytest.raises(LiabilitiesConfigError, match="stark_decimals is required"):
        _settings(tmp_path, stark_proofs=".")
    with pytest.raises(LiabilitiesConfigError, match="merkle_tree: no such file"):
        _settings(tmp_path, merkle_tree="absent.txt")
    with pytest.raises(LiabilitiesConfigError, match="stark_decimals: BTC"):
        _settings(tmp_path, stark_proofs=".", stark_decimals={"BTC": -1})
    with pytest.raises(LiabilitiesConfigError, match="not floats"):
        _settings(tmp_path, BTC=1.5)


def test_config_keys_reach_the_settings(tmp_path):
    write_okx_tree(tmp_path / "tree.txt", [fake_leaf(i) for i in range(3)])
    (tmp_path / "owed.csv").write_text("asset,amount\nBTC,2\n")
    config = tmp_path / "a.toml"
    config.write_text('[input]\nfile = "x.csv"\n[liabilities]\nfile = "owed.csv"\nETH = "4"\n'
                      'merkle_tree = "tree.txt"\n')
    loaded = load_config(config)
    assert loaded.liabilities == {"BTC": Decimal(2), "ETH": Decimal(4)}
    assert loaded.liabilities_settings.merkle_tree == (tmp_path / "tree.txt").resolve()
    assert loaded.liabilities_source == f"config + {(tmp_path / 'owed.csv').resolve()}"
    config.write_text('[input]\nfile = "x.csv"\n[liabilities]\nmerkle_tree = "nope.txt"\n')
    with pytest.raises(ConfigError, match=r"\[liabilities\] merkle_tree"):
        load_config(config)


def test_stark_verifier_that_cannot_read_the_folder_is_bad_input(tmp_path):
    def verify_sum_proofs(folder):  # test double: the real one raises like this on a missing sum_values.json
        raise FileNotFoundError(f"{folder}/trunk/sum_values.json")

    with pytest.raises(ProofInputError, match="could not read the proofs"):
        resolve_liabilities(_settings(tmp_path, stark_proofs=".", stark_decimals=8), verify_sum_proofs)
