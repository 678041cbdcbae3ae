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
        ("[input]\nfile='a.csv'\n[alerts]\nwebhook_env='NO_HOOK'\n", "NO_HOOK ([alerts] webhook_env) is not set"),
        ("[input]\nfile='a.csv'\n[alerts]\nmax_seconds=0\n", "[alerts] max_seconds must be"),
    ],
)
def test_config_errors_name_file_and_key(tmp_path, text, message):
    path = _write(tmp_path, text)
    with pytest.raises(ConfigError) as error:
        load_config(path, {})
    assert str(path) in str(error.value) and message in str(error.value)


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
