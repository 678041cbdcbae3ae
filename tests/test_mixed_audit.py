"""One OKX-layout file mixing EVM, Litecoin, Bitcoin and TRON rows, through `auditor run`:

* ETH and USDT-ERC20 on a real anvil (Multicall3 + a real ERC-20),
* LTC on a real regtest Litecoin Core through the bitcoind backend (P2PKH rows and a 2-of-3 P2WSH multisig row),
* TRX and USDT-TRC20 on the local java-tron/TronGrid server, with transfers after the snapshot,
* BTC rows whose signatures verify but for which no BTC endpoint is configured (so: unchecked, not counted).

USDT must be the exact sum of its ERC-20 and TRC-20 balances at the snapshot; every total is recomputed here
from what the test put on each chain."""

from __future__ import annotations

import base64
import csv
import json
from decimal import ROUND_DOWN, Decimal
from pathlib import Path

import pytest
from coincurve import PrivateKey

from auditor.assets import AssetRegistry
from auditor.cli import main
from auditor.demo.anvil import Anvil
from auditor.demo.chain import DemoChain
from chains.signing.secp256k1 import hash160
from chains.tron import addresses as tron_addresses
from chains.tron.ownership import digest_v2
from chains.utxo.addresses import ScriptType, encode_address
from chains.utxo.messages import message_digest
from chains.utxo.params import UtxoParams
from tests.nodes import litecoind
from tests.nodes.tron_server import ServerThread, TronLedger
from tests.worlds.evm import build as build_evm
from tests.worlds.okx import MESSAGE, write_file

USDT_TRC20 = "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t"

pytestmark = pytest.mark.skipif(not litecoind.available(), reason="litecoind not installed (make install)")


def _sats(amount) -> int:
    return int(Decimal(str(amount)) * 10**8)


def _tron_sign(key: PrivateKey, message: str) -> str:
    signature = key.sign_recoverable(digest_v2(message.encode()), hasher=None)
    return "0x" + signature[:64].hex() + bytes([27 + signature[64]]).hex()


def _btc_sign(key: PrivateKey, message: str) -> str:
    signature = key.sign_recoverable(message_digest(message, "Bitcoin Signed Message:\n"), hasher=None)
    return base64.b64encode(bytes([31 + signature[64]]) + signature[:64]).decode()


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("mixed")
    rows: list[list[str]] = []
    expect: dict[str, int] = {}
    with Anvil(chain_id=1) as anvil, litecoind.Litecoind() as ltc:
        # --- EVM ---
        chain = DemoChain(anvil)
        evm, contracts = build_evm(chain)
        erc20 = contracts["USDT-ERC20"]
        rows += evm.rows
        expect["ETH"] = int(evm.at_snapshot["ETH"].scaleb(18))
        expect["USDT-ERC20"] = int(evm.at_snapshot["USDT"].scaleb(6))

        # --- Litecoin (regtest, real node) ---
        ltc.rpc("createwallet", "reserves")
        miner = ltc.rpc("getnewaddress", "", "bech32", wallet="reserves")
        ltc.rpc("generatetoaddress", 101, miner)
        legacy = [ltc.rpc("getnewaddress", "", "legacy", wallet="reserves") for _ in range(5)]
        pubkeys = [ltc.rpc("getaddressinfo", a, wallet="reserves")["pubkey"] for a in legacy[2:5]]
        multisig = ltc.rpc("addmultisigaddress", 2, pubkeys, "", "bech32", wallet="reserves")
        amounts = {legacy[0]: Decimal("1.25"), legacy[1]: Decimal("0.5"), multisig["address"]: Decimal("7.125")}
        ltc.rpc("sendmany", "", {a: str(v) for a, v in amounts.items()}, wallet="reserves")
        ltc.rpc("generatetoaddress", 1, miner)
        ltc_height = ltc.rpc("getblockcount")
        ltc_genesis = ltc.rpc("getblockhash", 0)
        for address in legacy[:2]:
            signature = ltc.rpc("signmessage", address, MESSAGE, wallet="reserves")
            rows.append(["LTC", "LTC", ltc_height, address, str(amounts[address]), MESSAGE, signature, "", "", "", ""])
        sig_a = ltc.rpc("signmessage", legacy[2], MESSAGE, wallet="reserves")
        sig_b = ltc.rpc("signmessage", legacy[4], MESSAGE, wallet="reserves")
        rows.append(["LTC", "LTC", ltc_height, multisig["address"], "7.125", MESSAGE, sig_a, sig_b,
                     multisig["redeemScript"], "", ""])
        expect["LTC"] = sum(_sats(v) for v in amounts.values())

        # --- Bitcoin: signatures only, no endpoint configured ---
        btc_params = UtxoParams.from_network(AssetRegistry.load().network("BTC"))
        btc_key = PrivateKey(b"\x07" * 32)
        btc_address = encode_address(ScriptType.P2PKH, hash160(btc_key.public_key.format()), btc_params)
        rows.append(["BTC", "BTC", 900000, btc_address, "2.5", MESSAGE, _btc_sign(btc_key, MESSAGE), "", "", "", ""])

        # --- TRON (local java-tron / TronGrid API server) ---
        ledger = TronLedger()
        usdt = ledger.add_token(USDT_TRC20)
        tron_keys = [PrivateKey((1000 + i).to_bytes(32, "big")) for i in range(2)]
        tron_accounts = [tron_addresses.from_public_key(k.public_key) for k in tron_keys]
        outsider = tron_addresses.from_public_key(PrivateKey((5000).to_bytes(32, "big")).public_key)
        for i, account in enumerate(tron_accounts):
            ledger.credit(account, (i + 1) * 40_000 * 10**6)
            ledger.credit(account, (i + 1) * 2_000_000 * 10**6, contract=usdt)
        tron_height = ledger.mine(3)
        for i, (key, account) in enumerate(zip(tron_keys, tron_accounts, strict=True)):
            signature = _tron_sign(key, MESSAGE)
            rows.append(["TRX", "TRON", tron_height, account, str((i + 1) * 40_000), MESSAGE, signature, "", "", "",
                         ""])
            rows.append(["USDT-TRC20", "TRON", tron_height, account, str((i + 1) * 2_000_000), MESSAGE, signature,
                         "", "", "", ""])
        ledger.transfer(tron_accounts[1], outsider, 123 * 10**6, contract=usdt)  # after H: tip != snapshot
        ledger.mine()
        ledger.transfer(outsider, tron_accounts[0], 7 * 10**6, contract=usdt)
        ledger.mine(2)
        expect["TRX"] = 120_000 * 10**6
        expect["USDT-TRC20"] = 6_000_000 * 10**6

        path = write_file(tmp / "okx_mixed.csv", rows, summary=[["USDT(ALL)", "-", "15000000"]])
        with ServerThread(ledger) as tron:
            yield {"tmp": tmp, "file": path, "expect": expect, "anvil": anvil.url, "ltc": ltc.url,
                   "tron": tron.url, "erc20": erc20, "rows": len(rows), "ltc_genesis": ltc_genesis}


def _config(world, usdt_owed: str = "14000000", ltc_genesis: str | None = None) -> Path:
    path = world["tmp"] / "mixed.toml"
    path.write_text(f"""
[input]
file = "{world['file']}"
[output]
dir = "{world['tmp'] / 'out'}"
[networks.ETH]
url = "{world['anvil']}"
[networks.LTC]
url = "{world['ltc']}"
backend = "bitcoind"
[networks.TRON]
url = "{world['tron']}"
backend = "tron-http"
requests_per_second = 1000000
[networks.TRON.options]
events_settle_seconds = 0
[liabilities]
USDT = "{usdt_owed}"
LTC = "8"
[registry.tokens.USDT-ERC20]
contract = "{world['erc20']}"
[registry.networks.LTC]
hrp = "rltc"
p2pkh = 0x6f
p2sh = 0x3a
genesis_hash = "{ltc_genesis or world['ltc_genesis']}"
""")
    return path


def test_mixed_file_totals_are_exact(world):
    code = main(["run", str(_config(world))])
    report = json.loads((world["tmp"] / "out" / "latest" / "report.json").read_text())
    with (world["tmp"] / "out" / "latest" / "addresses.csv").open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    expect = world["expect"]
    assets = report["assets"]
    usdt = Decimal(expect["USDT-ERC20"] + expect["USDT-TRC20"]) / 10**6
    assert Decimal(assets["USDT"]["onchain_verified"]) == usdt
    assert assets["USDT"]["networks"]["ETH"]["onchain_verified"] == str(Decimal(expect["USDT-ERC20"]) / 10**6)
    assert assets["USDT"]["networks"]["TRON"]["onchain_verified"] == str(Decimal(expect["USDT-TRC20"]) / 10**6)
    assert Decimal(assets["LTC"]["onchain_verified"]) == Decimal(expect["LTC"]) / 10**8
    assert Decimal(assets["TRX"]["onchain_verified"]) == Decimal(expect["TRX"]) / 10**6
    assert Decimal(assets["ETH"]["onchain_verified"]) == Decimal(expect["ETH"]) / 10**18
    assert Decimal(assets["USDT"]["ratio"]) == (usdt / 14_000_000).quantize(Decimal("0.000001"), ROUND_DOWN)
    btc = [r for r in rows if r["network"] == "BTC"]
    assert len(btc) == 1 and btc[0]["status"] == "unchecked" and "no endpoint" in btc[0]["reason"]
    assert assets["BTC"]["onchain_verified"] == "0" and assets["BTC"]["addresses"]["unchecked"] == 1
    others = [r for r in rows if r["network"] != "BTC"]
    assert all(r["status"] == "verified" and r["declared"] == r["onchain"] for r in others), others
    assert report["rows"]["total"] == world["rows"] == len(rows)
    assert set(report["snapshot"]) == {"ETH", "LTC", "TRON"}
    # which method gave each figure: TRX read at H, USDT-TRC20 read at the tip and rolled back to H
    assert report["snapshot"]["TRON"]["methods"] == {"getaccountbalance": 2, "trc20-balanceOf-rollback": 2}
    assert report["snapshot"]["LTC"]["methods"] == {"scantxoutset": 3}
    with (world["tmp"] / "out" / "latest" / "balances.csv").open(newline="") as handle:
        balances = {(r["network"], r["address"], r["contract"]): r for r in csv.DictReader(handle)}
    rolled = [r for r in balances.values() if r["network"] == "TRON" and r["contract"]]
    assert sum(int(r["amount_base_units"]) for r in rolled) == expect["USDT-TRC20"]
    assert all(r["method"] == "trc20-balanceOf-rollback" and r["note"].endswith(" events") for r in rolled)
    assert all(int(r["read_at"]) > int(r["height"]) for r in rolled)  # read later, rolled back to the snapshot
    assert code == 0, report


def test_ltc_node_of_another_chain_is_refused(world):
    # the shipped registry expects Litecoin mainnet's genesis: a regtest node must not pass for it
    mainnet = "12a765e31ffd4059bada1e25190f6e98c99d9714d334efa41a195a7e7e04bfe2"
    assert main(["run", str(_config(world, ltc_genesis=mainnet))]) == 3
    report = json.loads((world["tmp"] / "out" / "latest" / "report.json").read_text())
    assert [e["network"] for e in report["data_source_errors"]] == ["LTC"]
    assert "genesis" in report["data_source_errors"][0]["error"]


def test_mixed_file_shortfall(world):
    assert main(["run", str(_config(world, usdt_owed="15000000.01"))]) == 1
