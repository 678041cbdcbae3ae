"""Real nodes and servers the tests start on 127.0.0.1: Litecoin Core in regtest, ElectrumX on top of it,
and a local Esplora-API server fed from the same node. Every wait is bounded; every process is stopped."""

from __future__ import annotations

import socket


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
