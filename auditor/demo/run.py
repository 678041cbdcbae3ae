"""`auditor demo`: start two anvil nodes, build the signed demo file, run the audit on configs/demo.toml."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from auditor.assets import AssetRegistry
from auditor.config import load_config
from auditor.demo.anvil import PROJECT_ROOT, Anvil
from auditor.demo.scenario import build_demo

DEMO_CONFIG = PROJECT_ROOT / "configs" / "demo.toml"
ENV_ETH, ENV_ARBITRUM = "AUDITOR_DEMO_ETH_RPC", "AUDITOR_DEMO_ARBITRUM_RPC"


def run_demo(out: Path | None = None) -> int:
    from auditor.cli import run_command

    data_dir = PROJECT_ROOT / "configs" / "demo-data"
    with Anvil(chain_id=1) as eth_node, Anvil(chain_id=42161) as arb_node:
        print(f"anvil: Ethereum stand-in on {eth_node.url}, Arbitrum stand-in on {arb_node.url}", file=sys.stderr)
        networks = build_demo(data_dir, eth_node, arb_node)
        registry = AssetRegistry.load(load_config(DEMO_CONFIG, {ENV_ETH: "-", ENV_ARBITRUM: "-"}).registry_overrides)
        for n in networks:
            print(f"  {n.code}: USDT at {n.token}, snapshot block {n.height}", file=sys.stderr)
            configured = registry.resolve(n.token_coin, n.code)
            if configured is None or (configured.contract or "").lower() != n.token.lower():
                print(f"demo: {DEMO_CONFIG} expects {n.token_coin} elsewhere than {n.token}", file=sys.stderr)
                return 2
        os.environ[ENV_ETH], os.environ[ENV_ARBITRUM] = eth_node.url, arb_node.url
        return run_command(DEMO_CONFIG, out)
