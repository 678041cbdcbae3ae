"""`auditor init FILE`: the config it writes for every published file in ../shared/data and for a generated
100,000-row file is one `auditor check` parses (every endpoint unset: exit 2 naming the variable) and `auditor run`
accepts against local nodes once the variables are set; end to end on the demo's anvil chains it audits the file.

Expectations are computed here from the files themselves with the csv module (statements, networks, heights),
not taken from the survey code under test."""

from __future__ import annotations

import csv
import json
import random
import time
import tomllib
from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest

from auditor.assets import AssetRegistry
from auditor.cli import main
from auditor.config import load_config
from auditor.demo.anvil import free_port
from auditor.formats.layouts import EMPTY_MARKERS, EXCHANGE_REGISTRY
from auditor.init_config import family_backends, survey_file, url_variable
from chains.registry import get_family
from tests.conftest import SHARED, needs_shared

SHARED_FILES = ["okx/okx_por_example.csv", "okx/okx_por_staking_example.csv", "okx/test.csv", "htx/huobi_por.csv"]


def _detail_rows(path: Path) -> list[dict[str, str]]:
    """The detail section as dicts keyed by lower-cased, stripped header names (independent of auditor.formats)."""
    text = path.read_text(encoding="utf-8-sig")
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if "address" in line.lower().split(",")[:5])
    reader = csv.reader(lines[start:])
    header = [h.strip().lower() for h in next(reader)]
    return [dict(zip(header, record, strict=False)) for record in reader if any(c.strip() for c in record)]


def _cell(row: dict[str, str], *names: str) -> str:
    for name in names:
        if name in row:
            value = row[name]
            return "" if value.strip() in EMPTY_MARKERS else value
    return ""


def _expected_networks(path: Path) -> Counter[str]:
    """Rows per registry network code: the network column when the layout has one, else the coin's network."""
    rows = _detail_rows(path)
    exchange = "htx" if "network" not in rows[0] else "okx"
    registry = AssetRegistry.load(defaults=EXCHANGE_REGISTRY.get(exchange))
    found: Counter[str] = Counter()
    for row in rows:
        spelled = _cell(row, "network")
        if spelled:
            network = registry.network(spelled)
        else:
            token = registry.resolve(_cell(row, "coin", "digitalasset"), "")
            network = registry.network(token.network) if token else None
        if network is not None:
            found[network.code] += 1
    return found


def _init(file: Path, out: Path) -> tuple[int, dict]:
    code = main(["init", str(file), "--out", str(out)])
    return code, (tomllib.loads(out.read_text(encoding="utf-8")) if out.exists() else {})


def _readable(codes) -> list[str]:
    registry = AssetRegistry.load()
    return sorted(code for code in codes if family_backends(registry.network(code)) != ())


@pytest.mark.parametrize("name", SHARED_FILES)
def test_init_on_every_shared_file(name, tmp_path, monkeypatch, capsys):
    file = needs_shared(SHARED / name)
    for variable in [url_variable(c) for c in AssetRegistry.load().networks]:
        monkeypatch.delenv(variable, raising=False)
    config_path = tmp_path / "audit.toml"
    code, config = _init(file, config_path)
    assert code == 0, capsys.readouterr().err
    text = config_path.read_text(encoding="utf-8")

    rows = _detail_rows(file)
    messages = Counter(_cell(row, "message") for row in rows)
    unsigned = messages.pop("", 0)
    top = max(messages.values())
    assert config["input"]["messages"] == [max(m for m, c in messages.items() if c == top)]
    for message, count in messages.items():  # the others are listed with their row counts
        if message != config["input"]["messages"][0]:
            assert f'#   "{message}": {count} row' in text
    if unsigned:
        assert f"# {unsigned} row{'s' * (unsigned != 1)} carry no message" in text

    expected = _expected_networks(file)
    readable = _readable(expected)
    assert sorted(config.get("networks", {})) == readable
    for code_ in readable:
        table = config["networks"][code_]
        assert table["url_env"] == url_variable(code_)
        assert table["backend"] == family_backends(AssetRegistry.load().network(code_))[0]
        assert f"{expected[code_]} row" in text.split(f"[networks.{code_}]")[1].split("\n")[1]
    for code_ in set(expected) - set(readable):  # no backend: named in the comment, no table
        assert f"#   {code_} (" in text and f"[networks.{code_}]" not in text

    loaded = load_config(config_path, environ={url_variable(c): "http://127.0.0.1:9" for c in readable})
    assert loaded.input_file == file.resolve() and loaded.statements == frozenset(config["input"]["messages"])
    capsys.readouterr()
    assert main(["check", str(config_path)]) == 2  # nothing set: every table's variable is named at once
    err = capsys.readouterr().err
    for code_ in readable:
        assert f"[networks.{code_}] url_env: environment variable {url_variable(code_)} is not set" in err


def test_init_refuses_to_overwrite(tmp_path, capsys):
    file = needs_shared(SHARED / "okx" / "okx_por_example.csv")
    config_path = tmp_path / "audit.toml"
    config_path.write_text("# mine\n", encoding="utf-8")
    assert main(["init", str(file), "--out", str(config_path)]) == 2
    assert config_path.read_text(encoding="utf-8") == "# mine\n"
    assert "exists already; not overwritten" in capsys.readouterr().err
    assert main(["init", str(tmp_path / "missing.csv"), "--out", str(tmp_path / "other.toml")]) == 2
    assert not (tmp_path / "other.toml").exists()


# --- `auditor run` accepts the configs of the shared files against local nodes ----------------------------------


@pytest.fixture(scope="module")
def local_nodes(anvil_eth):
    """One local endpoint per family with a backend: anvil (chain id 1) for EVM, the java-tron, rippled and
    Aptos stand-ins; a closed port for the others (no Electrum server is started for these mainnet files; the
    shipped configs' Filecoin and aelf tables have no rows in the published files, so nothing is asked there)."""
    from tests.nodes.aptos_server import AptosChain, AptosServerThread
    from tests.nodes.tron_server import ServerThread, TronLedger
    from tests.nodes.xrpl_server import XrplChain, XrplServerThread

    aptos_chain, tron_ledger, xrpl_chain = AptosChain(), TronLedger(), XrplChain()
    aptos_chain.seal(3)
    tron_ledger.mine(3)
    xrpl_chain.close(3)
    with AptosServerThread(aptos_chain) as aptos, ServerThread(tron_ledger) as tron, \
            XrplServerThread(xrpl_chain) as xrpl:
        yield {"evm": anvil_eth.url, "aptos": aptos.url, "tron": tron.url, "xrpl": xrpl.url,
               "utxo": f"tcp://127.0.0.1:{free_port()}", "closed": f"http://127.0.0.1:{free_port()}"}


@pytest.mark.parametrize("name", ["okx/okx_por_example.csv", "okx/okx_por_staking_example.csv", "okx/test.csv",
                                  "htx/huobi_por.csv"])
def test_run_accepts_the_config_against_local_nodes(name, tmp_path, monkeypatch, local_nodes, capsys):
    """These files' snapshot blocks are mainnet's: every local node refuses them (behind, wrong chain, not
    reachable), so the run exits 3 with each network's refusal in the report, never 2 (config) or 70; a file
    naming no snapshot height gets each row unchecked with the reason, and exit 2."""
    file = needs_shared(SHARED / name)
    config_path = tmp_path / "audit.toml"
    assert _init(file, config_path)[0] == 0
    text = config_path.read_text(encoding="utf-8").replace("[audit]\n", "[audit]\nworkers = 1\n", 1)
    text = text.replace('backend = "electrum"', 'backend = "electrum"\nretries = 1\ntimeout_seconds = 2')
    config_path.write_text(text, encoding="utf-8")
    registry = AssetRegistry.load()
    tables = tomllib.loads(text)["networks"]
    for code in tables:
        monkeypatch.setenv(url_variable(code), local_nodes.get(registry.network(code).family, local_nodes["closed"]))
    out = tmp_path / "out"
    code = main(["run", str(config_path), "--out", str(out), "--quiet"])
    report = json.loads((out / "latest" / "report.json").read_text())
    if any(_cell(row, "snapshot height") for row in _detail_rows(file)):
        assert code == 3, capsys.readouterr().err
        assert {error["network"] for error in report["data_source_errors"]} == set(tables)
    else:  # OKX's 2025 batch layout names no height: nothing is asked, each row says what to set, and a run
        # that could read nothing is a config error (exit 2, as `auditor check` says), never a success
        assert code == 2 and report["data_source_errors"] == []
        assert report["rows"]["verified"] == 0
        assert any("no snapshot height" in reason for reason in report["reasons"]["unchecked"])
    assert all(Decimal(asset["onchain"]) == 0 for asset in report["assets"].values())  # nothing refused is counted


# --- a generated 100,000-row file --------------------------------------------------------------------------------

ROWS = 100_000
SIGNATURE = "0x" + "ab" * 65  # init never checks signatures; `auditor run` would fail these rows
PLAN = {  # network column -> (coin codes, height, share of rows)
    "ETH": (("ETH", "USDT-ERC20", "USDC"), 21_000_000, 40),
    "ARBITRUM": (("ETH-ARBITRUM", "USDT-ARBITRUM"), 250_000_000, 10),
    "BSC": (("BNB", "USDT-BEP20"), 45_000_000, 5),
    "TRON": (("TRX", "USDT-TRC20"), 68_000_000, 15),
    "BTC": (("BTC",), 870_000, 15),
    "XRP": (("XRP",), 92_000_000, 3),
    "APTOS": (("APTOS",), 250_000_000, 2),
    "SOL": (("SOL",), 300_000_000, 5),
    "TON": (("TONCOIN",), 45_000_000, 4),
    "NOSUCHCHAIN": (("FOO",), 1, 1),
}


@pytest.fixture(scope="module")
def big_file(tmp_path_factory) -> tuple[Path, Counter[str], Counter[str]]:
    """An okx-12col file of ROWS rows with a summary section; returns it, rows per network, rows per message."""
    path = tmp_path_factory.mktemp("init-100k") / "okx_por_100k.csv"
    rng = random.Random(18)
    networks = [code for code, (_coins, _h, share) in PLAN.items() for _ in range(share)]
    per_network: Counter[str] = Counter()
    per_message: Counter[str] = Counter()
    totals: Counter[str] = Counter()
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["coin", "snapshot height", "amount"])
        writer.writerow(["ETH(ALL)", "-", "12345.6789"])
        writer.writerow(["USDT(ALL)", "-", "987654321.5"])
        writer.writerow([])
        writer.writerow(["coin", "Type", "Network", "Snapshot Height", "address", "amount", "message", "signature1",
                         "signature2", "redeem script/public key", "EOA1", "EOA2"])
        for index in range(ROWS):
            network = networks[index % len(networks)]
            coins, height, _share = PLAN[network]
            coin = coins[rng.randrange(len(coins))]
            message = "I am an OKX address" if index % 1000 else "I am an OKX address (2025)"
            amount = Decimal(rng.randrange(1, 10**12)).scaleb(-6)
            writer.writerow([coin, "Non Staking", network, height, f"addr{index:08d}", amount, message, SIGNATURE,
                             "", "", "", ""])
            per_network[network] += 1
            per_message[message] += 1
            totals[coin] += 1
    return path, per_network, per_message


def test_init_on_100k_rows(big_file, tmp_path, monkeypatch, capsys):
    path, per_network, per_message = big_file
    for code in PLAN:
        monkeypatch.delenv(url_variable(code), raising=False)
    config_path = tmp_path / "okx.toml"
    started = time.perf_counter()
    code, config = _init(path, config_path)
    elapsed = time.perf_counter() - started
    assert code == 0
    assert elapsed < 120, f"auditor init took {elapsed:.1f} s on {ROWS:,} rows"
    text = config_path.read_text(encoding="utf-8")
    assert config["input"]["messages"] == ["I am an OKX address"]
    assert f'#   "I am an OKX address (2025)": {per_message["I am an OKX address (2025)"]} rows' in text
    readable = _readable(code for code in per_network if code != "NOSUCHCHAIN")
    assert sorted(config["networks"]) == readable
    for network in readable:
        section = text.split(f"[networks.{network}]")[1]
        assert f": {per_network[network]} rows;" in section.split("\n")[1]
        assert f"# snapshot heights in the file: {PLAN[network][1]} ({per_network[network]} rows)" in section
    for network in set(per_network) - set(readable) - {"NOSUCHCHAIN"}:
        assert f"#   {network} (" in text
    assert f"#   FOO, NOSUCHCHAIN: {per_network['NOSUCHCHAIN']} rows" in text
    assert "declared 12345.6789" in text and "declared 987654321.5" in text
    capsys.readouterr()
    assert main(["check", str(config_path)]) == 2
    err = capsys.readouterr().err
    assert all(f"url_env: environment variable {url_variable(code_)} is not set" in err for code_ in readable)


# --- end to end: init, set the variables, check, run ---------------------------------------------------------------


def test_init_then_check_and_run_on_anvil(demo_chains, tmp_path, monkeypatch, capsys):
    """The demo's file (real keys, money moving after the snapshot) on two anvil chains: the written config,
    with only the variables set, the liabilities file named and the local token contracts registered, passes
    `auditor check` and `auditor run` gives the snapshot's totals."""
    file = demo_chains["data"] / "okx_por_demo.csv"
    config_path = tmp_path / "demo.toml"
    code, config = _init(file, config_path)
    assert code == 0 and sorted(config["networks"]) == ["ARBITRUM", "ETH"]
    assert config["input"]["messages"] == ["I am an OKX address"]
    text = config_path.read_text(encoding="utf-8")
    text = text.replace("[liabilities]\n", f"[liabilities]\nfile = \"{demo_chains['data'] / 'liabilities.csv'}\"\n", 1)
    text += (f'\n[registry.tokens.USDT-ERC20]\ncontract = "{demo_chains["eth"].token}"\n'
             f'[registry.tokens.USDT-ARBITRUM]\ncontract = "{demo_chains["arb"].token}"\n')
    config_path.write_text(text.replace("[audit]\n", "[audit]\nworkers = 1\n", 1), encoding="utf-8")
    monkeypatch.setenv("ETH_RPC_URL", demo_chains["eth_url"])
    monkeypatch.setenv("ARBITRUM_RPC_URL", demo_chains["arb_url"])
    assert main(["check", str(config_path)]) == 0, capsys.readouterr()
    out = tmp_path / "out"
    assert main(["run", str(config_path), "--out", str(out), "--quiet"]) == 0, capsys.readouterr().err
    report = json.loads((out / "latest" / "report.json").read_text())
    eth, arb = demo_chains["eth"], demo_chains["arb"]
    assert report["rows"]["verified"] == report["rows"]["total"]
    assert {n: s["height"] for n, s in report["snapshot"].items()} == {"ETH": eth.height, "ARBITRUM": arb.height}
    assert Decimal(report["assets"]["ETH"]["onchain"]) == Decimal(eth.native_total + arb.native_total).scaleb(-18)
    assert Decimal(report["assets"]["USDT"]["onchain"]) == Decimal(eth.token_total + arb.token_total).scaleb(-6)


# --- the shipped configs -----------------------------------------------------------------------------------------

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = ["configs/okx.toml", "configs/htx.toml"]


def _env_example() -> set[str]:
    lines = (ROOT / ".env.example").read_text(encoding="utf-8").splitlines()
    return {line.split("=", 1)[0].strip() for line in lines if "=" in line and not line.lstrip().startswith("#")}


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_config_parses_and_names_only_registry_networks(name):
    path = ROOT / name
    raw = tomllib.loads(path.read_text(encoding="utf-8"))
    registry = AssetRegistry.load(raw.get("registry"))
    variables = _env_example()
    read: set[str] = {raw["alerts"]["webhook_env"]} if "webhook_env" in raw.get("alerts", {}) else set()
    for code, table in raw["networks"].items():
        network = registry.network(code)
        assert network is not None and network.code == code, f"{name}: [networks.{code}] is not a registry code"
        family = get_family(network.family)
        assert family is not None and family_backends(network), f"{name}: {code} has no balance backend"
        assert table.get("backend", "") in (*family_backends(network), "")
        read.add(table["url_env"])
        read.update(table.get("headers_env", {}).values())
    assert read <= variables, f".env.example lacks {sorted(read - variables)}"
    config = load_config(path, environ=dict.fromkeys(read, "http://127.0.0.1:9"))
    assert config.statements and config.required_ratio == 1
    # the networks named in comments (no backend yet) are registry networks too
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("#   ") and " (" in line and "no balance backend" not in line:
            code = line[4:].split(" (")[0]
            if code.isupper() or "-" in code:
                assert registry.network(code) is not None, f"{name}: {code} is not in the registry"


def test_env_example_lists_only_variables_the_shipped_configs_read():
    read: set[str] = set()
    for name in SHIPPED:
        raw = tomllib.loads((ROOT / name).read_text(encoding="utf-8"))
        read |= {t["url_env"] for t in raw["networks"].values()}
        read |= {v for t in raw["networks"].values() for v in t.get("headers_env", {}).values()}
        read |= {raw["alerts"]["webhook_env"]} if "webhook_env" in raw.get("alerts", {}) else set()
    assert _env_example() == read


def test_init_of_a_shipped_exchange_names_the_same_variables():
    """`auditor init` on HTX's file asks for the variables configs/htx.toml reads for those networks."""
    file = needs_shared(SHARED / "htx" / "huobi_por.csv")
    shipped = tomllib.loads((ROOT / "configs" / "htx.toml").read_text(encoding="utf-8"))["networks"]
    survey = survey_file(file)
    for code in _readable(survey.networks):
        assert shipped[code]["url_env"] == url_variable(code)


@pytest.mark.parametrize(("name", "published"), [("configs/okx.toml", "okx/okx_por_example.csv"),
                                                 ("configs/htx.toml", "htx/huobi_por.csv")])
def test_run_accepts_the_shipped_config(name, published, tmp_path, monkeypatch, local_nodes, capsys):
    """The shipped config over the exchange's published file, every variable set to a local node: the run reads
    (and is refused by) exactly the networks that file has rows on, and exits 3, never 2."""
    file = needs_shared(SHARED / published)
    text = (ROOT / name).read_text(encoding="utf-8")
    original = tomllib.loads(text)["input"]["file"]
    text = text.replace(f'file = "{original}"', f'file = "{file}"', 1).replace("[audit]\n", "[audit]\nworkers = 1\n", 1)
    text = text.replace('backend = "electrum"', 'backend = "electrum"\nretries = 1\ntimeout_seconds = 2')
    config_path = tmp_path / "shipped.toml"
    config_path.write_text(text, encoding="utf-8")
    registry = AssetRegistry.load()
    tables = tomllib.loads(text)["networks"]
    for code in tables:
        monkeypatch.setenv(url_variable(code), local_nodes.get(registry.network(code).family, local_nodes["closed"]))
    out = tmp_path / "out"
    assert main(["run", str(config_path), "--out", str(out), "--quiet"]) == 3, capsys.readouterr().err
    report = json.loads((out / "latest" / "report.json").read_text())
    assert {error["network"] for error in report["data_source_errors"]} == set(tables) & set(_expected_networks(file))


@pytest.mark.parametrize("name", SHIPPED)
def test_networks_listed_without_backend_still_have_none(name):
    """When a family gains a balance backend, its networks belong in a table (and in .env.example)."""
    registry = AssetRegistry.load()
    text = (ROOT / name).read_text(encoding="utf-8")
    if "no balance backend here yet" not in text:  # every network the exchange publishes has a table
        assert "[networks." in text
        return
    listed = text.split("no balance backend here yet")[1].split("\n# HTX's own")[0].split("\n# Networks OKX's own")[0]
    codes = [line[4:].split(" (")[0] for line in listed.splitlines() if line.startswith("#   ")]
    for code in codes:
        assert family_backends(registry.network(code)) == (), (
            f"{name}: {code} now has a balance backend: give it a [networks.{code}] table and add "
            f"{url_variable(code)} to .env.example")


def test_statement_with_quotes_and_line_breaks_is_pinned_exactly(tmp_path, monkeypatch, capsys):
    """A signed statement is pinned byte for byte: quotes, a line break, a tab and DEL survive the TOML."""
    statement = 'We "own" this\naddress\t\x7f'
    file = tmp_path / "por.csv"
    with file.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["coin", "Network", "Snapshot Height", "address", "amount", "message", "signature1",
                         "signature2", "redeem script/ public key"])
        for index, message in enumerate([statement, statement, "other"]):
            writer.writerow(["ETH", "ETH", 100 + index, f"0x{index:040x}", "1.5", message, SIGNATURE, "", ""])
    monkeypatch.chdir(tmp_path)
    assert main(["init", str(file)]) == 0  # default: FILE's name with .toml, in the current directory
    config = tomllib.loads((tmp_path / "por.toml").read_text(encoding="utf-8"))
    assert config["input"]["messages"] == [statement]
    assert load_config(tmp_path / "por.toml", environ={"ETH_RPC_URL": "http://127.0.0.1:9"}).statements == {statement}
    text = (tmp_path / "por.toml").read_text(encoding="utf-8")
    assert '#   "other": 1 row' in text
    assert "# snapshot heights in the file: 100 (1 row), 101 (1 row), 102 (1 row)" in text
    assert "ETH  declared (no summary row); 3 rows, rows add up to 4.5" in text
    assert main(["init", str(file)]) == 2  # a second time: the config is there, never replaced
