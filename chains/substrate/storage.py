"""Storage keys and SCALE values of the balances a Substrate runtime keeps (FRAME pallets System and Assets).

Keys are built here, not asked of the node: a storage map's key is twox128(pallet) ‖ twox128(item) ‖ the hashed
map keys. `System.Account` hashes the AccountId32 with Blake2_128Concat (blake2b-128(id) ‖ id); `Assets.Account`
is a double map (asset id u32 LE, then the account), both Blake2_128Concat. Because the concat hashers keep the
plain key at the end of the storage key, each key the node echoes names its account: that is how a reply is
bound to its request.

Values are decoded by hand, not from the runtime's metadata: the figures the audit needs sit at fixed places in
every layout these pallets have had (see `decode_account_info`, `decode_asset_account`), so a metadata decoder
(scalecodec parses the whole portable type registry first) would add a dependency and time for nothing.
twox128 needs xxHash64 (the `xxhash` C binding); Blake2b is in hashlib.
"""

from __future__ import annotations

import datetime
import hashlib
from dataclasses import dataclass

import xxhash

ACCOUNT_ID_BYTES = 32
U128_BYTES = 16
ACCOUNT_DATA_BYTES = 4 * U128_BYTES  # free, reserved, frozen (misc_frozen), flags (fee_frozen)
# AccountInfo = counters ‖ AccountData. The counters grew over the years: nonce u32 + refcount u8 (2020),
# refcount u32, then consumers/providers (2021), then sufficients (since mid-2021, today's layout).
ACCOUNT_INFO_SIZES = {
    4 + 1 + ACCOUNT_DATA_BYTES: "nonce, refcount u8",
    4 + 4 + ACCOUNT_DATA_BYTES: "nonce, refcount u32",
    4 + 4 + 4 + ACCOUNT_DATA_BYTES: "nonce, consumers, providers",
    4 + 4 + 4 + 4 + ACCOUNT_DATA_BYTES: "nonce, consumers, providers, sufficients",
}
# The Balances pallet marks accounts stored in its 2023 layout (free, reserved, frozen, flags) with this bit of
# `flags`; without it the last two fields are the older misc_frozen and fee_frozen.
NEW_LOGIC_FLAG = 1 << 127


def twox128(data: bytes) -> bytes:
    return (xxhash.xxh64_intdigest(data, seed=0).to_bytes(8, "little")
            + xxhash.xxh64_intdigest(data, seed=1).to_bytes(8, "little"))


def blake2_128_concat(data: bytes) -> bytes:
    return hashlib.blake2b(data, digest_size=16).digest() + data


def storage_prefix(pallet: str, item: str) -> bytes:
    return twox128(pallet.encode()) + twox128(item.encode())


SYSTEM_ACCOUNT = storage_prefix("System", "Account")
SYSTEM_NUMBER = storage_prefix("System", "Number")  # the block number, a value in every block's state
ASSETS_ACCOUNT = storage_prefix("Assets", "Account")
# The relay chain's Asset Hub migration bookkeeping (pallet rc-migrator of the Polkadot/Kusama runtimes): the
# accounts stage sets RcMigratedBalance, the end of the migration moves it to RcMigratedBalanceArchive. Either
# present in a relay block's state: account balances had begun to leave (or had left) for Asset Hub.
RC_MIGRATED_BALANCE = storage_prefix("RcMigrator", "RcMigratedBalance")
RC_MIGRATED_BALANCE_ARCHIVE = storage_prefix("RcMigrator", "RcMigratedBalanceArchive")
# Asset Hub's side (pallet ah-migrator): its stage, Pending (variant 0, the default, stored or absent) until the
# relay chain starts sending accounts.
AH_MIGRATION_STAGE = storage_prefix("AhMigrator", "AhMigrationStage")
TIMESTAMP_NOW = storage_prefix("Timestamp", "Now")  # the block's time, u64 milliseconds since the Unix epoch


def _account_id(account: bytes) -> bytes:
    if len(account) != ACCOUNT_ID_BYTES:
        raise ValueError(f"an AccountId32 is 32 bytes, got {len(account)}")
    return account


def system_account_key(account: bytes) -> bytes:
    return SYSTEM_ACCOUNT + blake2_128_concat(_account_id(account))


def asset_id_bytes(asset_id: int) -> bytes:
    if not 0 <= asset_id < 2**32:
        raise ValueError(f"an Assets pallet id is a u32, got {asset_id}")
    return asset_id.to_bytes(4, "little")


def assets_account_key(asset_id: int, account: bytes) -> bytes:
    return ASSETS_ACCOUNT + blake2_128_concat(asset_id_bytes(asset_id)) + blake2_128_concat(_account_id(account))


def parse_asset_id(contract: str) -> int:
    """The registry's `contract` of an Assets-pallet token is its decimal asset id (USDT on Asset Hub: 1984)."""
    text = contract.strip()
    if not text.isdigit():
        raise ValueError(f"Assets pallet token {contract!r}: the contract must be the decimal asset id")
    value = int(text)
    asset_id_bytes(value)
    return value


def _u128(raw: bytes, offset: int) -> int:
    return int.from_bytes(raw[offset : offset + U128_BYTES], "little")


@dataclass(frozen=True, slots=True)
class AccountBalance:
    """A System.Account entry's AccountData. The audit counts free + reserved; frozen is part of them."""

    free: int
    reserved: int
    frozen: int

    @property
    def total(self) -> int:
        return self.free + self.reserved


def decode_account_info(raw: bytes) -> AccountBalance:
    """AccountInfo's AccountData (the last 64 bytes in every layout, see ACCOUNT_INFO_SIZES)."""
    if len(raw) not in ACCOUNT_INFO_SIZES:
        known = ", ".join(str(n) for n in sorted(ACCOUNT_INFO_SIZES))
        raise ValueError(f"System.Account value is {len(raw)} bytes, not an AccountInfo layout this auditor "
                         f"knows ({known} bytes)")
    data = raw[-ACCOUNT_DATA_BYTES:]
    free, reserved, third, fourth = (_u128(data, i * U128_BYTES) for i in range(4))
    # 2023 layout: third = frozen, fourth = flags (new-logic bit set). Before: misc_frozen, fee_frozen; an
    # account not yet touched since the upgrade still holds those, and its frozen is the larger of the two.
    frozen = third if fourth & NEW_LOGIC_FLAG else max(third, fourth)
    return AccountBalance(free, reserved, frozen)


@dataclass(frozen=True, slots=True)
class AssetBalance:
    balance: int
    frozen: bool  # status Frozen or Blocked (2023 layout), or is_frozen (before)


def decode_asset_account(raw: bytes) -> AssetBalance:
    """AssetAccount: balance u128, then the status enum (Liquid 0, Frozen 1, Blocked 2) or the older is_frozen
    bool, then the existence reason and extra (their sizes vary; the audit needs neither)."""
    if len(raw) < U128_BYTES + 2:  # balance, status, at least the reason's variant byte
        raise ValueError(f"Assets.Account value is {len(raw)} bytes, too short for an AssetAccount")
    status = raw[U128_BYTES]
    if status > 2:
        raise ValueError(f"Assets.Account status byte is {status}, not Liquid/Frozen/Blocked")
    return AssetBalance(_u128(raw, 0), status != 0)


def decode_moment(raw: bytes) -> datetime.datetime:
    """Timestamp.Now: u64 milliseconds since the Unix epoch."""
    if len(raw) != 8:
        raise ValueError(f"Timestamp.Now value is {len(raw)} bytes, not a u64")
    return datetime.datetime.fromtimestamp(int.from_bytes(raw, "little") // 1000, datetime.UTC)


def decode_block_number(raw: bytes) -> int:
    """System.Number: a u32 (Polkadot, Kusama, Asset Hub; some chains use u64)."""
    if len(raw) not in (4, 8):
        raise ValueError(f"System.Number value is {len(raw)} bytes, not a u32 or u64")
    return int.from_bytes(raw, "little")
