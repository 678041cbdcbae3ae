"""`auditor demo`: start two anvil nodes, build the signed demo file, run the audit on configs/demo.toml."""

from __future__ import annotations

import logging
import os
from pathlib import Path

from auditor.assets import AssetRegistry
from auditor.config import load_config
from auditor.demo.anvil import PROJECT_ROOT, Anvil
from auditor.demo.scenario import build_demo
from auditor.errors import ExitCode, InputProblem
from auditor.run import run_config

DEMO_CONFIG = PROJECT_ROOT / "configs" / "demo.toml"
ENV_ETH, ENV_ARBITRUM = "AUDITOR_DEMO_ETH_RPC", "AUDITOR_DEMO_ARBITRUM_RPC"
log = logging.getLogger("auditor.demo")


class DemoConfigMismatch(InputProblem):
    """configs/demo.toml names another token contract than the demo deployed."""


def run_demo(out: Path | None = None, quiet: bool = False) -> ExitCode:
    data_dir = PROJECT_ROOT / "configs" / "demo-data"
    with Anvil(chain_id=1) as eth_node, Anvil(chain_id=42161) as arb_node:
        log.info("anvil: Ethereum stand-in on %s, Arbitrum stand-in on %s", eth_node.url, arb_node.url)
        networks = build_demo(data_dir, eth_node, arb_node)
        registry = AssetRegistry.load(load_config(DEMO_CONFIG, {ENV_ETH: "-", ENV_ARBITRUM: "-"}).registry_overrides)
        for n in networks:
            log.info("  %s: USDT at %s, snapshot block %s", n.code, n.token, n.height)
            configured = registry.resolve(n.token_coin, n.code)
            if configured is None or (configured.contract or "").lower() != n.token.lower():
                raise DemoConfigMismatch(f"demo: {DEMO_CONFIG} expects {n.token_coin} elsewhere than {n.token}")
        os.environ[ENV_ETH], os.environ[ENV_ARBITRUM] = eth_node.url, arb_node.url
        config = load_config(DEMO_CONFIG)
        return run_config(config, out or config.output_dir, quiet=quiet)
