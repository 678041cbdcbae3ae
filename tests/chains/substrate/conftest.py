"""One Chopsticks node (a real Asset Hub runtime, tests/nodes/chopsticks.py) for the Substrate balance tests,
seeded by tests/worlds/substrate.py (money moved after the snapshot block; the mixed audits use it too)."""

from __future__ import annotations

import pytest

from tests.nodes import chopsticks
from tests.worlds.substrate import DOT, USDC, USDT, World, seed

__all__ = ["DOT", "USDC", "USDT", "World"]


@pytest.fixture(scope="session")
def substrate_world():
    if not chopsticks.available():
        pytest.skip("chopsticks not installed (npm ci in the project root)")
    with chopsticks.Chopsticks() as node:
        yield seed(node)
