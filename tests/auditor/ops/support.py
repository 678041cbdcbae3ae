"""Helpers for the unattended-run tests: a config over the demo chains, the CLI in a child process, a JSON-RPC
proxy that holds requests until told (so a run can be caught mid-way), and a webhook receiver."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]

CONFIG = """
[input]
file = "{file}"
messages = ["I am an OKX address"]
[output]
dir = "{out}"
{output_extra}
[audit]
workers = {workers}
[networks.ETH]
url = "{eth}"
chain_id = 1
[networks.ARBITRUM]
url_env = "TEST_ARB_RPC"
[liabilities]
ETH = "{eth_owed}"
USDT = "{usdt_owed}"
[registry.tokens.USDT-ERC20]
contract = "{eth_token}"
[registry.tokens.USDT-ARBITRUM]
contract = "{arb_token}"
{extra}
"""


def write_config(path: Path, demo: dict, *, out: Path, eth: str | None = None, eth_owed: str = "1000",
                 usdt_owed: str = "40000000", output_extra: str = "", extra: str = "", workers: int = 1) -> Path:
    """A config over the demo chains; the Arbitrum URL comes from TEST_ARB_RPC (set it with env_for)."""
    path.write_text(CONFIG.format(
        file=demo["data"] / "okx_por_demo.csv", out=out, eth=eth or demo["eth_url"], eth_owed=eth_owed,
        usdt_owed=usdt_owed, eth_token=demo["eth"].token, arb_token=demo["arb"].token, output_extra=output_extra,
        extra=extra, workers=workers), encoding="utf-8")
    return path


def env_for(demo: dict, **more: str) -> dict[str, str]:
    return {"TEST_ARB_RPC": demo["arb_url"], **more}


def start_cli(args: list[str], env: dict[str, str]) -> subprocess.Popen[str]:
    """`python -m auditor ARGS` from this checkout, in its own process."""
    return subprocess.Popen([sys.executable, "-m", "auditor", *args], cwd=ROOT, env=os.environ | env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


class GatedProxy:
    """Forwards JSON-RPC POSTs to `target`, but holds every request until `gate` is set: a run using it stops
    in the middle (inside its lock, with its run directory half-written) for as long as the test wants."""

    def __init__(self, target: str) -> None:
        self.target = target
        self.gate = threading.Event()
        self.entered = threading.Event()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                proxy.entered.set()
                proxy.gate.wait(timeout=120)
                request = urllib.request.Request(proxy.target, body, {"Content-Type": "application/json"})
                with urllib.request.urlopen(request, timeout=30) as response:
                    answer = response.read()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self) -> GatedProxy:
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc_info) -> None:
        self.gate.set()
        self.server.shutdown()
        self.server.server_close()


class WebhookReceiver:
    """A webhook endpoint on 127.0.0.1 that answers `statuses` in turn (then 200) and keeps what it got."""

    def __init__(self, statuses: tuple[int, ...] = ()) -> None:
        self.statuses = list(statuses)
        self.received: list[dict] = []
        self.raw: list[bytes] = []
        self.attempts = 0
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                receiver.attempts += 1
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                if status == 200:
                    receiver.raw.append(body)
                    receiver.received.append(json.loads(body))
                self.send_response(status)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]

    def url(self, path: str = "/hook") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def __enter__(self) -> WebhookReceiver:
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc_info) -> None:
        self.server.shutdown()
        self.server.server_close()
