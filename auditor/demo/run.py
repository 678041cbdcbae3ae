"""`auditor demo`: start the local nodes (two anvil, one litecoind regtest), build the demo's chains, signed file
and liabilities (auditor.demo.world), run the audit on configs/demo.toml, check one customer's inclusion proof,
and say where report.html is."""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path

from auditor.assets import AssetRegistry
from auditor.config import AuditConfig, load_config
from auditor.demo.anvil import PROJECT_ROOT, Anvil
from auditor.demo.litecoind import Litecoind
from auditor.demo.world import DemoWorld, build_world
from auditor.errors import ExitCode, InputProblem
from auditor.liabilities.inclusion import verify_inclusion
from auditor.liabilities.inclusion_result import InclusionResult
from auditor.run import run_config

DEMO_CONFIG = PROJECT_ROOT / "configs" / "demo.toml"
ENV_ETH, ENV_ARBITRUM, ENV_LTC = "AUDITOR_DEMO_ETH_RPC", "AUDITOR_DEMO_ARBITRUM_RPC", "AUDITOR_DEMO_LTC_RPC"
log = logging.getLogger("auditor.demo")


class DemoConfigMismatch(InputProblem):
    """configs/demo.toml names another token contract or chain than the demo set up."""


@dataclass(frozen=True)
class DemoOutcome:
    exit_code: ExitCode
    world: DemoWorld
    report_dir: Path  # the run directory (`latest`)
    inclusion: InclusionResult


def run_demo(out: Path | None = None, quiet: bool = False) -> ExitCode:
    return demo(out, quiet).exit_code


def demo(out: Path | None = None, quiet: bool = False) -> DemoOutcome:
    """`quiet` silences progress display only; the reserve table, the inclusion check and the report's path are
    always printed."""
    data_dir = PROJECT_ROOT / "configs" / "demo-data"  # where configs/demo.toml reads its files
    with Anvil(chain_id=1) as eth_node, Anvil(chain_id=42161) as arb_node, Litecoind() as ltc_node:
        log.info("nodes: Ethereum stand-in %s, Arbitrum stand-in %s, Litecoin regtest 127.0.0.1:%s",
                 eth_node.url, arb_node.url, ltc_node.port)
        world = build_world(data_dir, eth_node, arb_node, ltc_node)
        env = {ENV_ETH: eth_node.url, ENV_ARBITRUM: arb_node.url, ENV_LTC: ltc_node.url}
        config = load_config(DEMO_CONFIG, env)
        _check_config(config, world)
        inclusion = verify_inclusion(world.user_proof, tree=world.tree)
        os.environ.update(env)
        output = out or config.output_dir
        code = run_config(config, output, quiet=quiet)
    report_dir = output / "latest"
    verdict = "yes" if inclusion.included else "no"
    print(f"customer inclusion proof {world.user_proof} checked against the liabilities tree: {verdict}: "
          f"{inclusion.reason}")
    print(f"report.html: {report_dir / 'report.html'}  (open it in a browser)")
    return DemoOutcome(code, world, report_dir, inclusion)


def _check_config(config: AuditConfig, world: DemoWorld) -> None:
    """The contracts and the regtest genesis configs/demo.toml names are the ones the demo made."""
    registry = AssetRegistry.load(config.registry_overrides)
    for code, record in world.chains.items():
        for coin, contract in record.tokens.items():
            configured = registry.resolve(coin, code)
            if configured is None or (configured.contract or "").lower() != contract.lower():
                raise DemoConfigMismatch(f"demo: {DEMO_CONFIG} expects {coin} on {code} elsewhere than {contract}")
        network = registry.network(code)
        if record.genesis and (network is None or network.params.get("genesis_hash") != record.genesis):
            raise DemoConfigMismatch(f"demo: {DEMO_CONFIG} names another genesis block for {code} than the regtest "
                                     f"node's {record.genesis}")
