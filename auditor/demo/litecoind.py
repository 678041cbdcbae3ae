"""Starts Debian's Litecoin Core (`litecoind`, apt package litecoind) in regtest on 127.0.0.1 for the demo, with a
temporary data directory, and stops it again. The audit reads it through the bitcoind backend like any node.

Setup calls (`rpc`) parse amounts as Decimal, never float. The node dies with the process that started it
(auditor.lifeline), even one killed with SIGKILL."""

from __future__ import annotations

import base64
import json
import secrets
import shutil
import subprocess
import tempfile
import urllib.error
import urllib.request
from decimal import Decimal
from pathlib import Path
from typing import Any

from auditor import lifeline
from auditor.demo.anvil import free_port
from auditor.demo.processes import stop_process, wait_until_answering
from auditor.errors import InputProblem

LITECOIND = "litecoind"
RPC_USER = "rpc"  # under 4 characters: not taken for a secret, so the scrubber never masks the word elsewhere


class NodeError(RuntimeError):
    """litecoind answered a call with an error (`code` is Core's RPC error code)."""

    def __init__(self, method: str, error: dict[str, Any]) -> None:
        super().__init__(f"{method}: {error.get('code')}: {error.get('message')}")
        self.code = error.get("code")


class LitecoindMissing(InputProblem):
    """No litecoind on PATH (exit 2 with how to install it, not a traceback)."""


def litecoind_binary() -> str:
    found = shutil.which(LITECOIND)
    if found is None:
        raise LitecoindMissing("litecoind not found: `make demo` installs it (Debian: apt-get install litecoind)")
    return found


class Litecoind:
    """`with Litecoind() as node: node.url` (with its RPC credentials, as a config's url_env would hold it)."""

    def __init__(self, *, user: str = RPC_USER, password: str | None = None, extra_args: tuple[str, ...] = ()) -> None:
        self.datadir = Path(tempfile.mkdtemp(prefix="auditor-ltc-regtest-"))
        self.port = free_port()
        self._user = user
        self._password = password or secrets.token_hex(16)
        self._extra_args = extra_args  # e.g. -txindex=1 for an Electrum or Esplora server on top
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://{self._user}:{self._password}@127.0.0.1:{self.port}/"

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    def __enter__(self) -> Litecoind:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def start(self, timeout: float = 30.0) -> None:
        command = [
            litecoind_binary(), "-regtest", "-server=1", "-listen=0", "-dnsseed=0", "-fallbackfee=0.0001",
            "-rpcbind=127.0.0.1", "-rpcallowip=127.0.0.1", f"-rpcport={self.port}", f"-rpcuser={self._user}",
            f"-rpcpassword={self._password}", "-printtoconsole=0", f"-datadir={self.datadir}", *self._extra_args,
        ]
        self._process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                         preexec_fn=lifeline.child_setup())
        process = self._process

        def error() -> str:
            return process.stderr.read().decode(errors="replace").strip()[:500] if process.stderr else ""

        try:  # warming up, the RPC answers -28 until the node is loaded
            wait_until_answering(process, lambda: self.rpc("getblockchaininfo"), "litecoind", timeout, 0.1,
                                 unready=(OSError, NodeError), output=error)
        except BaseException:
            self.stop()
            raise

    def stop(self) -> None:
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            try:
                self._call("stop", (), None, 10)  # a clean shutdown through its RPC, SIGTERM if that fails
                asked = True
            except (OSError, NodeError):
                asked = False
            stop_process(process, grace=30, terminate=not asked)
        if process is not None and process.stderr:
            process.stderr.close()
        shutil.rmtree(self.datadir, ignore_errors=True)

    def rpc(self, method: str, *params: Any, wallet: str | None = None, timeout: float = 60.0) -> Any:
        return self._call(method, params, wallet, timeout)

    def _call(self, method: str, params: tuple[Any, ...], wallet: str | None, timeout: float) -> Any:
        body = json.dumps({"jsonrpc": "1.0", "id": 1, "method": method, "params": list(params)}, default=str)
        credentials = base64.b64encode(f"{self._user}:{self._password}".encode()).decode()
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.port}/" + (f"wallet/{wallet}" if wallet else ""), data=body.encode(),
            headers={"Content-Type": "application/json", "Authorization": f"Basic {credentials}"})
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                reply = json.loads(response.read(), parse_float=Decimal)
        except urllib.error.HTTPError as exc:  # Core answers RPC errors with HTTP 500/404 and a JSON body
            payload = exc.read()
            try:
                reply = json.loads(payload, parse_float=Decimal)
            except ValueError:
                raise OSError(f"HTTP {exc.code}: {payload[:200]!r}") from exc
        if reply.get("error"):
            raise NodeError(method, reply["error"])
        return reply["result"]
