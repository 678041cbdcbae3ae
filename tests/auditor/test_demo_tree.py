"""The demo's OKX v2 liabilities tree (auditor/demo/liabilities_tree.py) against the tests' own builder
(tests/auditor/liabilities/builders.py, written separately from the rules) and the verifier: the same file byte
for byte, a verified root equal to the customers' sums, and every customer's proof included."""

import json
from decimal import Decimal

import pytest

from auditor.demo.liabilities_tree import Customer, write_tree, write_user_proof
from auditor.liabilities.inclusion import verify_inclusion
from auditor.liabilities.okx_tree import verify_okx_tree
from tests.auditor.liabilities.builders import okx_leaf_hash, okx_text, okx_tree_lines, okx_user_hash


def _customers(count: int) -> list[Customer]:
    customers = []
    for i in range(count):
        eth, usdt = Decimal(i + 1) / 8, Decimal(1000 * (i + 1)) + Decimal("0.25")
        leaves = ((Decimal(0), eth, usdt),) if i % 3 else ((Decimal(0), eth, Decimal(7)), (Decimal("0.5"), eth, usdt))
        customers.append(Customer(f"nonce-{i}", leaves))
    return customers


@pytest.mark.parametrize("count", [1, 2, 3, 5, 8, 13])
def test_tree_matches_an_independent_builder_and_verifies(tmp_path, count):
    customers = _customers(count)
    root = write_tree(tmp_path / "tree.txt", customers)
    leaves = []
    for customer in customers:
        total = [sum((leaf[c] for leaf in customer.leaves), Decimal(0)) for c in range(3)]
        user = okx_user_hash(customer.nonce, [okx_text(v) for v in total])
        leaves += [(okx_leaf_hash(user, [okx_text(v) for v in leaf]), leaf) for leaf in customer.leaves]
    assert (tmp_path / "tree.txt").read_text() == "".join(okx_tree_lines(leaves))
    verified = verify_okx_tree(tmp_path / "tree.txt")
    expected = {coin: sum((leaf[c] for cu in customers for leaf in cu.leaves), Decimal(0))
                for c, coin in enumerate(("BTC", "ETH", "USDT"))}
    assert verified.totals == root == expected and verified.leaves == len(leaves)
    for i, customer in enumerate(customers):
        proof = tmp_path / f"user{i}.json"
        write_user_proof(proof, customer)
        assert verify_inclusion(proof, tree=tmp_path / "tree.txt").included, i
        data = json.loads(proof.read_text())
        data["nonce"] += "x"  # another customer's nonce: their hash, so their leaves, are not in the tree
        proof.write_text(json.dumps(data))
        assert not verify_inclusion(proof, tree=tmp_path / "tree.txt").included
