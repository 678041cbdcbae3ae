"""The hand-written protobuf of chains/aelf against the `protobuf` package, with aelf's message definitions
(AElfProject/AElf protobuf/aelf/core.proto and token_contract.proto) built as descriptors here."""

from __future__ import annotations

import base64
import hashlib

import pytest
from coincurve import PrivateKey, PublicKey
from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

from chains.aelf import addresses
from chains.aelf.events import EventError, TokenMove, balance_before, move_of
from chains.aelf.messages import ReadOnlyCall, get_balance_input, get_balance_output, parse_transaction
from chains.aelf.protobuf import ProtobufError, fields, varint

F = descriptor_pb2.FieldDescriptorProto
TOKEN = "JRmBduh4nXWi1aXgdUsj5gJrzeZb2LxmrAbf7W99faZSvoAaE"


def _messages() -> dict[str, type]:
    file = descriptor_pb2.FileDescriptorProto(name="aelf_subset.proto", package="aelf", syntax="proto3")

    def message(name: str, *spec: tuple[str, int, int, str]) -> None:
        m = file.message_type.add(name=name)
        for field_name, number, kind, type_name in spec:
            m.field.add(name=field_name, number=number, type=kind, label=F.LABEL_OPTIONAL,
                        type_name=type_name or None)

    message("Address", ("value", 1, F.TYPE_BYTES, ""))
    message("Transaction", ("from_address", 1, F.TYPE_MESSAGE, ".aelf.Address"),
            ("to_address", 2, F.TYPE_MESSAGE, ".aelf.Address"), ("ref_block_number", 3, F.TYPE_INT64, ""),
            ("ref_block_prefix", 4, F.TYPE_BYTES, ""), ("method_name", 5, F.TYPE_STRING, ""),
            ("params", 6, F.TYPE_BYTES, ""), ("signature", 10000, F.TYPE_BYTES, ""))
    message("GetBalanceInput", ("symbol", 1, F.TYPE_STRING, ""), ("owner", 2, F.TYPE_MESSAGE, ".aelf.Address"))
    message("GetBalanceOutput", ("symbol", 1, F.TYPE_STRING, ""), ("owner", 2, F.TYPE_MESSAGE, ".aelf.Address"),
            ("balance", 3, F.TYPE_INT64, ""))
    message("Transferred", ("from", 1, F.TYPE_MESSAGE, ".aelf.Address"), ("to", 2, F.TYPE_MESSAGE, ".aelf.Address"),
            ("symbol", 3, F.TYPE_STRING, ""), ("amount", 4, F.TYPE_INT64, ""), ("memo", 5, F.TYPE_STRING, ""))
    pool = descriptor_pool.DescriptorPool()
    pool.Add(file)
    names = ("Address", "Transaction", "GetBalanceInput", "GetBalanceOutput", "Transferred")
    return {n: message_factory.GetMessageClass(pool.FindMessageTypeByName(f"aelf.{n}")) for n in names}


PB = _messages()
OWNER = addresses.account_of(PrivateKey(b"\x05" * 32).public_key)


def test_get_balance_input_and_transaction_match_protobuf() -> None:
    assert get_balance_input("ELF", OWNER) == PB["GetBalanceInput"](
        symbol="ELF", owner=PB["Address"](value=OWNER)).SerializeToString()
    key = PrivateKey(b"\x09" * 32)
    call = ReadOnlyCall(addresses.decode(TOKEN), "GetBalance", get_balance_input("ELF", OWNER), 123_456_789,
                        "ab" * 32)
    raw = call.signed(key)
    parsed = PB["Transaction"]()
    parsed.ParseFromString(raw)
    assert parsed.from_address.value == addresses.account_of(key.public_key)
    assert parsed.to_address.value == addresses.decode(TOKEN)
    assert parsed.ref_block_number == 123_456_789 and parsed.ref_block_prefix == bytes.fromhex("ab" * 4)
    assert parsed.method_name == "GetBalance" and parsed.params == get_balance_input("ELF", OWNER)
    unsigned = PB["Transaction"]()
    unsigned.CopyFrom(parsed)
    unsigned.ClearField("signature")
    digest = hashlib.sha256(unsigned.SerializeToString()).digest()
    assert PublicKey.from_signature_and_message(parsed.signature, digest, hasher=None) == key.public_key
    assert parse_transaction(raw)[1] == digest


@pytest.mark.parametrize("balance", [0, 1, 150, 2**62 + 7])
def test_get_balance_output_is_read_as_protobuf_writes_it(balance: int) -> None:
    data = PB["GetBalanceOutput"](symbol="ELF", owner=PB["Address"](value=OWNER), balance=balance).SerializeToString()
    output = get_balance_output(data)
    assert (output.symbol, output.owner, output.balance) == ("ELF", OWNER, balance)


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"", "without symbol or owner"),
        (bytes.fromhex("0a03454c4612"), "truncated varint|announced"),
        (PB["GetBalanceOutput"](symbol="ELF", owner=PB["Address"](value=OWNER), balance=-5).SerializeToString(),
         "negative"),
        (PB["GetBalanceOutput"](symbol="ELF", owner=PB["Address"](value=b"short")).SerializeToString(),
         "32 bytes"),
        (b"\x0a\x03ELF\x12\x22\x0a\x20" + OWNER + b"\x18", "truncated"),
        (b"\x0d\x01\x02\x03\x04" + b"\x0a\x03ELF", "wire type"),
    ],
)
def test_malformed_outputs_are_errors_never_zero(data: bytes, words: str) -> None:
    with pytest.raises(ProtobufError, match=words):
        get_balance_output(data)


def test_varint_round_trips_including_negative_int64() -> None:
    for value in (0, 1, 127, 128, 300, 2**63 - 1, -1):
        ((_, _, decoded),) = list(fields(b"\x08" + varint(value)))
        assert decoded == value % 2**64


def test_transferred_log_from_indexed_and_non_indexed_parts() -> None:
    other = addresses.account_of(PrivateKey(b"\x06" * 32).public_key)
    event = PB["Transferred"]
    indexed = [event(**{"from": PB["Address"](value=OWNER)}).SerializeToString(),
               event(to=PB["Address"](value=other)).SerializeToString(), event(symbol="ELF").SerializeToString()]
    log = {"Address": TOKEN, "Name": "Transferred", "Indexed": [base64.b64encode(i).decode() for i in indexed],
           "NonIndexed": base64.b64encode(event(amount=42, memo="x").SerializeToString()).decode()}
    move = move_of(log, 7, TOKEN, "")
    assert move == TokenMove(7, "ELF", OWNER, other, 42, "Transferred")
    assert move_of({**log, "Address": addresses.encode(other)}, 7, TOKEN, "") is None  # not the token contract
    assert balance_before(100, other, "ELF", [move]) == 58
    assert balance_before(100, OWNER, "ELF", [move]) == 142
    with pytest.raises(EventError, match="not base64"):
        move_of({**log, "NonIndexed": "***"}, 7, TOKEN, "")


def test_a_fee_event_without_payer_is_not_guessed() -> None:
    """TransactionFeeCharged without charging_address: the sender's roll-back is refused, others are unaffected."""
    body = b"\x0a\x03ELF\x10\x2a"  # symbol ELF, amount 42, no charging_address
    log = {"Address": TOKEN, "Name": "TransactionFeeCharged", "Indexed": [],
           "NonIndexed": base64.b64encode(body).decode()}
    move = move_of(log, 9, TOKEN, addresses.encode(OWNER))
    assert move is not None and move.sender is None and move.unnamed_payer == OWNER and move.amount == 42
    with pytest.raises(ValueError, match="names no payer"):
        balance_before(100, OWNER, "ELF", [move])
    assert balance_before(100, OWNER, "USDT", [move]) == 100
    other = addresses.account_of(PrivateKey(b"\x07" * 32).public_key)
    assert balance_before(100, other, "ELF", [move]) == 100
    charged = b"\x0a\x03ELF\x10\x2a\x1a\x22\x0a\x20" + other
    named = move_of({**log, "NonIndexed": base64.b64encode(charged).decode()}, 9, TOKEN, addresses.encode(OWNER))
    assert named is not None and named.sender == other and named.unnamed_payer is None
    assert balance_before(100, other, "ELF", [named]) == 142
