"""Shared fixtures: real anvil nodes (npm @foundry-rs/anvil) on 127.0.0.1, and the published vectors."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from auditor.demo.anvil import Anvil

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
VECTORS = SHARED / "vectors" / "ownership_vectors.csv"


def load_vectors() -> list[dict[str, str]]:
    if not VECTORS.is_file():
        return []
    with VECTORS.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def needs_shared(path: Path) -> Path:
    if not path.exists():
        pytest.skip(f"{path} is not here (../shared is optional)")
    return path


@pytest.fixture(scope="session")
def anvil_eth():
    """A session-wide anvil claiming Ethereum's chain id 1."""
    with Anvil(chain_id=1) as node:
        yield node


@pytest.fixture(scope="session")
def anvil_arbitrum():
    with Anvil(chain_id=42161) as node:
        yield node


@pytest.fixture(scope="session")
def demo_chains(tmp_path_factory):
    """The demo's two chains (Ethereum and Arbitrum stand-ins) and its signed file, for whole runs of the CLI."""
    from auditor.demo.scenario import build_demo

    data = tmp_path_factory.mktemp("demo-chains")
    with Anvil(chain_id=1) as eth_node, Anvil(chain_id=42161) as arb_node:
        eth, arb = build_demo(data, eth_node, arb_node)
        yield {"data": data, "eth": eth, "arb": arb, "eth_url": eth_node.url, "arb_url": arb_node.url,
               "eth_node": eth_node, "arb_node": arb_node}
