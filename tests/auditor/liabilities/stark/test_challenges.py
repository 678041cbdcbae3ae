"""Fiat-Shamir helpers: sampled indices skip multiples of 16; proof-of-work bit counting; field helpers."""

from __future__ import annotations

import pytest

from auditor.liabilities.stark.challenges import combination_weights, sample_indices, work_bits
from auditor.liabilities.stark.field import PRIME, interpolate_at, inverse, root_of_unity
from auditor.liabilities.stark.hashing import keccak256


def test_sampled_indices_avoid_multiples_and_stay_in_range():
    for seed in range(50):
        picks = sample_indices(keccak256(bytes([seed])), 4096, 16, 16)
        assert len(picks) == 16 and all(0 < p < 4096 and p % 16 for p in picks)


def test_sampling_covers_the_allowed_indices_in_order():
    # a seed of zero words picks the first allowed index, 1; 14 -> 15, 15 -> 17 (16 skipped)
    assert sample_indices(bytes(64), 4096, 16, 16) == [1] * 16
    seed = (14).to_bytes(4, "big") + (15).to_bytes(4, "big") + bytes(56)
    assert sample_indices(seed, 4096, 16, 16)[:2] == [15, 17]


def test_work_bits_counts_leading_zeros():
    root = bytes(32)
    nonce = next(n.to_bytes(32, "big") for n in range(100000) if keccak256(root + n.to_bytes(32, "big"))[0] == 0)
    assert work_bits(root, nonce) >= 8
    assert work_bits(root, nonce) == 256 - int.from_bytes(keccak256(root + nonce), "big").bit_length()


def test_weights_are_field_elements_bound_to_the_nonce():
    a, b = combination_weights(b"\x01" * 32, 5), combination_weights(b"\x02" * 32, 5)
    assert len(a) == 5 and all(0 <= w < PRIME for w in a) and a != b


def test_field_helpers():
    assert PRIME == 0x800000000000011000000000000000000000000000000000000000000000001
    w = root_of_unity(16)
    assert pow(w, 16, PRIME) == 1 and pow(w, 8, PRIME) != 1
    assert 5 * inverse(5) % PRIME == 1
    xs, ys = [1, 2, 3], [1, 4, 9]  # x^2
    assert interpolate_at(xs, ys, 10) == 100 and interpolate_at(xs, ys, 2) == 4
    with pytest.raises(ValueError):
        root_of_unity(12)
    with pytest.raises(ZeroDivisionError):
        inverse(PRIME)
