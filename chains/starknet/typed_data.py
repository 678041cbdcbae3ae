"""The hash OKX's Starknet rows sign: SNIP-12 revision 0 ("legacy") typed data, Pedersen hashing
(SCHEMES.md section 8).

  domain  = chain(sk("StarkNetDomain(name:felt,version:felt,chainId:felt)"), "OKX POR MESSAGE", 1, chain id)
  message = chain(sk("Message(contents:felt)"), contents)
  final   = chain("StarkNet Message", domain, account address, message)

with chain(x1..xn) = H(H(...H(H(0, x1), x2)..., xn), n), H the Pedersen hash, sk the starknet_keccak (keccak
mod 2**250) and strings as Cairo short strings. The version is the integer 1, not the string "1". Because the
account address is inside `final`, a signature made for one account fails for any other.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache

from crypto_cpp_py.cpp_bindings import cpp_hash

from chains.signing.secp256k1 import keccak256
from chains.starknet.felts import short_string

DOMAIN_TYPE = "StarkNetDomain(name:felt,version:felt,chainId:felt)"
MESSAGE_TYPE = "Message(contents:felt)"
DOMAIN_NAME = "OKX POR MESSAGE"
DOMAIN_VERSION = 1
PREFIX = "StarkNet Message"


def pedersen(left: int, right: int) -> int:
    return cpp_hash(left, right)


def starknet_keccak(data: bytes) -> int:
    return int.from_bytes(keccak256(data), "big") & (2**250 - 1)


def hash_chain(elements: Iterable[int]) -> int:
    """H(...H(H(0, x1), x2)..., n): Cairo's compute_hash_on_elements."""
    acc, count = 0, 0
    for element in elements:
        acc = pedersen(acc, element)
        count += 1
    return pedersen(acc, count)


@cache
def domain_hash(chain_id: str) -> int:
    """The OKX domain's hash on one chain ("SN_MAIN" for mainnet); the same for every row, so cached."""
    return hash_chain((
        starknet_keccak(DOMAIN_TYPE.encode()),
        short_string(DOMAIN_NAME, "domain name"),
        DOMAIN_VERSION,
        short_string(chain_id, "chain id"),
    ))


def message_hash(message: str, account: int, chain_id: str = "SN_MAIN") -> int:
    """The felt an account's key signs for `message`. ValueError (naming field 'message') when the message is
    not a short string."""
    contents = short_string(message, "field 'message'")
    struct = hash_chain((starknet_keccak(MESSAGE_TYPE.encode()), contents))
    return hash_chain((short_string(PREFIX, "prefix"), domain_hash(chain_id), account, struct))
