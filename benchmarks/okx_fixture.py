"""The OKX-scale fixture: an OKX 12-column file of N rows with real keys and real signatures, the chains
funded to match (a local anvil, a regtest litecoind, the local TRON server), and the config that audits it.

Mix: ~60 % EVM rows (ETH, USDT-ERC20 and USDC-ERC20 on the same addresses; 1 address in 100 a Safe-style
contract wallet proven by eoa1/eoa2), ~25 % LTC 2-of-3 multisig rows (P2SH and P2WSH alternately, two
signatures each), ~15 % TRON rows (TRX and USDT-TRC20 on the same addresses). Keys derive from the row index,
so a file of N rows is the same on every machine; `build_fixture` caches it on disk keyed by N.

Funding: anvil through `anvil_setBalance` / `anvil_setStorageAt` (the ERC-20 balance slots; contract wallets
get DemoSafe's runtime code and owner slots with `anvil_setCode`), not transactions; litecoind funds a sample
of the multisig addresses for real (`SAMPLE_LTC_FUNDED` at most, in `sendmany` transactions) and the rest
hold nothing (declared 0); the TRON server's ledger is credited directly. After each snapshot a few balances
change, so reading at the tip would give other totals.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import json
import os
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from coincurve import PrivateKey
from eth_abi import encode as abi_encode

from auditor.demo.signing import evm_address, sign_okx_evm
from chains.evm.adapter import MULTICALL3
from chains.signing.secp256k1 import keccak256
from chains.tron import addresses as tron_addresses
from chains.tron.ownership import digest_v1, digest_v2
from chains.utxo.addresses import ScriptType, encode_address
from chains.utxo.messages import message_digest
from chains.utxo.params import UtxoParams
from chains.utxo.scripts import hash160, sha256

MESSAGE = "I am an OKX address"
HEADER = ["coin", "Type", "Network", "Snapshot Height", "address", "amount", "message", "signature1", "signature2",
          "redeem script/public key", "EOA1", "EOA2"]
HEIGHTS = {"ETH": 40, "LTC": 230, "TRON": 30}  # the snapshot each chain is brought to, exactly
EVM_COINS = ("ETH", "USDT-ERC20", "USDC-ERC20")
TRON_COINS = ("TRX", "USDT-TRC20")
USDT_TRC20 = "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t"  # the registry's USDT on TRON
SAFE_EVERY = 100  # one EVM address in 100 is a contract wallet proven by its owners
SAMPLE_LTC_FUNDED = 2000  # multisig addresses funded with real transactions; the others hold nothing
LTC_REGTEST = UtxoParams(code="LTC", p2pkh=b"\x6f", p2sh=b"\x3a", hrp="rltc",
                         message_magic="Litecoin Signed Message:\n")
LTC_GENESIS = "530827f38f93b43ed12af0b3ad25a288dc02ed74d6d7857862df51fc56c416f9"
BACKUP_KEYS = [PrivateKey(hashlib.sha256(f"okx-scale/ltc-backup/{i}".encode()).digest()) for i in range(16)]
BLOCK = 4000  # rows per fixture-building task
FORMAT_VERSION = 2  # bump when the fixture changes, so cached files are rebuilt


def _key(kind: str, index: int) -> PrivateKey:
    return PrivateKey(hashlib.sha256(f"okx-scale/{kind}/{index}".encode()).digest())


def _compact_hex(signature: bytes) -> str:
    return "0x" + signature[:64].hex() + bytes([27 + signature[64]]).hex()


@dataclass(frozen=True)
class Split:
    """How many rows of each family a file of `rows` rows has (EVM in threes, TRON in pairs)."""

    evm: int
    utxo: int
    tron: int

    @classmethod
    def of(cls, rows: int) -> Split:
        evm = (rows * 60 // 100) // 3 * 3
        tron = (rows * 15 // 100) // 2 * 2
        return cls(evm, rows - evm - tron, tron)


# ---- amounts (base units), a function of the index so funding and the file agree ----------------------

def evm_amounts(i: int) -> tuple[int, int, int]:
    return ((i % 997 + 1) * 10**15, (i % 4999 + 1) * 10**6 + i, (i % 2999 + 1) * 10**6 + 7 * i)


def tron_amounts(i: int) -> tuple[int, int]:
    return ((i % 991 + 1) * 10**6 + i, (i % 3001 + 1) * 10**6 + 3 * i)


def ltc_funded(i: int, count: int) -> int:
    """Satoshis paid to multisig row i (0 for the unfunded ones)."""
    step = max(1, count // SAMPLE_LTC_FUNDED)
    return 100_000 + (i // step) * 1000 if i % step == 0 and i // step < SAMPLE_LTC_FUNDED else 0


def _whole(amount: int, decimals: int) -> str:
    text = format(Decimal(amount).scaleb(-decimals).normalize(), "f")
    return text


# ---- row building (runs in worker processes) ------------------------------------------------------------

def _evm_block(start: int, stop: int) -> tuple[str, list[list]]:
    out, funding = io.StringIO(), []
    writer = csv.writer(out, lineterminator="\n")
    height = HEIGHTS["ETH"]
    for i in range(start, stop):
        amounts = evm_amounts(i)
        if i % SAFE_EVERY == SAFE_EVERY - 1:
            owners = [_key("evm-owner", 2 * i), _key("evm-owner", 2 * i + 1)]
            address = "0x" + keccak256(f"okx-scale/safe/{i}".encode())[12:].hex()
            sig1, sig2 = (sign_okx_evm(k, MESSAGE) for k in owners)
            eoa1, eoa2 = (evm_address(k) for k in owners)
            funding.append([address, *amounts, eoa1.lower(), eoa2.lower()])
        else:
            key = _key("evm", i)
            address, sig1, sig2, eoa1, eoa2 = evm_address(key), sign_okx_evm(key, MESSAGE), "", "", ""
            funding.append([address, *amounts])
        for coin, amount, decimals in zip(EVM_COINS, amounts, (18, 6, 6), strict=True):
            writer.writerow([coin, "Non Staking", "ETH", height, address, _whole(amount, decimals), MESSAGE, sig1,
                             sig2, "", eoa1, eoa2])
    return out.getvalue(), funding


def _ltc_sign(key: PrivateKey) -> str:
    signature = key.sign_recoverable(message_digest(MESSAGE, LTC_REGTEST.message_magic), hasher=None)
    return base64.b64encode(bytes([31 + signature[64]]) + signature[:64]).decode()


def _ltc_block(start: int, stop: int, count: int) -> tuple[str, list[list]]:
    out, funding = io.StringIO(), []
    writer = csv.writer(out, lineterminator="\n")
    for i in range(start, stop):
        signers = [_key("ltc", 2 * i), _key("ltc", 2 * i + 1)]
        keys = [k.public_key.format() for k in (*signers, BACKUP_KEYS[i % len(BACKUP_KEYS)])]
        script = bytes([0x52]) + b"".join(bytes([33]) + k for k in keys) + bytes([0x53, 0xAE])  # 2-of-3
        if i % 2:
            address = encode_address(ScriptType.P2WSH, sha256(script), LTC_REGTEST)
        else:
            address = encode_address(ScriptType.P2SH, hash160(script), LTC_REGTEST)
        sats = ltc_funded(i, count)
        if sats:
            funding.append([address, sats])
        writer.writerow(["LTC", "Non Staking", "LTC", HEIGHTS["LTC"], address, _whole(sats, 8), MESSAGE,
                         _ltc_sign(signers[0]), _ltc_sign(signers[1]), script.hex(), "", ""])
    return out.getvalue(), funding


def _tron_block(start: int, stop: int) -> tuple[str, list[list]]:
    out, funding = io.StringIO(), []
    writer = csv.writer(out, lineterminator="\n")
    for i in range(start, stop):
        key = _key("tron", i)
        account = tron_addresses.from_public_key(key.public_key)
        digest = (digest_v1 if i % 2 else digest_v2)(MESSAGE.encode())
        signature = _compact_hex(key.sign_recoverable(digest, hasher=None))
        amounts = tron_amounts(i)
        funding.append([account, *amounts])
        for coin, amount in zip(TRON_COINS, amounts, strict=True):
            writer.writerow([coin, "Non Staking", "TRON", HEIGHTS["TRON"], account, _whole(amount, 6), MESSAGE,
                             signature, "", "", "", ""])
    return out.getvalue(), funding


def _build(task: tuple[str, int, int, int]) -> tuple[str, str, list[list]]:
    kind, start, stop, count = task
    if kind == "evm":
        text, funding = _evm_block(start, stop)
    elif kind == "ltc":
        text, funding = _ltc_block(start, stop, count)
    else:
        text, funding = _tron_block(start, stop)
    return kind, text, funding


# ---- the cached fixture --------------------------------------------------------------------------------

@dataclass(frozen=True)
class Fixture:
    rows: int
    csv_path: Path
    funding_path: Path  # JSON: {"evm": [[address, wei, usdt, usdc(, eoa1, eoa2)]], "ltc": [[address, sats]], ...}

    def funding(self) -> dict[str, list[list]]:
        return json.loads(self.funding_path.read_text())

    def expected_totals(self) -> dict[str, int]:
        """Base units per coin code that the audit must find (every row verified and funded as declared)."""
        funding = self.funding()
        totals = {
            "ETH": sum(r[1] for r in funding["evm"]),
            "USDT-ERC20": sum(r[2] for r in funding["evm"]),
            "USDC-ERC20": sum(r[3] for r in funding["evm"]),
            "LTC": sum(r[1] for r in funding["ltc"]),
            "TRX": sum(r[1] for r in funding["tron"]),
            "USDT-TRC20": sum(r[2] for r in funding["tron"]),
        }
        return totals


def _tasks(split: Split) -> Iterator[tuple[str, int, int, int]]:
    addresses = split.evm // 3
    for start in range(0, addresses, BLOCK // 3):
        yield "evm", start, min(addresses, start + BLOCK // 3), addresses
    for start in range(0, split.utxo, BLOCK):
        yield "ltc", start, min(split.utxo, start + BLOCK), split.utxo
    accounts = split.tron // 2
    for start in range(0, accounts, BLOCK // 2):
        yield "tron", start, min(accounts, start + BLOCK // 2), accounts


def build_fixture(rows: int, cache_dir: Path, processes: int | None = None) -> Fixture:
    """The file of `rows` rows (built once, then read from `cache_dir`)."""
    cache_dir.mkdir(parents=True, exist_ok=True)
    stem = f"okx_scale_v{FORMAT_VERSION}_{rows}"
    fixture = Fixture(rows, cache_dir / f"{stem}.csv", cache_dir / f"{stem}.funding.json")
    if fixture.csv_path.exists() and fixture.funding_path.exists():
        return fixture
    split = Split.of(rows)
    funding: dict[str, list[list]] = {"evm": [], "ltc": [], "tron": []}
    partial = fixture.csv_path.with_suffix(".partial")
    with partial.open("w", newline="") as handle, ProcessPoolExecutor(processes or os.cpu_count() or 1) as pool:
        writer = csv.writer(handle, lineterminator="\n")
        # No summary section (it is optional): its totals would have to be the rows' own, or the run fails (v2;
        # v1 wrote 0 per coin, which an audit now rightly reports as the summary disagreeing with the rows).
        writer.writerow(HEADER)
        for kind, text, part in pool.map(_build, _tasks(split), chunksize=1):
            handle.write(text)
            funding[kind].extend(part)
    fixture.funding_path.write_text(json.dumps(funding))
    os.replace(partial, fixture.csv_path)
    return fixture


# ---- funding the chains ---------------------------------------------------------------------------------

def _rpc_batch(url: str, calls: list[tuple[str, list]]) -> list:
    body = json.dumps([{"jsonrpc": "2.0", "id": i, "method": m, "params": p} for i, (m, p) in enumerate(calls)])
    request = urllib.request.Request(url, body.encode(), {"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=120) as response:
        replies = json.loads(response.read())
    errors = [r["error"] for r in replies if r.get("error")]
    if errors:
        raise RuntimeError(f"anvil refused: {errors[:3]}")
    return [r["result"] for r in sorted(replies, key=lambda r: r["id"])]


def _word(value: int) -> str:
    return "0x" + value.to_bytes(32, "big").hex()


def _balance_slot(holder: str, mapping_slot: int = 3) -> str:
    """Storage slot of DemoToken.balanceOf[holder] (name, symbol, totalSupply come first: slot 3)."""
    return "0x" + keccak256(abi_encode(["address", "uint256"], [holder, mapping_slot])).hex()


@dataclass(frozen=True)
class EvmWorld:
    usdt: str
    usdc: str
    height: int


def fund_anvil(anvil, fixture: Fixture, batch: int = 2000) -> EvmWorld:
    """Multicall3, two ERC-20s and every balance of the file; the chain then sits at HEIGHTS["ETH"] + 2."""
    from auditor.demo.chain import DemoChain

    chain = DemoChain(anvil)
    chain.deploy_multicall3()
    usdt = chain.deploy_token("Tether USD (bench)", "USDT", 6)
    usdc = chain.deploy_token("USD Coin (bench)", "USDC", 6)
    template = chain.deploy_safe([chain.funder], 1)
    safe_code = anvil.rpc("eth_getCode", [template, "latest"])
    owners_base = int.from_bytes(keccak256(bytes(32)), "big")  # owners[] elements live at keccak(slot 0) + i
    calls: list[tuple[str, list]] = []
    for record in fixture.funding()["evm"]:
        address, wei, usdt_amount, usdc_amount = record[:4]
        calls.append(("anvil_setBalance", [address, hex(wei)]))
        calls.append(("anvil_setStorageAt", [usdt, _balance_slot(address), _word(usdt_amount)]))
        calls.append(("anvil_setStorageAt", [usdc, _balance_slot(address), _word(usdc_amount)]))
        if len(record) == 6:  # a contract wallet: DemoSafe's code, owners [eoa1, eoa2], threshold 2
            calls.append(("anvil_setCode", [address, safe_code]))
            calls.append(("anvil_setStorageAt", [address, _word(0), _word(2)]))
            calls.append(("anvil_setStorageAt", [address, _word(1), _word(2)]))
            for i, owner in enumerate(record[4:]):
                calls.append(("anvil_setStorageAt", [address, _word(owners_base + i), _word(int(owner, 16))]))
        if len(calls) >= batch:
            _rpc_batch(anvil.url, calls)
            calls = []
    if calls:
        _rpc_batch(anvil.url, calls)
    current = chain.block_number()
    if current >= HEIGHTS["ETH"]:
        raise RuntimeError(f"anvil already at block {current}")
    height = chain.mine(HEIGHTS["ETH"] - current)
    chain.mine()  # anvil_set* change the latest block's state: change the tip only once H is behind it
    first = fixture.funding()["evm"][0][0]
    anvil.rpc("anvil_setBalance", [first, hex(1)])  # after the snapshot: the tip disagrees with H
    anvil.rpc("anvil_setStorageAt", [usdt, _balance_slot(first), _word(5)])
    chain.mine(2)
    assert MULTICALL3
    return EvmWorld(usdt, usdc, height)


def fund_litecoind(node, fixture: Fixture, batch: int = 500) -> int:
    """Real payments to the sampled multisig addresses; the node's tip is then the snapshot height."""
    node.rpc("createwallet", "okx-scale")
    miner = node.rpc("getnewaddress", "", "bech32", wallet="okx-scale")
    node.rpc("generatetoaddress", 150, miner)
    funded = fixture.funding()["ltc"]
    for start in range(0, len(funded), batch):
        outputs = {a: str(Decimal(s).scaleb(-8)) for a, s in funded[start : start + batch]}
        node.rpc("sendmany", "", outputs, wallet="okx-scale")
        node.rpc("generatetoaddress", 1, miner)
    current = node.rpc("getblockcount")
    if current >= HEIGHTS["LTC"]:
        raise RuntimeError(f"litecoind already at block {current}")
    node.rpc("generatetoaddress", HEIGHTS["LTC"] - current, miner)
    return HEIGHTS["LTC"]


def tron_ledger(fixture: Fixture):
    """The TRON server's ledger: every account credited before the snapshot, one USDT transfer after it."""
    from tests.nodes.tron_server import TronLedger

    ledger = TronLedger()
    usdt = ledger.add_token(USDT_TRC20)
    accounts = fixture.funding()["tron"]
    ledger.mine(HEIGHTS["TRON"] - 1)
    for account, trx, usdt_amount in accounts:
        ledger.credit(account, trx)
        ledger.credit(account, usdt_amount, contract=usdt)
    ledger.mine()  # the credits land in the snapshot block (whose balance trace shows history is kept)
    if len(accounts) > 1:
        ledger.transfer(accounts[0][0], accounts[1][0], 1_000_000, contract=usdt)
    ledger.mine(2)
    return ledger


def write_config(path: Path, fixture: Fixture, out_dir: Path, world: EvmWorld, anvil_url: str, ltc_url: str,
                 tron_url: str, workers: int = 2, chunk_size: int = 5000, networks: bool = True) -> Path:
    """The audit's config; without `networks`, an ownership-only run (every balance left unread)."""
    text = f"""
[input]
file = "{fixture.csv_path}"
messages = ["{MESSAGE}"]
[output]
dir = "{out_dir}"
[audit]
workers = {workers}
chunk_size = {chunk_size}
[networks.ETH]
url = "{anvil_url}"
batch_size = 1000
max_concurrency = 4
requests_per_second = 1000000
[networks.LTC]
url = "{ltc_url}"
backend = "bitcoind"
batch_size = 1000
requests_per_second = 1000000
timeout_seconds = 120
[networks.TRON]
url = "{tron_url}"
backend = "tron-http"
max_concurrency = 32
requests_per_second = 1000000
[networks.TRON.options]
events_settle_seconds = 0
pin_group_size = 500
[registry.tokens.USDT-ERC20]
contract = "{world.usdt}"
[registry.tokens.USDC-ERC20]
contract = "{world.usdc}"
[registry.networks.LTC]
hrp = "rltc"
p2pkh = 0x6f
p2sh = 0x3a
p2sh_alt = []
genesis_hash = "{LTC_GENESIS}"
[liabilities]
ETH = "0.000001"  # a figure to hold reserves against (a run with none is refused); far below what is funded
"""
    if not networks:
        kept, skipping = [], False
        for line in text.splitlines():
            if line.startswith("["):
                skipping = line.startswith("[networks.")
            if not skipping:
                kept.append(line)
        text = "\n".join(kept) + "\n"
    path.write_text(text)
    return path
