"""A regtest Litecoin Core (`litecoind`, same JSON-RPC as Bitcoin Core 0.21) on 127.0.0.1 with a temporary
datadir and free ports. Synchronous RPC for test setup; amounts parse as Decimal so nothing goes through float."""

from __future__ import annotations

import base64
import json
import shutil
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from decimal import Decimal
from pathlib import Path
from typing import Any

from tests.nodes import free_port

LITECOIND = "litecoind"
START_TIMEOUT = 30.0
STOP_TIMEOUT = 30.0
RPC_USER = "ltc-regtest-rpc"  # not a word that appears in reports: the secret scrubber masks credentials everywhere
RPC_PASSWORD = "s3cret-rpc-pass"  # secret enough to check that errors never show it


class RpcError(Exception):
    def __init__(self, error: dict[str, Any]) -> None:
        super().__init__(f"{error.get('code')}: {error.get('message')}")
        self.code = error.get("code")


def available() -> bool:
    return shutil.which(LITECOIND) is not None


class Litecoind:
    """Start with `start()` (or as a context manager); `rpc(...)` calls the node; `stop()` shuts it down."""

    def __init__(self) -> None:
        self.datadir = Path(tempfile.mkdtemp(prefix="ltc-regtest-"))
        self.rpc_port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        """RPC URL with credentials, as a user would put it in a config."""
        return f"http://{RPC_USER}:{RPC_PASSWORD}@127.0.0.1:{self.rpc_port}/"

    def start(self) -> Litecoind:
        args = [
            LITECOIND,
            "-regtest",
            "-server=1",
            "-listen=0",
            "-dnsseed=0",
            "-txindex=1",
            "-fallbackfee=0.0001",
            "-rpcbind=127.0.0.1",
            "-rpcallowip=127.0.0.1",
            f"-rpcport={self.rpc_port}",
            f"-rpcuser={RPC_USER}",
            f"-rpcpassword={RPC_PASSWORD}",
            "-rpcworkqueue=64",
            "-printtoconsole=0",
            f"-datadir={self.datadir}",
        ]
        self.process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            if self.process.poll() is not None:
                err = self.process.stderr.read().decode() if self.process.stderr else ""
                raise RuntimeError(f"litecoind exited with {self.process.returncode}: {err[:500]}")
            try:
                self.rpc("getblockchaininfo")
                return self
            except (OSError, RpcError):
                if time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError(f"litecoind RPC not ready after {START_TIMEOUT}s") from None
                time.sleep(0.1)

    def rpc(self, method: str, *params: Any, wallet: str | None = None, timeout: float = 60.0) -> Any:
        path = f"/wallet/{wallet}" if wallet else "/"
        body = json.dumps({"jsonrpc": "1.0", "id": 1, "method": method, "params": list(params)}, default=str)
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.rpc_port}{path}",
            data=body.encode(),
            headers={
                "Content-Type": "application/json",
                "Authorization": "Basic " + base64.b64encode(f"{RPC_USER}:{RPC_PASSWORD}".encode()).decode(),
            },
        )
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
            raise RpcError(reply["error"])
        return reply["result"]

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            try:
                self.rpc("stop", timeout=10)
            except (OSError, RpcError):
                self.process.terminate()
            try:
                self.process.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        if self.process is not None and self.process.stderr:
            self.process.stderr.close()
        shutil.rmtree(self.datadir, ignore_errors=True)

    def __enter__(self) -> Litecoind:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
