"""Permuted Keccak trees and compressed multi-branch openings, on synthetic trees."""

from __future__ import annotations

from auditor.liabilities.stark.merkle import leaf_slot, merkle_root, open_branches
from tests.auditor.liabilities.stark.tree_helpers import branch, full_tree, word

VALUES = [word(7 * i + 1) for i in range(64)]


def test_leaf_order_groups_the_four_values_one_fold_combines():
    slots = [leaf_slot(i, 64) for i in (5, 5 + 16, 5 + 32, 5 + 48)]
    assert slots == [20, 21, 22, 23]
    assert sorted(leaf_slot(i, 64) for i in range(64)) == list(range(64))


def test_root_matches_the_full_tree():
    assert merkle_root(VALUES) == full_tree(VALUES)[1]
    assert merkle_root(VALUES) != merkle_root([*VALUES[:-1], word(0)])


def test_full_branches_open():
    tree = full_tree(VALUES)
    indices = [3, 40, 41, 3]
    opening = open_branches(tree[1], indices, [branch(tree, i) for i in indices], 64)
    assert opening.problems == ()
    assert opening.leaves == tuple(VALUES[i] for i in indices)


def test_blank_siblings_are_derived_from_the_other_branches():
    tree = full_tree(VALUES)
    indices = [2, 2 + 16]  # adjacent leaves (slots 8 and 9): each is the other's bottom sibling
    branches = [branch(tree, i) for i in indices]
    branches[0][1] = b""
    branches[1][1] = b""
    branches[1][3] = b""  # also given by the first branch
    opening = open_branches(tree[1], indices, branches, 64)
    assert opening.problems == () and opening.leaves == (VALUES[2], VALUES[18])


def test_underivable_blank_and_wrong_node_are_named():
    tree = full_tree(VALUES)
    lone = branch(tree, 9)
    lone[2] = b""
    wrong = branch(tree, 30)
    wrong[4] = word(1)
    opening = open_branches(tree[1], [9, 30], [lone, wrong], 64)
    assert opening.leaves == (None, None)
    assert opening.problems == ((0, 9, "sibling 1 is blank and cannot be derived from the other branches"),
                                (1, 30, "branch does not hash to the root"))


def test_wrong_depth_is_named():
    tree = full_tree(VALUES)
    opening = open_branches(tree[1], [1], [branch(tree, 1)[:-1]], 64)
    assert opening.problems == ((0, 1, "branch has 6 nodes, a tree of 64 leaves needs 7"),)
