"""The verifier's side of Fiat-Shamir: every "random" choice is re-derived from earlier commitments.

- proof of work: keccak(trace root ‖ nonce) must start with POW_BITS zero bits; the nonce then seeds the
  linear-combination weights, so grinding for convenient weights costs 2^POW_BITS hashes per attempt;
- spot-check positions: from the combination root; FRI sample rows: from the first FRI column root;
- FRI folding points: each layer's own Merkle root, read as an integer mod p.
"""

from __future__ import annotations

from auditor.liabilities.stark.field import PRIME
from auditor.liabilities.stark.hashing import keccak256

POW_BITS = 20


def work_bits(trace_root: bytes, nonce: bytes) -> int:
    """Number of leading zero bits of keccak(trace_root ‖ nonce)."""
    return 256 - int.from_bytes(keccak256(trace_root + nonce), "big").bit_length()


def combination_weights(nonce: bytes, count: int) -> list[int]:
    return [int.from_bytes(keccak256(nonce + i.to_bytes(32, "big")), "big") % PRIME for i in range(count)]


def sample_indices(seed: bytes, domain_size: int, count: int, skip_multiples_of: int) -> list[int]:
    """`count` indices in [0, domain_size), none a multiple of `skip_multiples_of` (where the committed
    evaluations divide by zero and carry no information).

    The seed is stretched by hashing its last 32 bytes until there are 4 bytes per index; each 4-byte word picks,
    modulo the number of allowed indices, the n-th index that is not a multiple of `skip_multiples_of`."""
    if not 0 < domain_size < 2**24 or skip_multiples_of < 2 or domain_size % skip_multiples_of:
        raise ValueError(f"cannot sample {count} indices from a domain of {domain_size}")
    stream = seed
    while len(stream) < 4 * count:
        stream += keccak256(stream[-32:])
    allowed = domain_size * (skip_multiples_of - 1) // skip_multiples_of
    picks = [int.from_bytes(stream[4 * i:4 * i + 4], "big") % allowed for i in range(count)]
    return [n + 1 + n // (skip_multiples_of - 1) for n in picks]
