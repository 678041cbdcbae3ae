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
