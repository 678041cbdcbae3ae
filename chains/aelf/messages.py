"""aelf messages: the signed read-only `Transaction` calling MultiToken `GetBalance`, its output, and the token
contract's events that move balances. Shapes from aelf's protobuf definitions (AElfProject/AElf
`protobuf/aelf/core.proto`, `protobuf/token_contract.proto`; aelf-sdk.py `types.proto`):

    message Address { bytes value = 1; }
    message Transaction { Address from_address = 1; Address to_address = 2; int64 ref_block_number = 3;
                          bytes ref_block_prefix = 4; string method_name = 5; bytes params = 6;
                          bytes signature = 10000; }
    message GetBalanceInput  { string symbol = 1; Address owner = 2; }
    message GetBalanceOutput { string symbol = 1; Address owner = 2; int64 balance = 3; }

The signature is secp256k1 over SHA-256 of the transaction serialized without it, 65 bytes r || s || recovery
id (what aelf-sdk.py's `sign_transaction` does with coincurve's `sign_recoverable`).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from coincurve import PrivateKey

from chains.aelf import addresses
from chains.aelf.protobuf import ProtobufError, decode, field_bytes, field_message, field_varint, int64

ADDRESS = {1: "bytes"}


def address_message(account: bytes) -> bytes:
    return field_bytes(1, account)


def address_of(message: bytes) -> bytes:
    account = decode(message, ADDRESS).get(1, b"")
    if not isinstance(account, bytes) or len(account) != 32:
        raise ProtobufError(f"an aelf Address holds 32 bytes, got {len(account) if isinstance(account, bytes) else 0}")
    return account


@dataclass(frozen=True, slots=True)
class ReadOnlyCall:
    to: bytes  # the contract's 32-byte address
    method: str
    params: bytes
    ref_block_number: int
    ref_block_hash: str  # hex; its first 4 bytes are the ref_block_prefix

    def unsigned(self, sender: bytes) -> bytes:
        return (field_message(1, address_message(sender)) + field_message(2, address_message(self.to))
                + field_varint(3, self.ref_block_number) + field_bytes(4, bytes.fromhex(self.ref_block_hash)[:4])
                + field_bytes(5, self.method.encode()) + field_bytes(6, self.params))

    def signed(self, key: PrivateKey) -> bytes:
        sender = addresses.account_of(key.public_key)
        body = self.unsigned(sender)
        signature = key.sign_recoverable(body)  # coincurve hashes with SHA-256 by default, as aelf does
        return body + field_bytes(10000, signature)


def get_balance_input(symbol: str, owner: bytes) -> bytes:
    return field_bytes(1, symbol.encode()) + field_message(2, address_message(owner))


@dataclass(frozen=True, slots=True)
class BalanceOutput:
    symbol: str
    owner: bytes
    balance: int


def get_balance_output(data: bytes) -> BalanceOutput:
    """Strict: symbol and owner must be present (they bind the answer to the question), balance >= 0.
    An absent balance is 0 (proto3 does not write default values)."""
    parsed = decode(data, {1: "bytes", 2: "bytes", 3: "varint"})
    if 1 not in parsed or 2 not in parsed:
        raise ProtobufError("GetBalanceOutput without symbol or owner: cannot tell whose balance it is")
    symbol_raw, owner_raw = parsed[1], parsed[2]
    assert isinstance(symbol_raw, bytes) and isinstance(owner_raw, bytes)
    try:
        symbol = symbol_raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ProtobufError("GetBalanceOutput symbol is not UTF-8") from None
    balance = int64(int(parsed.get(3, 0)))
    if balance < 0:
        raise ProtobufError(f"GetBalanceOutput balance is negative: {balance}")
    return BalanceOutput(symbol, address_of(owner_raw), balance)


def parse_transaction(data: bytes) -> tuple[dict[int, int | bytes], bytes]:
    """A serialized Transaction's fields and the bytes its signature covers (the stand-in server's side)."""
    parsed = decode(data, {1: "bytes", 2: "bytes", 3: "varint", 4: "bytes", 5: "bytes", 6: "bytes",
                           10000: "bytes"})
    signature = parsed.get(10000, b"")
    assert isinstance(signature, bytes)
    suffix = field_bytes(10000, signature)
    if not signature or not data.endswith(suffix):
        raise ProtobufError("transaction signature missing or not last")
    return parsed, hashlib.sha256(data[: -len(suffix)]).digest()
