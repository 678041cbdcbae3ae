"""`auditor run` end to end on real anvil nodes: exact totals, snapshot blocks, exit codes, nothing dropped."""

from __future__ import annotations

import csv
import fcntl
import hashlib
import json
import shutil
from decimal import ROUND_DOWN, Decimal
from pathlib import Path

import pytest

from auditor.cli import main
from auditor.demo.anvil import Anvil, free_port
from auditor.demo.scenario import ETH, MESSAGE, USDT, build_demo
from auditor.demo.signing import demo_key, evm_address, sign_okx_evm
from auditor.ops.history import RunHistory
from auditor.report import ADDRESSES_HEADER

CONFIG = """
[input]
file = "{file}"
[output]
dir = "{out}"
[networks.ETH]
url = "{eth}"
chain_id = {eth_chain}
batch_size = 5
[networks.ARBITRUM]
url_env = "TEST_ARB_RPC"
[liabilities]
ETH = "{eth_owed}"
USDT = "{usdt_owed}"
[registry.tokens.USDT-ERC20]
contract = "{eth_token}"
[registry.tokens.USDT-ARBITRUM]
contract = "{arb_token}"
"""


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    data = tmp_path_factory.mktemp("demo")
    with Anvil(chain_id=1) as eth_node, Anvil(chain_id=42161) as arb_node:
        eth, arb = build_demo(data, eth_node, arb_node)
        yield {"data": data, "eth": eth, "arb": arb, "eth_url": eth_node.url, "arb_url": arb_node.url,
               "eth_node": eth_node}


def _config(tmp_path: Path, demo, monkeypatch, file: Path | None = None, **overrides) -> Path:
    monkeypatch.setenv("TEST_ARB_RPC", demo["arb_url"])
    values = {
        "file": file or demo["data"] / "okx_por_demo.csv", "out": tmp_path / "out", "eth": demo["eth_url"],
        "eth_chain": 1, "eth_owed": "1000", "usdt_owed": "40000000", "eth_token": demo["eth"].token,
        "arb_token": demo["arb"].token,
    } | overrides
    path = tmp_path / "audit.toml"
    path.write_text(CONFIG.format(**values), encoding="utf-8")
    return path


def _latest(tmp_path: Path) -> tuple[dict, list[dict[str, str]]]:
    run = tmp_path / "out" / "latest"
    report = json.loads((run / "report.json").read_text())
    with (run / "addresses.csv").open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    return report, rows


def _copy_with(tmp_path: Path, demo, edit) -> Path:
    lines = (demo["data"] / "okx_por_demo.csv").read_text().splitlines()
    path = tmp_path / "edited.csv"
    path.write_text("\n".join(edit(lines)) + "\n", encoding="utf-8")
    return path


def _lines(demo) -> list[str]:
    return (demo["data"] / "okx_por_demo.csv").read_text().splitlines()


def _detail_start(lines: list[str]) -> int:
    return next(i for i, line in enumerate(lines) if line.startswith("coin,Network")) + 1


def test_full_audit_totals_are_exact(tmp_path, demo, monkeypatch):
    assert main(["run", str(_config(tmp_path, demo, monkeypatch))]) == 0
    report, rows = _latest(tmp_path)
    eth_total = Decimal(demo["eth"].native_total + demo["arb"].native_total) / ETH
    usdt_total = Decimal(demo["eth"].token_total + demo["arb"].token_total) / USDT
    # the contract wallet's rows are proven by two owners, whom the chain shows as owners (2-of-3) at the snapshot
    eth_verified, usdt_verified = eth_total, usdt_total
    assert Decimal(report["assets"]["ETH"]["onchain_verified"]) == eth_verified
    assert Decimal(report["assets"]["ETH"]["onchain"]) == eth_total
    assert Decimal(report["assets"]["USDT"]["onchain_verified"]) == usdt_verified
    expected_ratio = (usdt_verified / 40_000_000).quantize(Decimal("0.000001"), ROUND_DOWN)
    assert Decimal(report["assets"]["USDT"]["ratio"]) == expected_ratio
    assert report["assets"]["USDT"]["networks"].keys() == {"ETH", "ARBITRUM"}  # one asset across networks
    assert report["rows"] == {"total": 26, "verified": 26, "failed": 0, "unchecked": 0, "duplicate": 0}
    assert report["snapshot"]["ETH"]["height"] == demo["eth"].height
    block = demo["eth_node"].rpc("eth_getBlockByNumber", [hex(demo["eth"].height), False])
    assert report["snapshot"]["ETH"]["block_hash"] == block["hash"]
    assert report["snapshot"]["ARBITRUM"]["endpoint"].startswith("http://127.0.0.1:")
    assert all(isinstance(v, str) for v in report["assets"]["ETH"].values() if not isinstance(v, (dict, list, bool)))
    assert list(rows[0].keys()) == ADDRESSES_HEADER
    assert len(rows) == 26 and all(r["declared"] == r["onchain"] and r["status"] == "verified" for r in rows)
    wallet_rows = [r for r in rows if r["address"] == demo["eth"].wallet]
    assert len(wallet_rows) == 2 and all("owners bound on chain: 2 of 3" in r["reason"] for r in wallet_rows)
    assert all(c["ok"] for c in report["summary_checks"]), report["summary_checks"]
    runs = RunHistory(tmp_path / "out").runs(str(_config(tmp_path, demo, monkeypatch).resolve()))
    assert runs[-1].exit_code == 0 and runs[-1].rows == report["rows"]


def test_two_runs_write_identical_reports(tmp_path, demo, monkeypatch):
    config = _config(tmp_path, demo, monkeypatch)
    assert main(["run", str(config), "--out", str(tmp_path / "a")]) == 0
    assert main(["run", str(config), "--out", str(tmp_path / "b")]) == 0
    first, second = (json.loads((tmp_path / d / "latest" / "report.json").read_text()) for d in "ab")
    first.pop("run"), second.pop("run")
    assert first == second
    assert (tmp_path / "a/latest/addresses.csv").read_bytes() == (tmp_path / "b/latest/addresses.csv").read_bytes()


def test_worker_processes_change_nothing(tmp_path, demo, monkeypatch):
    config = _config(tmp_path, demo, monkeypatch)
    for workers in (1, 2):
        text = config.read_text().replace("[input]", f"[audit]\nworkers = {workers}\n[input]")
        (tmp_path / f"w{workers}.toml").write_text(text)
        assert main(["run", str(tmp_path / f"w{workers}.toml"), "--out", str(tmp_path / f"w{workers}")]) == 0
    one, two = ((tmp_path / f"w{n}" / "latest" / "addresses.csv").read_bytes() for n in (1, 2))
    assert one == two


def test_owners_who_do_not_own_the_wallet_leave_it_unchecked(tmp_path, demo, monkeypatch):
    stranger = demo_key("not an owner")

    def swap_owner(lines):
        for i, line in enumerate(lines):
            fields = line.split(",")
            if len(fields) > 10 and fields[3] == demo["eth"].wallet:
                fields[7], fields[10] = sign_okx_evm(stranger, MESSAGE), evm_address(stranger)
                lines[i] = ",".join(fields)
        return lines

    config = _config(tmp_path, demo, monkeypatch, file=_copy_with(tmp_path, demo, swap_owner))
    assert main(["run", str(config)]) == 0
    report, rows = _latest(tmp_path)
    wallet_rows = [r for r in rows if r["address"] == demo["eth"].wallet]
    assert all(r["status"] == "unchecked" and "not among the wallet's 3 owners" in r["reason"] for r in wallet_rows)
    eth_total = Decimal(demo["eth"].native_total + demo["arb"].native_total) / ETH
    assert Decimal(report["assets"]["ETH"]["onchain_verified"]) == eth_total - Decimal(demo["eth"].owner_native) / ETH
    config.write_text(config.read_text().replace("[input]", "[audit]\ntrust_owner_mode = true\n[input]", 1))
    assert main(["run", str(config)]) == 0  # the user may choose OKX's own semantics
    report, _ = _latest(tmp_path)
    assert Decimal(report["assets"]["ETH"]["onchain_verified"]) == eth_total


def test_a_full_owner_proof_after_a_partial_one_still_counts(tmp_path, demo, monkeypatch):
    def partial_first(lines):
        out = []
        for line in lines:
            fields = line.split(",")
            if len(fields) > 10 and fields[3] == demo["eth"].wallet:
                partial = list(fields)
                partial[7], partial[10] = "", ""  # one owner of a 2-of-3 wallet: not enough on its own
                out.append(",".join(partial))
            out.append(line)
        return out

    config = _config(tmp_path, demo, monkeypatch, file=_copy_with(tmp_path, demo, partial_first))
    assert main(["run", str(config)]) == 0
    report, rows = _latest(tmp_path)
    wallet_rows = [r for r in rows if r["address"] == demo["eth"].wallet]
    assert [r["status"] for r in wallet_rows] == ["unchecked", "verified"] * 2
    assert "needs 2" in wallet_rows[0]["reason"] and "proves the address of line" in wallet_rows[1]["reason"]
    eth_total = Decimal(demo["eth"].native_total + demo["arb"].native_total) / ETH
    assert Decimal(report["assets"]["ETH"]["onchain"]) == eth_total
    assert Decimal(report["assets"]["ETH"]["onchain_verified"]) == eth_total


def test_messages_pinned(tmp_path, demo, monkeypatch):
    config = _config(tmp_path, demo, monkeypatch)
    config.write_text(config.read_text().replace("[input]", "[input]\nmessages = ['I am a Binance address']", 1))
    assert main(["run", str(config)]) == 1
    report, rows = _latest(tmp_path)
    assert report["rows"]["failed"] == 26 and "[input] messages" in rows[0]["reason"]
    assert report["assets"]["ETH"]["onchain_verified"] == "0"
    assert report["messages"] == {"signed": {MESSAGE: 26}, "required": ["I am a Binance address"]}


def test_shortfall_exits_1(tmp_path, demo, monkeypatch):
    assert main(["run", str(_config(tmp_path, demo, monkeypatch, usdt_owed="99000000"))]) == 1
    report, _ = _latest(tmp_path)
    assert report["assets"]["USDT"]["ok"] is False and report["assets"]["ETH"]["ok"] is True


def test_forged_signature_fails_the_row_and_its_balance_is_not_verified(tmp_path, demo, monkeypatch):
    def forge(lines):
        i = _detail_start(lines)
        fields = lines[i].split(",")
        fields[6] = fields[6][:-4] + ("00" if fields[6][-4:-2] != "00" else "11") + fields[6][-2:]
        lines[i] = ",".join(fields)
        return lines

    assert main(["run", str(_config(tmp_path, demo, monkeypatch, file=_copy_with(tmp_path, demo, forge)))]) == 1
    report, rows = _latest(tmp_path)
    failed = [r for r in rows if r["status"] == "failed"]
    assert len(failed) == 1 and "signature" in failed[0]["reason"]
    eth = report["assets"]["ETH"]
    assert Decimal(eth["onchain"]) - Decimal(eth["onchain_verified"]) == Decimal(failed[0]["onchain"])
    assert report["rows"]["failed"] == 1


def test_duplicate_row_counted_once(tmp_path, demo, monkeypatch):
    def duplicate(lines):
        return [*lines, lines[_detail_start(lines)]]

    config = _config(tmp_path, demo, monkeypatch, file=_copy_with(tmp_path, demo, duplicate))
    assert main(["run", str(config)]) == 0
    report, rows = _latest(tmp_path)
    assert report["rows"]["duplicate"] == 1 and report["rows"]["total"] == 27
    assert rows[-1]["status"] == "duplicate" and "duplicate of line" in rows[-1]["reason"]
    found = next(d for d in report["discrepancies"] if d["kind"] == "duplicate_row")  # the reason as data too
    assert found["reasons"] == [{"kind": "duplicate", "line": _detail_start(_lines(demo)) + 1}]
    eth_total = Decimal(demo["eth"].native_total + demo["arb"].native_total) / ETH
    assert Decimal(report["assets"]["ETH"]["onchain"]) == eth_total


def test_a_forged_repeat_of_a_good_row_stays_failed(tmp_path, demo, monkeypatch):
    def forge_repeat(lines):
        fields = lines[_detail_start(lines)].split(",")
        fields[6] = "0x" + "11" * 64 + "1b"
        return [*lines, ",".join(fields)]

    config = _config(tmp_path, demo, monkeypatch, file=_copy_with(tmp_path, demo, forge_repeat))
    assert main(["run", str(config)]) == 1
    report, rows = _latest(tmp_path)
    assert rows[-1]["status"] == "failed" and "repeats line" in rows[-1]["reason"]
    assert report["rows"]["failed"] == 1 and report["rows"]["duplicate"] == 0
    eth_total = Decimal(demo["eth"].native_total + demo["arb"].native_total) / ETH
    assert Decimal(report["assets"]["ETH"]["onchain"]) == eth_total  # its balance is not read twice


def test_a_forged_row_before_a_good_one_is_not_counted_twice(tmp_path, demo, monkeypatch):
    def forge_first(lines):
        i = _detail_start(lines)
        fields = lines[i].split(",")
        fields[6] = "0x" + "11" * 64 + "1b"
        return [*lines[:i], ",".join(fields), ",".join(fields), *lines[i:]]  # two forgeries, then the real row

    config = _config(tmp_path, demo, monkeypatch, file=_copy_with(tmp_path, demo, forge_first))
    assert main(["run", str(config)]) == 1
    report, rows = _latest(tmp_path)
    eth_total = Decimal(demo["eth"].native_total + demo["arb"].native_total) / ETH
    assert Decimal(report["assets"]["ETH"]["onchain"]) == eth_total
    assert Decimal(report["assets"]["ETH"]["declared"]) == eth_total
    assert Decimal(report["assets"]["ETH"]["onchain_verified"]) == eth_total  # the real row still proves it
    assert [r["status"] for r in rows[:3]] == ["failed", "failed", "verified"]
    assert "proves the address of line" in rows[2]["reason"]


@pytest.mark.parametrize("edit, message", [
    (("[networks.ETH]", "[networks.ETH]\nbackend = 'bogus'"), "[networks.ETH]: EVM networks read balances over"),
    (("[liabilities]", "[networks.NOSUCHCHAIN]\nurl = 'http://127.0.0.1:1'\n[liabilities]"),
     "[networks.NOSUCHCHAIN]: no such network"),
])
def test_unusable_network_settings_exit_2(tmp_path, demo, monkeypatch, capsys, edit, message):
    config = _config(tmp_path, demo, monkeypatch)
    config.write_text(config.read_text().replace(*edit, 1))
    assert main(["run", str(config)]) == 2
    assert message in capsys.readouterr().err


def test_bad_registry_override_exits_2(tmp_path, demo, monkeypatch, capsys):
    config = _config(tmp_path, demo, monkeypatch)
    config.write_text(config.read_text() + "[registry.tokens.BROKEN]\nasset = 'X'\n")
    assert main(["run", str(config)]) == 2
    assert "tokens.BROKEN: missing" in capsys.readouterr().err


def test_bad_amount_and_unknown_coin_are_reported(tmp_path, demo, monkeypatch):
    def damage(lines):
        i = _detail_start(lines)
        fields = lines[i].split(",")
        fields[4] = "12.5x"  # not a number
        lines[i] = ",".join(fields)
        other = lines[i + 1].split(",")
        other[0] = "NOPE"
        lines[i + 1] = ",".join(other)
        return lines

    path = _copy_with(tmp_path, demo, damage)
    assert main(["run", str(_config(tmp_path, demo, monkeypatch, file=path))]) == 2
    report, rows = _latest(tmp_path)
    assert len(rows) == 26 and report["exit_code"] == 2  # nothing dropped
    bad = next(r for r in rows if r["status"] == "failed")
    assert f"{path}:" in bad["reason"] and "field 'amount'" in bad["reason"]
    unknown = next(r for r in rows if r["coin"] == "NOPE")
    # Ownership is the (network, address)'s: the unknown coin's row keeps its verdict (issue 12), and only its
    # amount is left out of every total.
    assert unknown["status"] == "verified" and "not counted" in unknown["reason"]
    assert "not in the registry" in unknown["reason"] and unknown["onchain"] == ""


def test_unreachable_source_exits_3_and_counts_nothing_as_zero(tmp_path, demo, monkeypatch):
    config = _config(tmp_path, demo, monkeypatch, eth=f"http://127.0.0.1:{free_port()}")
    assert main(["run", str(config)]) == 3
    report, rows = _latest(tmp_path)
    eth_rows = [r for r in rows if r["network"] == "ETH"]
    assert eth_rows and all(r["onchain"] == "" and "balance unavailable" in r["reason"] for r in eth_rows)
    assert report["data_source_errors"][0]["network"] == "ETH"
    assert len(report["missing_balances"]) == len(eth_rows)
    assert Decimal(report["assets"]["ETH"]["onchain"]) == Decimal(demo["arb"].native_total) / ETH


def test_wrong_chain_id_exits_3(tmp_path, demo, monkeypatch):
    assert main(["run", str(_config(tmp_path, demo, monkeypatch, eth_chain=5))]) == 3
    report, _ = _latest(tmp_path)
    assert "chain id" in report["data_source_errors"][0]["error"]


def test_config_errors_exit_2(tmp_path, demo, monkeypatch, capsys):
    config = _config(tmp_path, demo, monkeypatch)
    monkeypatch.delenv("TEST_ARB_RPC")
    assert main(["run", str(config)]) == 2
    assert "TEST_ARB_RPC" in capsys.readouterr().err
    config.write_text(config.read_text().replace('ETH = "1000"', "ETH = 1000.5"))
    monkeypatch.setenv("TEST_ARB_RPC", demo["arb_url"])
    assert main(["run", str(config)]) == 2
    assert "not floats" in capsys.readouterr().err


def test_overlapping_run_exits_4(tmp_path, demo, monkeypatch):
    config = _config(tmp_path, demo, monkeypatch)
    (tmp_path / "out").mkdir()
    with (tmp_path / "out" / ".lock").open("a+") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        assert main(["run", str(config)]) == 4


def test_secret_in_url_never_reaches_the_report(tmp_path, demo, monkeypatch):
    url = demo["eth_url"].replace("http://", "http://user:hunter2@") + "/?apikey=SECRETKEY"
    assert main(["run", str(_config(tmp_path, demo, monkeypatch, eth=url))]) == 0
    run = tmp_path / "out" / "latest"
    for name in ("report.json", "report.md", "addresses.csv"):
        text = (run / name).read_text()
        assert "hunter2" not in text and "SECRETKEY" not in text


def test_secret_in_url_stays_out_of_errors(tmp_path, demo, monkeypatch, capsys):
    url = f"http://user:hunter2@127.0.0.1:{free_port()}/v3/SECRETKEY"
    assert main(["run", str(_config(tmp_path, demo, monkeypatch, eth=url))]) == 3
    run = tmp_path / "out" / "latest"
    outputs = [(run / name).read_text() for name in ("report.json", "report.md", "addresses.csv", "findings.jsonl")]
    outputs.append("".join(capsys.readouterr()))
    assert "127.0.0.1" in outputs[0]  # the error names the endpoint...
    assert not any("hunter2" in text or "SECRETKEY" in text for text in outputs)  # ...but not its secrets


def test_verify_only(tmp_path, demo):
    assert main(["verify", str(demo["data"] / "okx_por_demo.csv"), "--out", str(tmp_path / "v")]) == 0
    report = json.loads((tmp_path / "v" / "latest" / "report.json").read_text())
    assert report["rows"]["verified"] == 24 and report["rows"]["unchecked"] == 2 and report["tool"]["mode"] == "verify"
    assert report["snapshot"] == {}
    shutil.rmtree(tmp_path / "v")


# ---- issue 13: verdicts that must not pass silently ------------------------------------------------------


def test_an_asset_without_liabilities_is_no_liabilities_not_pass(tmp_path, demo, monkeypatch, capsys):
    config = _config(tmp_path, demo, monkeypatch)
    config.write_text(config.read_text().replace('USDT = "40000000"\n', ""))
    assert main(["run", str(config)]) == 0  # nothing is wrong; there is only nothing to compare with
    report, _ = _latest(tmp_path)
    assert report["assets"]["USDT"]["liabilities"] is None and report["assets"]["USDT"]["ratio"] is None
    usdt_row = next(line for line in (tmp_path / "out" / "latest" / "report.md").read_text().splitlines()
                    if line.startswith("| USDT |"))
    assert usdt_row.endswith("| NO LIABILITIES |") and "PASS" not in usdt_row
    printed = next(line for line in capsys.readouterr().out.splitlines() if line.strip().startswith("USDT"))
    assert "NO LIABILITIES" in printed and "PASS" not in printed


def test_the_required_ratio_is_a_percentage_like_the_ratio(tmp_path, demo, monkeypatch):
    assert main(["run", str(_config(tmp_path, demo, monkeypatch))]) == 0
    eth_row = next(line for line in (tmp_path / "out" / "latest" / "report.md").read_text().splitlines()
                   if line.startswith("| ETH |"))
    cells = [cell.strip() for cell in eth_row.strip("|").split("|")]
    assert cells[5].endswith(" %") and cells[6] == "100.00 %", cells


def test_an_audit_of_zero_rows_is_not_a_success(tmp_path, demo, monkeypatch, capsys):
    path = _copy_with(tmp_path, demo, lambda lines: lines[: _detail_start(lines)])  # summary and header only
    assert main(["run", str(_config(tmp_path, demo, monkeypatch, file=path))]) == 2
    report, rows = _latest(tmp_path)
    assert rows == [] and report["rows"]["total"] == 0 and report["exit_code"] == 2
    assert "no detail rows" in capsys.readouterr().err
    assert main(["verify", str(path), "--out", str(tmp_path / "v"), "--quiet"]) == 2


def _summary_edit(coin: str, column: int, value):
    def edit(lines: list[str]) -> list[str]:
        i = next(i for i, line in enumerate(lines) if line.startswith(f"{coin},"))
        fields = lines[i].split(",")
        fields[column] = value(fields[column])
        lines[i] = ",".join(fields)
        return lines
    return edit


def test_a_summary_disagreeing_with_the_rows_fails_the_run_with_both_figures(tmp_path, demo, monkeypatch):
    path = _copy_with(tmp_path, demo, _summary_edit("ETH(ALL)", 2, lambda _: "99999999"))
    assert main(["run", str(_config(tmp_path, demo, monkeypatch, file=path))]) == 1
    report, _ = _latest(tmp_path)
    eth_total = Decimal(demo["eth"].native_total + demo["arb"].native_total) / ETH
    found = [d for d in report["discrepancies"] if d["kind"] == "summary_mismatch"]
    assert len(found) == 1 and found[0]["summary"] == "99999999" and Decimal(found[0]["detail"]) == eth_total
    markdown = (tmp_path / "out" / "latest" / "report.md").read_text()
    assert "99999999" in markdown and "summary section says" in markdown


def test_a_summary_height_other_than_the_rows_fails_the_run(tmp_path, demo, monkeypatch):
    height = demo["eth"].height
    path = _copy_with(tmp_path, demo, _summary_edit("ETH", 1, lambda _: str(height + 7)))
    assert main(["run", str(_config(tmp_path, demo, monkeypatch, file=path))]) == 1
    report, _ = _latest(tmp_path)
    found = [d for d in report["discrepancies"] if d["kind"] == "summary_mismatch"]
    assert len(found) == 1 and found[0]["summary_height"] == height + 7 and found[0]["detail_heights"] == [height]


def test_an_over_long_field_is_cut_in_every_output(tmp_path, demo, monkeypatch):
    long_address = "0x" + "ab" * 2_500_000  # a 5 MB field
    long_message = "I am an OKX address" + " " * 5_000_000
    digests = {hashlib.sha256(text.encode()).hexdigest() for text in (long_address, long_message)}

    def edit(lines):
        i = _detail_start(lines)
        fields = lines[i].split(",")
        fields[3], fields[5] = long_address, long_message
        lines[i] = ",".join(fields)
        return lines

    path = _copy_with(tmp_path, demo, edit)
    assert main(["run", str(_config(tmp_path, demo, monkeypatch, file=path))]) == 1  # the row fails
    run = tmp_path / "out" / "latest"
    for name in ("addresses.csv", "findings.jsonl", "report.json", "report.md"):
        text = (run / name).read_text()
        assert len(text) < 200_000, (name, len(text))
        assert "ab" * 1000 not in text and " " * 1000 not in text, name
    assert hashlib.sha256(long_address.encode()).hexdigest() in (run / "addresses.csv").read_text()
    assert hashlib.sha256(long_address.encode()).hexdigest() in (run / "findings.jsonl").read_text()
    assert any(digest in (run / "report.json").read_text() for digest in digests)
    assert all(digest in (run / "report.md").read_text() for digest in digests)


def test_verify_takes_quiet_like_run(tmp_path, demo, capsys):
    path = str(demo["data"] / "okx_por_demo.csv")
    assert main(["verify", path, "--out", str(tmp_path / "loud")]) == 0
    assert "auditor: ownership: 26/26 rows" in capsys.readouterr().err  # progress lines when not a terminal
    assert main(["verify", path, "--out", str(tmp_path / "quiet"), "--quiet"]) == 0
    captured = capsys.readouterr()
    assert "rows/s" not in captured.err and "report.md" in captured.out
