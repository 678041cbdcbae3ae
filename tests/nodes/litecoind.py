"""A regtest Litecoin Core (`litecoind`, same JSON-RPC as Bitcoin Core 0.21) on 127.0.0.1 for the tests: the
demo's node (auditor.demo.litecoind) with a known password, so tests can check that no output ever shows it, and
`-txindex` for the Electrum and Esplora servers on top. Amounts parse as Decimal, never through float."""

from __future__ import annotations

import shutil

from auditor.demo import litecoind as demo_node

RPC_USER = "ltc-regtest-rpc"  # not a word that appears in reports: the secret scrubber masks credentials everywhere
RPC_PASSWORD = "s3cret-rpc-pass"  # secret enough to check that errors never show it
RpcError = demo_node.NodeError


def available() -> bool:
    return shutil.which(demo_node.LITECOIND) is not None


class Litecoind(demo_node.Litecoind):
    """Start with `start()` (or as a context manager); `rpc(...)` calls the node; `stop()` shuts it down."""

    def __init__(self) -> None:
        super().__init__(user=RPC_USER, password=RPC_PASSWORD, extra_args=("-txindex=1", "-rpcworkqueue=64"))

    @property
    def rpc_port(self) -> int:
        return self.port

    def start(self, timeout: float = 30.0) -> Litecoind:  # type: ignore[override]
        super().start(timeout)
        return self
