"""Starts Chopsticks (npm @acala-network/chopsticks) on 127.0.0.1: a real Substrate runtime, no network.

Chopsticks normally forks a live chain; offline it starts from a chain spec whose genesis holds the runtime
(`--genesis`). The one such spec installable here is Rococo Asset Hub's (npm @substrate/connect-known-chains,
`rococo_v2_2_asset_hub`: raw genesis with `:code`, the `statemine` runtime, spec version 900), a real Asset Hub
runtime with the System, Balances and Assets pallets that Polkadot/Kusama and their Asset Hubs use. The other
specs in that package (polkadot, ksmcc3, their asset hubs) ship only a state root for light clients.

Blocks are built on demand (`--build-block-mode Manual`, `dev_newBlock`); balances are written with
`dev_setStorage`, which Chopsticks encodes with the runtime's own metadata, so the auditor's hand-written
decoding is checked against the runtime. `dev_setStorage` writes into the head block's state: write, then build
the next block. Chopsticks reports a made-up genesis hash (0x4545…), so tests pass it as the expected one.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import urllib.request
from pathlib import Path
from typing import Any

from auditor.demo.anvil import free_port
from auditor.demo.processes import stop_process, wait_until_answering

PROJECT_ROOT = Path(__file__).resolve().parents[2]
NODE_MODULES = PROJECT_ROOT / "node_modules"
CHOPSTICKS = NODE_MODULES / "@acala-network" / "chopsticks" / "chopsticks.cjs"
SPEC_MODULE = NODE_MODULES / "@substrate" / "connect-known-chains" / "dist" / "commonjs" / "specs" / \
    "rococo_v2_2_asset_hub.js"
SS58_PREFIX = 42  # the runtime's own (generic Substrate); addresses of any prefix name the same AccountId32


def available() -> bool:
    return shutil.which("node") is not None and CHOPSTICKS.is_file() and SPEC_MODULE.is_file()


def _chain_spec(folder: Path) -> Path:
    """The Rococo Asset Hub chain spec (JSON with raw genesis) written out of its npm module."""
    path = folder / "asset-hub-rococo.json"
    script = "require('fs').writeFileSync(process.argv[2], require(process.argv[1]).chainSpec)"
    subprocess.run(["node", "-e", script, str(SPEC_MODULE), str(path)], check=True, timeout=60)
    return path


class Chopsticks:
    """One Chopsticks process. `with Chopsticks() as node: node.url`"""

    def __init__(self, port: int | None = None) -> None:
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._process: subprocess.Popen[bytes] | None = None
        self._folder = tempfile.TemporaryDirectory(prefix="chopsticks-")
        self._log = Path(self._folder.name) / "chopsticks.log"

    def __enter__(self) -> Chopsticks:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def start(self, timeout: float = 120.0) -> None:
        spec = _chain_spec(Path(self._folder.name))
        command = ["node", str(CHOPSTICKS), "--genesis", str(spec), "--host", "127.0.0.1", "--port", str(self.port),
                   "--build-block-mode", "Manual"]
        with self._log.open("wb") as log:
            self._process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT,
                                             env={**os.environ, "LOG_LEVEL": "warn"})
        try:
            wait_until_answering(self._process, lambda: self.rpc("chain_getHeader"), f"chopsticks on {self.url}",
                                 timeout, 0.2, output=lambda: self._log.read_text(errors="replace")[-800:])
        except BaseException:
            self.stop()
            raise

    def stop(self) -> None:
        stop_process(self._process)
        self._process = None
        self._folder.cleanup()

    def rpc(self, method: str, params: list | None = None) -> Any:
        """A synchronous JSON-RPC call, for setting the chain up (not on the audit's path)."""
        body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": method, "params": params or []}).encode()
        request = urllib.request.Request(self.url, body, {"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=120) as response:
            reply = json.loads(response.read())
        if reply.get("error"):
            raise RuntimeError(f"{method}: {reply['error']}")
        return reply["result"]

    # ---- chain set-up -------------------------------------------------------------------------------------

    def genesis_hash(self) -> str:
        return self.rpc("chain_getBlockHash", [0])

    def height(self) -> int:
        return int(self.rpc("chain_getHeader")["number"], 16)

    def new_block(self) -> int:
        """Builds one block on the head; its height."""
        self.rpc("dev_newBlock")
        return self.height()

    def set_accounts(self, balances: dict[bytes, tuple[int, int, int]]) -> None:
        """System.Account of each AccountId32: (free, reserved, frozen), written into the head block's state."""
        entries = [[["0x" + account.hex()], {"providers": 1, "data": {
            "free": str(free), "reserved": str(reserved), "miscFrozen": str(frozen), "feeFrozen": str(frozen)}}]
            for account, (free, reserved, frozen) in balances.items()]
        self.rpc("dev_setStorage", [{"System": {"Account": entries}}])

    def create_asset(self, asset_id: int, owner: bytes) -> None:
        who = "0x" + owner.hex()
        self.rpc("dev_setStorage", [{"Assets": {"Asset": [[[asset_id], {
            "owner": who, "issuer": who, "admin": who, "freezer": who, "supply": "0", "deposit": 0,
            "minBalance": 1, "isSufficient": True, "accounts": 0, "sufficients": 0, "approvals": 0,
            "isFrozen": False}]]}}])

    def set_asset_balances(self, asset_id: int, balances: dict[bytes, int], frozen: bool = False) -> None:
        """Assets.Account(asset_id, account) of each account (0 removes the entry)."""
        entries = [[[asset_id, "0x" + account.hex()],
                    {"balance": str(amount), "isFrozen": frozen, "reason": "Sufficient"} if amount else None]
                   for account, amount in balances.items()]
        self.rpc("dev_setStorage", [{"Assets": {"Account": entries}}])
