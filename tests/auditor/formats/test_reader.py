"""Address-file reader: every layout recognised by its header names, line numbers kept, nothing dropped."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from auditor.formats import InputError, open_address_file
from auditor.formats.layouts import GenericColumns
from tests.conftest import SHARED, needs_shared

SIG = "0x" + "ab" * 65


def _write(tmp_path: Path, text: str, name: str = "f.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_okx_11_column_example():
    path = needs_shared(SHARED / "okx" / "okx_por_example.csv")
    file = open_address_file(path)
    assert file.layout.name == "okx-11col"
    assert [s.coin for s in file.summary][:3] == ["ETH(ALL)", "USDT(ALL)", "USDT-TRC20"]
    assert file.summary[2].snapshot_height == 46095694 and file.summary[2].amount == Decimal("5436.9044")
    rows = list(file.rows())
    assert [r.line for r in rows] == [16, 17, 18, 19, 20]
    assert all(not r.input_error for r in rows)  # rows that omit trailing empty eoa columns are complete
    assert rows[2].eoa1 == "0x0cdcdb19a857c2ac24818ca4fdfe38cce071483e"  # header " eoa1" has a stray space
    assert rows[0].amount == "0.058959708849230328" and rows[0].snapshot_height == 20914735
    assert len(file.sha256) == 64


def test_okx_12_column_staking_example():
    file = open_address_file(needs_shared(SHARED / "okx" / "okx_por_staking_example.csv"))
    assert file.layout.name == "okx-12col"
    rows = list(file.rows())
    assert [r.kind for r in rows] == ["Non Staking", "Native ETH Staking", "Eigenlayer Staking"]
    assert rows[1].eoa1 and rows[2].eoa1 and rows[2].eoa2


def test_okx_2025_layout_and_null_markers():
    file = open_address_file(needs_shared(SHARED / "okx" / "test.csv"))
    assert file.layout.name == "okx-2025" and file.summary == []
    rows = list(file.rows())
    assert len(rows) == 9
    assert rows[0].signature2 == "" and rows[0].message == "OKC_DTT_AUP2025"  # "null" is empty
    assert rows[2].script.startswith("522103")


def test_okx_2022_layout_amounts_in_base_units(tmp_path):
    path = _write(tmp_path, (
        "coin,snapshot height,amount\nETH,15000000,1.5\n\n"
        "coin,address,amount,message,signature1,signature2,redeem script/ public key\n"
        f"ETH,0x{'11' * 20},1500000000000000000,msg,{SIG},,\n"
        f"ETH,0x{'22' * 20},1.5,msg,{SIG},,\n"
    ))
    file = open_address_file(path)
    assert file.layout.name == "okx-2022" and file.layout.amounts_in_base_units
    first, second = file.rows()
    assert first.amount_in_base_units and not first.input_error
    assert "base units" in second.input_error and f"{path}:6" in second.input_error


def test_okx_9_column_layout(tmp_path):
    path = _write(tmp_path, (
        "coin,network,snapshot height,address,balance,message,signature1,signature2,redeem_script\n"
        f"USDT,ETH,19000000,0x{'11' * 20},12.5,msg,{SIG},\\N,\"\"\n"
    ))
    file = open_address_file(path)
    assert file.layout.name == "okx-9col"
    (row,) = file.rows()
    assert row.network == "ETH" and row.amount == "12.5" and row.signature2 == "" and row.script == ""


def test_2026_summary_without_heights(tmp_path):
    path = _write(tmp_path, (
        "coin,amount\nBTC,1.5\n\n"
        "coin,Type,Network,Snapshot Height,address,amount,message,signature1,signature2,"
        "redeem script/ public key,EOA1,EOA2\n"
        f"ETH,Non Staking,ETH,1,0x{'11' * 20},1,m,{SIG},,,,\n"
    ))
    file = open_address_file(path)
    assert file.layout.name == "okx-12col"
    assert file.summary[0].coin == "BTC" and file.summary[0].snapshot_height is None
    assert len(list(file.rows())) == 1


def test_htx_layout_with_bom():
    file = open_address_file(needs_shared(SHARED / "htx" / "huobi_por.csv"))
    assert file.layout.name == "htx"
    assert file.summary[0].coin == "BTC(ALL)"  # BOM stripped from the first header
    rows = list(file.rows())
    assert rows[0].coin == "BTC" and rows[0].snapshot_height == 934496 and rows[0].signature1


def test_bad_rows_are_reported_with_line_and_field(tmp_path):
    path = _write(tmp_path, (
        "coin,Network,Snapshot Height,address,amount,message,signature1,signature2,redeem script/ public key\n"
        f"ETH,ETH,100,0x{'11' * 20},abc,m,{SIG},,\n"
        f"ETH,ETH,10x0,0x{'11' * 20},1,m,{SIG},,\n"
        "ETH,ETH,100,0x1111\n"
        f"ETH,ETH,100,,1,m,{SIG},,\n"
        f"ETH,ETH,100,0x{'33' * 20},-1,m,{SIG},,\n"
        f"ETH,ETH,100,0x{'55' * 20},1_000,m,{SIG},,\n"
        f"ETH,ETH,100,0x{'44' * 20},1,m,{SIG},,\n"
    ))
    rows = list(open_address_file(path).rows())  # (line 8 is the good one)
    assert [r.line for r in rows] == [2, 3, 4, 5, 6, 7, 8]  # nothing dropped
    assert f"{path}:2" in rows[0].input_error
    assert "field 'amount': not a number: 'abc'" in rows[0].input_error
    assert "field 'snapshot_height'" in rows[1].input_error
    assert "truncated row" in rows[2].input_error
    assert "field 'address': empty" in rows[3].input_error
    assert "negative amount" in rows[4].input_error
    assert "not a number: '1_000'" in rows[5].input_error
    assert rows[6].input_error == ""


def test_quoted_multiline_field_keeps_line_numbers(tmp_path):
    path = _write(tmp_path, (
        "coin,Network,Snapshot Height,address,amount,message,signature1,signature2,redeem script/ public key\n"
        f"ETH,ETH,100,0x{'11' * 20},1,\"two\nlines\",{SIG},,\n"
        f"ETH,ETH,100,0x{'22' * 20},1,m,{SIG},,\n"
    ))
    rows = list(open_address_file(path).rows())
    assert [r.line for r in rows] == [2, 4]
    assert rows[0].message == "two\nlines"


def test_json_public_key_is_unwrapped(tmp_path):
    path = _write(tmp_path, (
        "digitalAsset,network,address,signedMessage,signedMessage2,message,publicKey,owner1,owner2\n"
        f"EOS,Vaulta,acct,{SIG},,m,\"{{\"\"publicKey\"\": \"\"EOS7abc\"\"}}\",,\n"
    ))
    (row,) = open_address_file(path).rows()
    assert row.script == "EOS7abc"


def test_generic_layout(tmp_path):
    path = _write(tmp_path, f"wallet,asset,chain,qty,proof,text\n0x{'11' * 20},USDT,ETH,5,{SIG},hi\n")
    columns = GenericColumns({"address": "wallet", "coin": "asset", "network": "chain", "amount": "qty",
                              "signature1": "proof", "message": "text"})
    (row,) = open_address_file(path, columns).rows()
    assert (row.coin, row.network, row.amount, row.message) == ("USDT", "ETH", "5", "hi")
    with pytest.raises(InputError, match="lacks the configured columns"):
        open_address_file(path, GenericColumns({"address": "addr", "coin": "asset"}))


def test_unknown_header_and_missing_file(tmp_path):
    with pytest.raises(InputError, match="unrecognised header"):
        open_address_file(_write(tmp_path, "foo,bar\n1,2\n"))
    with pytest.raises(InputError, match="cannot open"):
        open_address_file(tmp_path / "nope.csv")
    with pytest.raises(InputError, match="no detail header"):
        open_address_file(_write(tmp_path, "coin,snapshot height,amount\nBTC,1,2\n", "s.csv"))


def test_unterminated_quote_is_an_input_error_not_a_swallowed_row(tmp_path):
    path = _write(tmp_path, (
        "coin,Network,Snapshot Height,address,amount,message,signature1,signature2,redeem script/ public key\n"
        f"ETH,ETH,100,0x{'11' * 20},1,m,{SIG},,\"\n"
        f"ETH,ETH,100,0x{'22' * 20},1,m,0x00,,\n"
    ))
    with pytest.raises(InputError, match=r"f.csv:2: broken CSV quoting"):
        list(open_address_file(path).rows())


def test_line_break_outside_the_message_flags_the_row(tmp_path):
    path = _write(tmp_path, (
        "coin,Network,Snapshot Height,address,amount,message,signature1,signature2,redeem script/ public key\n"
        f"ETH,ETH,100,\"0x{'11' * 20}\nETH\",1,m,{SIG},,\n"
    ))
    (row,) = open_address_file(path).rows()
    assert "field 'address': contains a line break" in row.input_error


def test_sha256_is_of_the_bytes_as_published(tmp_path):
    import hashlib

    path = tmp_path / "bom.csv"
    path.write_bytes(b"\xef\xbb\xbfcoin,address,snapshot height,balance,message,signature\r\nBTC,1A,1,2,m,s\r\n")
    file = open_address_file(path)
    assert file.layout.name == "htx" and len(list(file.rows())) == 1
    assert file.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()


def test_implausible_amounts_are_row_errors(tmp_path):
    path = _write(tmp_path, (
        "coin,Network,Snapshot Height,address,amount,message,signature1,signature2,redeem script/ public key\n"
        f"ETH,ETH,100,0x{'11' * 20},1{'0' * 120},m,{SIG},,\n"  # (1e120 is refused as exponent notation)
    ))
    (row,) = open_address_file(path).rows()
    assert "implausible amount" in row.input_error


def test_exponent_notation_is_refused_in_detail_and_summary_rows(tmp_path):
    path = _write(tmp_path, (
        "coin,snapshot height,amount\nETH,100,1E-3\nBTC,100,2.5\n\n"
        "coin,Network,Snapshot Height,address,amount,message,signature1,signature2,redeem script/ public key\n"
        f"ETH,ETH,100,0x{'11' * 20},1e5,m,{SIG},,\n"
        f"ETH,ETH,100,0x{'22' * 20},.5E+2,m,{SIG},,\n"
        f"ETH,ETH,100,0x{'33' * 20},100000,m,{SIG},,\n"
    ))
    file = open_address_file(path)
    eth, btc = file.summary
    assert eth.amount is None and f"{path}:2: field 'amount': exponent notation" in eth.error and "'1E-3'" in eth.error
    assert btc.amount == Decimal("2.5") and btc.error == ""
    first, second, plain = file.rows()
    assert f"{path}:6: field 'amount': exponent notation is not accepted" in first.input_error
    assert "'1e5'" in first.input_error
    assert f"{path}:7: field 'amount': exponent notation" in second.input_error and plain.input_error == ""


def _rows_with_bad_byte(tmp_path: Path, bad_line: int, prefix: bytes = b"") -> Path:
    header = b"coin,Network,Snapshot Height,address,amount,message,signature1,signature2,redeem script/ public key\n"
    lines = [f"ETH,ETH,100,0x{n:040x},1,I am an OKX address \u2713,{SIG},,\n".encode() for n in range(2, 800)]
    index = bad_line - 2
    lines[index] = lines[index].replace(b"address \xe2\x9c\x93", b"addr\xe9ss \xe2\x9c\x93")  # latin-1 é
    path = tmp_path / "bad.csv"
    path.write_bytes(prefix + header + b"".join(lines))
    return path


@pytest.mark.parametrize("prefix", [b"", b"\xef\xbb\xbf"])
def test_invalid_utf8_is_reported_with_line_and_column(tmp_path, prefix):
    path = _rows_with_bad_byte(tmp_path, 600, prefix)
    file = open_address_file(path)
    with pytest.raises(InputError) as error:
        for _row in file.rows():
            pass
    message = str(error.value)
    column = len(f"ETH,ETH,100,0x{598:040x},1,I am an OKX addr") + 1
    assert error.value.line == 600 and message.startswith(f"{path}:600: not UTF-8 text at line 600, column {column}")
    assert "e9" in message


def test_invalid_utf8_in_the_header_and_exit_2(tmp_path, caplog):
    from auditor.cli import main

    path = tmp_path / "h.csv"
    path.write_bytes(b"coin,address,amount\xff,message\n")
    with pytest.raises(InputError, match=r"h.csv:1: not UTF-8 text at line 1, column 20 "):
        open_address_file(path)
    bad = _rows_with_bad_byte(tmp_path, 700)
    assert main(["verify", str(bad), "--out", str(tmp_path / "out")]) == 2
    assert "bad.csv:700: not UTF-8 text at line 700, column" in caplog.text


def test_an_amount_in_exponent_notation_exits_2_naming_line_and_field(tmp_path):
    from auditor.cli import main

    path = _write(tmp_path, (
        "coin,Network,Snapshot Height,address,amount,message,signature1,signature2,redeem script/ public key\n"
        f"ETH,ETH,100,0x{'11' * 20},1,m,{SIG},,\n"
        f"ETH,ETH,100,0x{'22' * 20},1e5,m,{SIG},,\n"
    ))
    assert main(["verify", str(path), "--out", str(tmp_path / "out")]) == 2
    addresses = (tmp_path / "out" / "latest" / "addresses.csv").read_text(encoding="utf-8")
    assert f"input: {path}:3: field 'amount': exponent notation is not accepted" in addresses


def test_the_plain_amount_shortcut_only_passes_what_amount_problem_accepts() -> None:
    """_plainly_an_amount spares amount_problem's Decimal only where amount_problem would find nothing."""
    from auditor.formats.reader import _plainly_an_amount
    from auditor.money import MAX_DIGITS, amount_problem

    amounts = ["0", "1", "1.5", "12.", ".5", "1.0", "-1", "1e5", "1.2.3", "", " 1", "١٢", "1_000", "NaN",
               "9" * MAX_DIGITS, "9" * (MAX_DIGITS + 1), "0." + "1" * MAX_DIGITS, "0." + "1" * (MAX_DIGITS - 2)]
    passed = 0
    for text in amounts:
        for base_units in (False, True):
            if _plainly_an_amount(text, base_units):
                passed += 1
                assert amount_problem(text, base_units) == "", (text, base_units)
    assert passed >= 8
    assert not _plainly_an_amount("1.5", True) and amount_problem("1.5", True)
