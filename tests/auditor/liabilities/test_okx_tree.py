"""OKX's full Merkle-sum tree: the published sample verifies, and every single change is caught and named."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from pathlib import Path

import pytest

from auditor.liabilities.errors import ProofInputError, ProofRejected
from auditor.liabilities.okx_tree import read_root, verify_okx_tree
from tests.auditor.liabilities.builders import fake_leaf, write_okx_tree
from tests.conftest import SHARED, needs_shared

TREE = SHARED / "okx" / "full-liabilities-merkle-tree.txt"


def _sample_lines() -> list[str]:
    return needs_shared(TREE).read_text().splitlines(keepends=True)


def _write(tmp_path: Path, lines: list[str]) -> Path:
    path = tmp_path / "tree.txt"
    path.write_text("".join(lines))
    return path


def _rejected(path: Path) -> str:
    with pytest.raises((ProofRejected, ProofInputError)) as caught:
        verify_okx_tree(path)
    return str(caught.value)


def test_shared_tree_verifies_and_root_is_the_sum_of_the_leaves():
    lines = _sample_lines()
    seen: list[int] = []
    tree = verify_okx_tree(TREE, on_leaf=lambda leaf: seen.append(leaf.line))
    leaves = [json.loads(line.split(",", 2)[2]) for line in lines if line.split(",")[1] == "1"]
    expected = {coin: sum(Decimal(leaf[coin]) for leaf in leaves) for coin in ("BTC", "ETH", "USDT")}
    assert tree.totals == expected
    assert tree.root_hash == lines[0].split(",")[0]
    assert tree.nodes == len(lines)
    assert tree.height == int(lines[0].split(",")[1])
    # the one zero-balance copy at the leaf level is padding, not a user's leaf
    assert tree.leaves == len(leaves) - 1 == len(seen)


def test_every_balance_digit_change_is_caught_naming_the_line(tmp_path):
    lines = _sample_lines()
    checked = 0
    for index, line in enumerate(lines):
        head, balances = line.rsplit(",{", 1)
        for match in re.finditer(r"[0-9]", balances):
            digit = match.group()
            changed = balances[:match.start()] + str((int(digit) + 1) % 10) + balances[match.end():]
            mutated = [*lines[:index], head + ",{" + changed, *lines[index + 1:]]
            message = _rejected(_write(tmp_path, mutated))
            assert re.search(rf"\b{index + 1}\b", message), message
            checked += 1
    assert checked > 2 * len(lines)


def test_every_zero_balance_line_changed_is_caught(tmp_path):
    lines = _sample_lines()
    for index, line in enumerate(lines):
        if '"USDT":"0"}' in line:
            mutated = [*lines[:index], line.replace('"USDT":"0"}', '"USDT":"1"}'), *lines[index + 1:]]
            message = _rejected(_write(tmp_path, mutated))
            assert re.search(rf"\b{index + 1}\b", message), message


def test_every_hash_character_change_is_named(tmp_path):
    lines = _sample_lines()
    for index, line in enumerate(lines):
        for position in (0, 37, 63):
            char = line[position]
            replacement = "0" if char != "0" else "1"
            mutated = [*lines[:index], line[:position] + replacement + line[position + 1:], *lines[index + 1:]]
            message = _rejected(_write(tmp_path, mutated))
            assert re.search(rf"\b{index + 1}\b", message), (index, message)


@pytest.mark.parametrize("kind", ["drop", "swap"])
def test_every_dropped_line_and_swapped_pair_is_caught(tmp_path, kind):
    lines = _sample_lines()
    for index in range(len(lines) - (kind == "swap")):
        mutated = lines[:]
        if kind == "drop":
            del mutated[index]
        else:
            mutated[index], mutated[index + 1] = mutated[index + 1], mutated[index]
        message = _rejected(_write(tmp_path, mutated))
        assert re.search(r":\d+:", message), message  # names a line


def test_extra_line_is_caught(tmp_path):
    lines = _sample_lines()
    for index in (1, 10, len(lines) - 1):
        mutated = [*lines[:index], lines[index], *lines[index:]]
        _rejected(_write(tmp_path, mutated))


def test_negative_leaf_balance_is_rejected_naming_the_line(tmp_path):
    leaves = [fake_leaf(i) for i in range(6)]
    path = write_okx_tree(tmp_path / "tree.txt", leaves)
    verify_okx_tree(path)
    lines = path.read_text().splitlines(keepends=True)
    # the leftmost leaf is the file's last line; a negative balance there, with the sums above adjusted, would
    # pass every sum: the sign alone must be refused
    last = len(lines)
    lines[-1] = re.sub(r'"BTC":"([0-9.]+)"', r'"BTC":"-\1"', lines[-1])
    message = _rejected(_write(tmp_path, lines))
    assert f":{last}:" in message and "negative" in message and "BTC" in message


def test_negative_built_into_a_consistent_tree_is_rejected(tmp_path):
    leaves = [fake_leaf(i) for i in range(5)]
    leaves[2] = (leaves[2][0], (Decimal("-1"), Decimal("2"), Decimal("3")))
    leaves[3] = (leaves[3][0], (Decimal("5"), Decimal("0"), Decimal("0")))
    path = write_okx_tree(tmp_path / "tree.txt", leaves)  # sums and hashes all consistent
    message = _rejected(path)
    assert "negative balance -1" in message


@pytest.mark.parametrize("count", [1, 2, 3, 5, 7, 8, 9, 33, 100])
def test_generated_trees_verify_with_exact_totals(tmp_path, count):
    leaves = [fake_leaf(i) for i in range(count)]
    tree = verify_okx_tree(write_okx_tree(tmp_path / "tree.txt", leaves))
    assert tree.leaves == count
    for position, coin in enumerate(("BTC", "ETH", "USDT")):
        assert tree.totals[coin] == sum(values[position] for _h, values in leaves)


def test_unreadable_input_names_file_line_and_field(tmp_path):
    lines = [line for line in write_okx_tree(tmp_path / "t.txt", [fake_leaf(i) for i in range(4)]).read_text()
             .splitlines(keepends=True)]
    lines[2] = lines[2].replace('"ETH":"', '"ETH":"x')
    with pytest.raises(ProofInputError, match=r"tree.txt:3: field 'balances.ETH'"):
        verify_okx_tree(_write(tmp_path, lines))
    with pytest.raises(ProofInputError, match="cannot read"):
        verify_okx_tree(tmp_path / "missing.txt")
    assert read_root(tmp_path / "missing.txt") is None


def test_an_amount_too_long_to_sum_exactly_is_bad_input_not_a_crash(tmp_path):
    line = '{},{},{{"BTC":"{}","ETH":"0","USDT":"0"}}\n'
    path = tmp_path / "tree.txt"
    path.write_text(line.format("a" * 64, 2, "1") + line.format("b" * 64, 1, "1" + "0" * 249 + ".1")
                    + line.format("c" * 64, 1, "1"))
    with pytest.raises(ProofInputError, match="at most 40"):
        verify_okx_tree(path)
