"""The standard TON wallets whose address a public key determines: the hash of the wallet's StateInit.

StateInit (TL-B) = split_depth:(Maybe) special:(Maybe) code:(Maybe ^Cell) data:(Maybe ^Cell) library:(HashmapE):
with code and data only, that is the 5 bits 0,0,1,1,0 and two references (code, data). The code cell is fixed
per wallet version, so only its hash and depth are needed. Initial data per wallet (SCHEMES.md section 6):

* v3r2: seqno 0 (32 bits) || subwallet id (32) || public key (256)
* v4r2: the same || an empty plugin dictionary (1 bit 0)
* highload v3: public key (256) || subwallet id (32) || old_queries, queries: two empty dictionaries (2 bits 0)
  || last_clean_time 0 (64) || timeout (22)

Code hashes are the published ones: the TON documentation's "Wallet sources" table (docs.ton.org, Standard
contracts > Wallets > Wallet sources) lists all three, from wallet-v3-code.fif, wallet-v4-code.fc and
ton-blockchain/highload-wallet-contract-v3. Depths: v3r2's code BOC is one cell (0), v4r2's tree is 7 deep,
highload v3's 6. The published OKX vectors (v3r2 bounceable,
highload v3 non-bounceable: a SHA-256 match, so hash and depth are both right) pin v3r2's and highload v3's
values; tests/chains/ton checks v3r2 and v4r2 against addresses computed independently with tonsdk 1.0.15
(which builds the StateInit from the code BOC itself).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from chains.ton.cells import CellRef, ordinary_cell

DEFAULT_SUBWALLET = 698983191  # 0x29a9a317: wallet_id of v3/v4 wallets in workchain 0
HIGHLOAD_SUBWALLET = 4269  # highload v3's default subwallet id
HIGHLOAD_TIMEOUT = 43200  # seconds: the timeout OKX's highload v3 wallets are created with


@dataclass(frozen=True, slots=True)
class Wallet:
    name: str
    code: CellRef
    data: Callable[[bytes], CellRef]  # public key -> initial data cell


def _v3r2_data(public_key: bytes) -> CellRef:
    value = (0 << 288) | (DEFAULT_SUBWALLET << 256) | int.from_bytes(public_key, "big")
    return ordinary_cell(value, 320)


def _v4r2_data(public_key: bytes) -> CellRef:
    value = (DEFAULT_SUBWALLET << 257) | (int.from_bytes(public_key, "big") << 1)  # seqno 0, no plugins
    return ordinary_cell(value, 321)


def _highload_v3_data(public_key: bytes) -> CellRef:
    value = (int.from_bytes(public_key, "big") << 120) | (HIGHLOAD_SUBWALLET << 88) | HIGHLOAD_TIMEOUT
    return ordinary_cell(value, 376)  # 256 + 32 + 2 (empty dicts) + 64 (last_clean_time 0) + 22


def _code(hash_hex: str, depth: int) -> CellRef:
    return CellRef(bytes.fromhex(hash_hex), depth)


WALLETS: tuple[Wallet, ...] = (
    Wallet("v3r2", _code("84dafa449f98a6987789ba232358072bc0f76dc4524002a5d0918b9a75d2d599", 0), _v3r2_data),
    Wallet("v4r2", _code("feb5ff6820e2ff0d9483e7e0d62c817d846789fb4ae580c878866d959dabd5c0", 7), _v4r2_data),
    Wallet("highload-v3", _code("11acad7955844090f283bf238bc1449871f783e7cc0979408d3f4859483e8525", 6),
           _highload_v3_data),
)

STATE_INIT_BITS = 0b00110  # no split_depth, no special, code present, data present, empty library


def account_id(wallet: Wallet, public_key: bytes) -> bytes:
    """The 32-byte account id (workchain 0) of `wallet` deployed for `public_key`: hash of its StateInit."""
    return ordinary_cell(STATE_INIT_BITS, 5, (wallet.code, wallet.data(public_key))).hash
