"""Real nodes for the UTXO backend tests, started once per session on 127.0.0.1: a regtest litecoind with the
chain from tests.nodes.ltc_chain, ElectrumX on it (TCP and TLS), and the local Esplora-API server."""

from __future__ import annotations

import contextlib
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from chains.base import Balance, BalanceQuery, Endpoint, Network
from chains.transport import display_url
from chains.utxo.query import UtxoQueryDetail
from tests.nodes import electrumx as electrumx_node
from tests.nodes import litecoind as litecoind_node
from tests.nodes.electrumx import ElectrumX
from tests.nodes.esplora_server import EsploraServer
from tests.nodes.litecoind import Litecoind
from tests.nodes.ltc_chain import BuiltChain, build_chain

REGTEST_GENESIS = "530827f38f93b43ed12af0b3ad25a288dc02ed74d6d7857862df51fc56c416f9"
BULK_ADDRESSES = 150

# Litecoin regtest: the testnet address versions and the "rltc" segwit prefix (mainnet's registry entry
# does not describe it, so the tests build the Network themselves).
NETWORK = Network(
    code="LTC",
    family="utxo",
    name="Litecoin regtest",
    native_asset="LTC",
    native_decimals=8,
    params={"p2pkh": 0x6F, "p2sh": 0x3A, "p2sh_alt": [0xC4], "hrp": "rltc", "genesis_hash": REGTEST_GENESIS},
)


def endpoint(
    url: str, backend: str, options: dict[str, object] | None = None, retries: int = 3, batch_size: int = 500
) -> Endpoint:
    """An endpoint as the config would give it; no rate limit against local servers."""
    return Endpoint(
        url=url,
        backend=backend,
        display=display_url(url),
        requests_per_second=0,
        timeout_seconds=20.0,
        retries=retries,
        batch_size=batch_size,
        options=options or {},
    )


def queries(chain: BuiltChain) -> list[BalanceQuery]:
    """One query per test address, multisig ones carrying their redeem script as the pipeline does."""
    return [BalanceQuery(t.address, None, UtxoQueryDetail(t.redeem_script)) for t in chain.addresses.values()]


def amounts(results: dict[BalanceQuery, Balance]) -> dict[str, int | None]:
    return {q.address: b.amount for q, b in results.items()}


@pytest.fixture(scope="session")
def chain() -> Iterator[BuiltChain]:
    if not litecoind_node.available():
        pytest.skip("litecoind is not installed (make install)")
    node = Litecoind().start()
    try:
        yield build_chain(node, bulk=BULK_ADDRESSES)
    finally:
        node.stop()


@contextlib.contextmanager
def rolled_back_to_snapshot(chain: BuiltChain) -> Iterator[str]:
    """The node's tip at the snapshot height (`invalidateblock` of block H+1), restored afterwards."""
    next_hash = chain.block_hash(chain.snapshot_height + 1)
    chain.node.rpc("invalidateblock", next_hash)
    try:
        yield next_hash
    finally:
        chain.node.rpc("reconsiderblock", next_hash)
        assert chain.node.rpc("getblockcount") == chain.tip_height


@pytest.fixture(scope="session")
def tls_files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    return cert, key


@pytest.fixture(scope="session")
def electrumx_server(chain: BuiltChain, tls_files: tuple[Path, Path]) -> Iterator[ElectrumX]:
    if not electrumx_node.available():
        pytest.skip("ElectrumX is not installed (pip install '.[electrum]')")
    server = ElectrumX(chain.node, tls_cert=tls_files[0], tls_key=tls_files[1]).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def electrumx(electrumx_server: ElectrumX) -> ElectrumX:
    """The server, caught up with the node (other tests roll the node back and forth)."""
    electrumx_server.wait_synced()
    return electrumx_server


@pytest.fixture(scope="session")
def esplora(chain: BuiltChain) -> Iterator[EsploraServer]:
    server = EsploraServer(chain.node).start()
    try:
        yield server
    finally:
        server.stop()
