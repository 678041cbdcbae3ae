"""Config loading: every key of configs/example.toml parses; secrets come from the environment; errors name
the file and key."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from auditor.config import ConfigError, load_config

EXAMPLE = Path(__file__).resolve().parents[2] / "configs" / "example.toml"
ENV = {
    "ETH_RPC_URL": "https://eth.example/v3/KEY", "ARBITRUM_RPC_URL": "http://arb",
    "BTC_RPC_URL": "http://u:p@btc:8332/", "TRONGRID_API_KEY": "secret",
    "AUDIT_WEBHOOK_URL": "https://hooks.example/services/T0/B0/HOOKSECRET",
}


def test_example_config_loads():
    config = load_config(EXAMPLE, ENV)
    eth = config.networks["ETH"]
    assert eth.endpoint.url == ENV["ETH_RPC_URL"] and eth.endpoint.display == "https://eth.example"
    assert eth.snapshot_height == 21000000 and eth.endpoint.chain_id == 1 and eth.endpoint.batch_size == 500
    assert config.networks["TRON"].endpoint.headers == {"TRON-PRO-API-KEY": "secret"}
    assert config.liabilities["BTC"] == Decimal("19500.25")
    assert config.ratio_for("btc") == Decimal("1.0") and config.ratio_for("ETH") == Decimal("1.0")
    assert config.registry_overrides["tokens"]["MYTOKEN-ERC20"]["decimals"] == 18
    assert len(config.sha256) == 64
    assert config.ops.keep_runs == 30 and config.ops.metrics_file.name == "auditor.prom"
    assert config.ops.alerts.webhook_url == ENV["AUDIT_WEBHOOK_URL"] and config.ops.alerts.max_seconds == 60
    assert "HOOKSECRET" not in repr(config)


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "c.toml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    "text, message",
    [
        ("[output]\ndir='x'\n", "[input] file is required"),
        ("[input]\nfile='a.csv'\n[liabilities]\nBTC = 1.5\n", "not floats"),
        ("[input]\nfile='a.csv'\n[liabilities]\nBTC = 'lots'\n", "[liabilities] BTC: not a number"),
        ("[input]\nfile='a.csv'\n[networks.ETH]\nurl_env='NOT_SET_ANYWHERE'\n", "NOT_SET_ANYWHERE"),
        ("[input]\nfile='a.csv'\n[networks.ETH]\nurl='http://x'\nbatchsize=5\n", "unknown key(s) batchsize"),
        ("[input]\nfile='a.csv'\n[inptu]\n", "unknown section(s) inptu"),
        ("[input]\nfile='a.csv'\nformat='xml'\n", "format must be"),
        ("[input\n", "not valid TOML"),
        ("[input]\nfile='a.csv'\n[output]\nkeep_runs=0\n", "[output] keep_runs must be a positive integer"),
        ("[input]\nfile='a.csv'\n[output]\nmetrics='x'\n", "[output] unknown key(s) metrics"),
        ("[input]\nfile='a.csv'\n[alerts]\nwebhook_env='NO_HOOK'\n",
         "[alerts] webhook_env: environment variable NO_HOOK is not set"),
        ("[input]\nfile='a.csv'\n[alerts]\nmax_seconds=0\n", "[alerts] max_seconds must be"),
    ],
)
def test_config_errors_name_file_and_key(tmp_path, text, message):
    path = _write(tmp_path, text)
    with pytest.raises(ConfigError) as error:
        load_config(path, {})
    assert str(path) in str(error.value) and message in str(error.value)


def test_every_unset_variable_is_named_in_one_error(tmp_path):
    """Four unset (or empty) variables in four keys: one error (exit 2) names all four, one per line, each with
    its key; a set variable's value is never printed."""
    path = _write(tmp_path, "[input]\nfile='a.csv'\n"
                  "[networks.ETH]\nurl_env='ETH_RPC_URL'\nheaders_env={ 'X-Api-Key' = 'ETH_KEY' }\n"
                  "[networks.BTC]\nurl='http://u:${BTC_PASSWORD}@btc:8332/'\n"
                  "[networks.TRON]\nurl_env='TRON_RPC_URL'\n[alerts]\nwebhook_env='AUDIT_HOOK'\n")
    environ = {"TRON_RPC_URL": "https://tron.example/S3cretTronKey", "AUDIT_HOOK": ""}
    with pytest.raises(ConfigError) as error:
        load_config(path, environ)
    lines = str(error.value).splitlines()
    assert lines[0] == f"{path}: 4 environment variables are not set:"
    assert [line.strip() for line in lines[1:]] == [
        "[networks.ETH] url_env: environment variable ETH_RPC_URL is not set",
        "[networks.ETH] headers_env.X-Api-Key: environment variable ETH_KEY is not set",
        "[networks.BTC] url: environment variable BTC_PASSWORD (referenced as ${BTC_PASSWORD}) is not set",
        "[alerts] webhook_env: environment variable AUDIT_HOOK is not set",
    ]
    assert error.value.exit_code == 2 and "S3cretTronKey" not in str(error.value)
    for name, value in {"ETH_RPC_URL": "http://eth", "ETH_KEY": "k", "BTC_PASSWORD": "p"}.items():
        environ[name] = value  # each variable set in turn drops out of the list
        if name != "BTC_PASSWORD":
            with pytest.raises(ConfigError) as error:
                load_config(path, environ)
            assert name not in str(error.value) and "AUDIT_HOOK" in str(error.value)
    environ["AUDIT_HOOK"] = "https://hooks.example/S3cretHook"
    assert load_config(path, environ).networks["ETH"].endpoint.headers == {"X-Api-Key": "k"}


def test_check_lists_every_unset_variable(tmp_path, monkeypatch, caplog):
    """`auditor check` (and `auditor run`, which loads the config the same way) exits 2 naming all three."""
    from auditor.cli import main

    for name in ("ETH_RPC_URL", "BTC_RPC_URL", "TRON_RPC_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("ARB_RPC_URL", "https://arb.example/S3cretArbKey")
    path = _write(tmp_path, "[input]\nfile='a.csv'\n" + "".join(
        f"[networks.{code}]\nurl_env='{code}_RPC_URL'\n" for code in ("ETH", "ARB", "BTC", "TRON")))
    for command in ("check", "run"):
        caplog.clear()
        assert main([command, str(path)]) == 2
        text = caplog.text
        assert "3 environment variables are not set" in text and "S3cretArbKey" not in text
        for code in ("ETH", "BTC", "TRON"):
            assert f"[networks.{code}] url_env: environment variable {code}_RPC_URL is not set" in text


def test_liabilities_file_csv_and_json(tmp_path):
    (tmp_path / "l.csv").write_text("asset,amount\nbtc,1.25\nUSDT,100\n")
    (tmp_path / "l.json").write_text('{"ETH": "3.5", "BTC": 2}')
    config = load_config(_write(tmp_path, "[input]\nfile='a.csv'\n[liabilities]\nfile='l.csv'\nUSDT='7'\n"), {})
    assert config.liabilities == {"BTC": Decimal("1.25"), "USDT": Decimal("7")}
    config = load_config(_write(tmp_path, "[input]\nfile='a.csv'\n[liabilities]\nfile='l.json'\n"), {})
    assert config.liabilities == {"ETH": Decimal("3.5"), "BTC": Decimal("2")}
    (tmp_path / "l.csv").write_text("asset,amount\nBTC,1\nbtc,2\n")
    with pytest.raises(ConfigError, match=r"l.csv:3: asset btc is listed twice"):
        load_config(_write(tmp_path, "[input]\nfile='a.csv'\n[liabilities]\nfile='l.csv'\n"), {})
    (tmp_path / "l.csv").write_text("asset,amount\nBTC,many\n")
    with pytest.raises(ConfigError, match=r"l.csv:2: field 'amount'"):
        load_config(_write(tmp_path, "[input]\nfile='a.csv'\n[liabilities]\nfile='l.csv'\n"), {})


def _error(tmp_path: Path, text: str) -> str:
    path = _write(tmp_path, text)
    with pytest.raises(ConfigError) as error:
        load_config(path, {})
    message = str(error.value)
    assert str(path) in message
    return message


@pytest.mark.parametrize(
    "text, expected",
    [
        # a typo must not switch the pinned statement off (issue 13 item 3)
        ("[input]\nfile='a.csv'\nmesages=['I am an OKX address']\n",
         "[input] unknown key(s) mesages (did you mean 'messages'?)"),
        ("[input]\nfile='a.csv'\n[audit]\nrequred_ratio='1.1'\n",
         "[audit] unknown key(s) requred_ratio (did you mean 'required_ratio'?)"),
        ("[input]\nfile='a.csv'\n[inptu]\n", "unknown section(s) inptu (did you mean 'input'?)"),
        ("[input]\nfile='a.csv'\n[networks.ETH]\nurl='http://x'\nbatchsize=5\n",
         "[networks.ETH] unknown key(s) batchsize (did you mean 'batch_size'?)"),
        ("[input]\nfile='a.csv'\n[output]\nmetrics='x'\n",
         "[output] unknown key(s) metrics (did you mean 'metrics_file'?)"),
        ("[input]\nfile='a.csv'\n[alerts]\nwebhook='X'\n",
         "[alerts] unknown key(s) webhook (did you mean 'webhook_env'?)"),
        ("[input]\nfile='a.csv'\nformat='generic'\n[input.columns]\ncoin='c'\naddress='a'\nammount='b'\n",
         "[input.columns] unknown key(s) ammount (did you mean 'amount'?)"),
        ("[input]\nfile='a.csv'\ncolumns={coin='c', address='a'}\n", "[input] columns applies only with format"),
        ("[input]\nfile='a.csv'\n[registry]\ntoken={}\n", "[registry] unknown key(s) token (did you mean 'tokens'?)"),
        ("[input]\nfile='a.csv'\n[registry.tokens.X]\nasset='X'\nnetwork='ETH'\ndecimls=6\n",
         "[registry.tokens.X] unknown key(s) decimls (did you mean 'decimals'?)"),
        ("[input]\nfile='a.csv'\n[liabilities]\nmerkle_tre='tree.txt'\n",
         "[liabilities] unknown key 'merkle_tre' (did you mean 'merkle_tree'?)"),
    ],
)
def test_unknown_keys_are_refused_with_the_closest_valid_key(tmp_path, text, expected):
    assert expected in _error(tmp_path, text)


@pytest.mark.parametrize(
    "key, value, expected",
    [
        ("timeout_seconds", "0", "timeout_seconds: must be greater than 0"),  # 0 used to disable the timeout
        ("timeout_seconds", "-1.5", "timeout_seconds: must be greater than 0"),
        ("timeout_seconds", "inf", "timeout_seconds: must be greater than 0"),
        ("timeout_seconds", "nan", "timeout_seconds: must be greater than 0"),
        ("timeout_seconds", "'30'", "timeout_seconds: must be a number"),
        ("retries", "0", "retries: must be at least 1"),
        ("retries", "2.5", "retries: must be an integer"),
        ("batch_size", "0", "batch_size: must be at least 1"),
        ("batch_size", "10000000", "batch_size: must be at least 1 and at most 100000"),
        ("max_concurrency", "0", "max_concurrency: must be at least 1"),
        ("requests_per_second", "0", "requests_per_second: must be greater than 0"),
        ("chain_id", "true", "chain_id: must be an integer"),
        ("url_env", "'ETH_URL'", "url_env: set url or url_env, not both"),
        ("backend", "1", "backend: must be a string"),
    ],
)
def test_network_numbers_are_validated(tmp_path, key, value, expected):
    message = _error(tmp_path, f"[input]\nfile='a.csv'\n[networks.ETH]\nurl='http://x'\n{key} = {value}\n")
    assert f"[networks.ETH] {expected}" in message


@pytest.mark.parametrize(
    "key, value, expected",
    [("chunk_size", "0", "chunk_size: must be at least 1"), ("chunk_size", "'5000'", "chunk_size: must be an integer"),
     ("workers", "0", "workers: must be at least 1"), ("workers", "100000", "workers: must be at least 1 and at most")],
)
def test_audit_numbers_are_validated(tmp_path, key, value, expected):
    assert f"[audit] {expected}" in _error(tmp_path, f"[input]\nfile='a.csv'\n[audit]\n{key} = {value}\n")


def test_numbers_in_range_are_kept(tmp_path):
    config = load_config(_write(tmp_path, "[input]\nfile='a.csv'\n[networks.ETH]\nurl='http://x'\ntimeout_seconds=0.5\n"
                                          "retries=1\nrequests_per_second=0.25\nbatch_size=1\n"), {})
    endpoint = config.networks["ETH"].endpoint
    assert (endpoint.timeout_seconds, endpoint.retries, endpoint.requests_per_second, endpoint.batch_size) == (
        0.5, 1, 0.25, 1)


def test_output_dir_that_is_a_file_or_cannot_be_created(tmp_path):
    (tmp_path / "taken").write_text("a file, not a directory")
    message = _error(tmp_path, "[input]\nfile='a.csv'\n[output]\ndir='taken'\n")
    assert "[output] dir" in message and "exists and is not a directory" in message
    message = _error(tmp_path, "[input]\nfile='a.csv'\n[output]\ndir='taken/reports'\n")
    assert "[output] dir" in message and "cannot create" in message
    config = load_config(_write(tmp_path, "[input]\nfile='a.csv'\n[output]\ndir='new/reports'\n"), {})
    assert config.output_dir == tmp_path / "new" / "reports" and not (tmp_path / "new").exists()  # nothing created


def test_config_errors_exit_2_before_any_work(tmp_path, caplog):
    from auditor.cli import main

    (tmp_path / "taken").write_text("")
    cases = {
        "[input]\nfile='a.csv'\nmesages=['x']\n": "did you mean 'messages'?",
        "[input]\nfile='a.csv'\n[output]\ndir='taken'\n": "[output] dir",
        "[input]\nfile='a.csv'\n[networks.ETH]\nurl='http://x'\ntimeout_seconds=0\n": "timeout_seconds",
    }
    for text, expected in cases.items():
        caplog.clear()
        assert main(["run", str(_write(tmp_path, text))]) == 2
        assert expected in caplog.text
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c.toml", "taken"]  # no run directory, no lock


@pytest.mark.parametrize("text, expected", [
    ("[liabilities]\nBTC = '1e5'\n", "[liabilities] BTC: exponent notation is not accepted"),
    ("[audit]\nrequired_ratio = '1E-3'\n", "[audit] required_ratio: exponent notation is not accepted"),
    ("[required_ratio]\nUSDT = '1e0'\n", "[required_ratio] USDT: exponent notation is not accepted"),
])
def test_exponent_amounts_in_the_config_are_refused(tmp_path, text, expected):
    assert expected in _error(tmp_path, "[input]\nfile='a.csv'\n" + text)


def test_exponent_amounts_in_a_liabilities_file_are_refused(tmp_path):
    (tmp_path / "l.csv").write_text("asset,amount\nBTC,1\nETH,2.5e3\n")
    (tmp_path / "l.json").write_text('{"ETH": "1E2"}')
    for name, expected in (("l.csv", "l.csv:3: field 'amount': exponent notation"),
                           ("l.json", "l.json: ETH: exponent")):
        with pytest.raises(ConfigError, match=expected):  # the liabilities file is named, with its line
            load_config(_write(tmp_path, f"[input]\nfile='a.csv'\n[liabilities]\nfile='{name}'\n"), {})


def test_a_config_that_is_not_utf8_is_refused_with_line_and_column(tmp_path):
    path = tmp_path / "c.toml"
    path.write_bytes("[input]\nfile = 'a.csv'\n# réserves\nmessages = ['caf\xe9']\n".encode("latin-1"))
    with pytest.raises(ConfigError, match=r"c\.toml:3: not UTF-8 text at line 3, column 4 "):
        load_config(path, {})


def test_out_that_is_a_file_exits_2_before_any_work(tmp_path):
    """`--out` naming an existing file (run and verify) is a config error naming it, not a traceback (exit 70)."""
    from auditor.cli import main

    blocker = tmp_path / "not-a-dir"
    blocker.write_text("x")
    data = tmp_path / "rows.csv"
    data.write_text("coin,Network,address,amount,message,signature1,signature2\n")
    config = tmp_path / "audit.toml"
    config.write_text(f'[input]\nfile = "{data}"\n')
    assert main(["run", str(config), "--out", str(blocker)]) == 2
    assert main(["verify", str(data), "--out", str(blocker)]) == 2
    assert blocker.read_text() == "x"


def test_a_ratio_for_an_asset_the_registry_does_not_know_is_refused(tmp_path):
    """`[required_ratio] BTCC` would leave BTC at the default ratio without a word: refused, the closest named."""
    from auditor.config import ConfigError, load_config

    data = tmp_path / "rows.csv"
    data.write_text("coin,Network,address,amount,message,signature1,signature2\n")
    config = tmp_path / "audit.toml"
    config.write_text(f'[input]\nfile = "{data}"\n[required_ratio]\nBTCC = "1.2"\nETH = "1"\n')
    with pytest.raises(ConfigError, match=r"\[required_ratio\] unknown asset\(s\) BTCC \(did you mean 'BTC'\?\)"):
        load_config(config)
    config.write_text(f'[input]\nfile = "{data}"\n[required_ratio]\nBTC = "1.2"\nETH = "1"\n')
    assert load_config(config).ratio_for("BTC") == Decimal("1.2")
