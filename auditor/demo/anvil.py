"""Starts anvil (from npm @foundry-rs/anvil) on 127.0.0.1 and stops it again."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import urllib.request
from pathlib import Path
from typing import Any

from auditor import lifeline
from auditor.demo.processes import stop_process, wait_until_answering

PROJECT_ROOT = Path(__file__).resolve().parents[2]
NPM_BINARY = PROJECT_ROOT / "node_modules" / "@foundry-rs" / "anvil-linux-amd64" / "bin" / "anvil"


def anvil_binary() -> Path:
    """The npm-installed anvil (`npm install` in the project root), or one on PATH / $ANVIL."""
    for candidate in (os.environ.get("ANVIL"), str(NPM_BINARY), shutil.which("anvil")):
        if candidate and Path(candidate).is_file():
            return Path(candidate)
    raise FileNotFoundError(
        "anvil not found: run `npm install` in the project root (it installs @foundry-rs/anvil), "
        "or set ANVIL=/path/to/anvil"
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class Anvil:
    """One anvil process. `with Anvil(chain_id=1) as node: node.url`"""

    def __init__(self, chain_id: int = 31337, port: int | None = None, block_time: int | None = None,
                 extra_args: tuple[str, ...] = ()) -> None:
        self.chain_id = chain_id
        self.extra_args = extra_args  # e.g. ("--fork-url", URL, "--fork-block-number", "12"): a copy of a chain
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._block_time = block_time
        self._process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> Anvil:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def start(self, timeout: float = 20.0) -> None:
        command = [
            str(anvil_binary()), "--host", "127.0.0.1", "--port", str(self.port), "--chain-id", str(self.chain_id),
            "--silent", "--accounts", "3", "--balance", "1000000",
        ]
        if self._block_time:
            command += ["--block-time", str(self._block_time)]
        command += self.extra_args
        # The node dies with the process that started it, even one killed with SIGKILL (auditor.lifeline).
        self._process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                         preexec_fn=lifeline.child_setup())
        process = self._process

        def error() -> str:
            return process.stderr.read().decode(errors="replace").strip()[:500] if process.stderr else ""

        try:
            wait_until_answering(process, lambda: self.rpc("eth_chainId"), f"anvil on {self.url}", timeout, 0.05,
                                 output=error)
        except BaseException:
            self.stop()
            raise

    def stop(self) -> None:
        stop_process(self._process)
        self._process = None

    def rpc(self, method: str, params: list[Any] | None = None) -> Any:
        """A synchronous JSON-RPC call, for setting the chain up (not on the audit's path)."""
        body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": method, "params": params or []}).encode()
        request = urllib.request.Request(self.url, body, {"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=30) as response:
            reply = json.loads(response.read())
        if reply.get("error"):
            raise RuntimeError(f"{method}: {reply['error']}")
        return reply["result"]
