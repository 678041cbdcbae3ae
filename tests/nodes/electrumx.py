"""ElectrumX (the `e-x` package) indexing a regtest litecoind, serving TCP (and TLS when a certificate is
given) on 127.0.0.1.

ElectrumX pads replies against traffic analysis: once a session has sent about 1 KB, a reply smaller than
1 KB waits up to a second for more to send along. `PaddedRSTransport.WARMUP_BUDGET_SIZE` (a class attribute,
no environment setting) is the byte count sent before that starts; the launcher raises it so a test suite of
many small requests is not paced at one reply a second. The adapters batch anyway, which is what keeps them
fast against public servers that do pad.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from auditor.demo.processes import stop_process
from tests.nodes import free_port
from tests.nodes.litecoind import Litecoind

START_TIMEOUT = 60.0
STOP_TIMEOUT = 20.0

_RUNNER = """
import electrumx.server.transport as transport
transport.PaddedRSTransport.WARMUP_BUDGET_SIZE = 1 << 60  # no reply held back for padding in tests
from electrumx.cli.electrumx_server import main
main()
"""


_PADDED_RUNNER = """
from electrumx.cli.electrumx_server import main
main()
"""


def available() -> bool:
    try:
        import electrumx  # noqa: F401
        import plyvel  # noqa: F401
    except ImportError:
        return False
    return True


class ElectrumX:
    def __init__(
        self, node: Litecoind, tls_cert: Path | None = None, tls_key: Path | None = None, padding: bool = False
    ) -> None:
        """`padding=True` keeps ElectrumX's reply padding as public servers run it (for benchmarks)."""
        self.node = node
        self.padding = padding
        self.db_dir = Path(tempfile.mkdtemp(prefix="electrumx-"))
        self.port = free_port()
        self.tls_port = free_port() if tls_cert else None
        self.tls_cert, self.tls_key = tls_cert, tls_key
        self.process: subprocess.Popen[bytes] | None = None
        self.log = self.db_dir / "electrumx.log"

    @property
    def url(self) -> str:
        return f"tcp://127.0.0.1:{self.port}"

    @property
    def tls_url(self) -> str:
        return f"ssl://127.0.0.1:{self.tls_port}"

    def start(self) -> ElectrumX:
        services = f"tcp://127.0.0.1:{self.port}"
        env = {
            **os.environ,
            "COIN": "Litecoin",
            "NET": "regtest",
            "DB_ENGINE": "leveldb",
            "DB_DIRECTORY": str(self.db_dir),
            "DAEMON_URL": self.node.url,
            "ALLOW_ROOT": "1",
            "PEER_DISCOVERY": "off",
            "PEER_ANNOUNCE": "",
            "DAEMON_POLL_INTERVAL_BLOCKS": "200",  # ms: follow the test's blocks and rollbacks quickly
            "DAEMON_POLL_INTERVAL_MEMPOOL": "200",
            "COST_SOFT_LIMIT": "0",  # no per-session throttling of the benchmark's thousands of requests
            "COST_HARD_LIMIT": "0",
            "CACHE_MB": "100",
            "LOG_LEVEL": "warning",
        }
        if self.tls_cert and self.tls_key:
            services += f",ssl://127.0.0.1:{self.tls_port}"
            env |= {"SSL_CERTFILE": str(self.tls_cert), "SSL_KEYFILE": str(self.tls_key)}
        env["SERVICES"] = services
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-c", _PADDED_RUNNER if self.padding else _RUNNER],
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        try:
            self.wait_synced(timeout=START_TIMEOUT)
        except Exception:
            self.stop()
            raise
        return self

    def tip(self) -> int | None:
        """The server's tip height, or None while it is not answering."""
        return asyncio.run(_tip(self.port))

    def wait_synced(self, timeout: float = 30.0) -> None:
        """Until the server's tip is the node's tip (bounded)."""
        deadline = time.monotonic() + timeout
        while True:
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(f"electrumx exited: {self.log.read_text()[-2000:]}")
            target = self.node.rpc("getblockcount")
            if self.tip() == target:
                return
            if time.monotonic() > deadline:
                raise RuntimeError(f"electrumx not at block {target} after {timeout}s: {self.log.read_text()[-2000:]}")
            time.sleep(0.1)

    def stop(self) -> None:
        stop_process(self.process, grace=STOP_TIMEOUT)  # SIGTERM: ElectrumX flushes its database and exits
        shutil.rmtree(self.db_dir, ignore_errors=True)


async def _tip(port: int) -> int | None:
    try:
        reader, writer = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), timeout=2)
    except (OSError, TimeoutError):
        return None
    try:
        requests = [
            {"jsonrpc": "2.0", "id": 1, "method": "server.version", "params": ["probe", "1.4"]},
            {"jsonrpc": "2.0", "id": 2, "method": "blockchain.headers.subscribe", "params": []},
        ]
        writer.write(json.dumps(requests).encode() + b"\n")
        line = await asyncio.wait_for(reader.readline(), timeout=5)
        replies = {r.get("id"): r for r in json.loads(line)} if line else {}
        result = replies.get(2, {}).get("result")
        return int(result["height"]) if result else None
    except (OSError, TimeoutError, ValueError):
        return None
    finally:
        writer.close()
