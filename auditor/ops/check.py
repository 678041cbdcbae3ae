"""`auditor check CONFIG`: before scheduling, make sure a run can work. Validates the config (and the input
file's header, the registry overrides), then for each configured network reaches the endpoint and runs the
adapter's own `snapshot(height)` check at each snapshot height the run will use: the right chain (chain id /
genesis), the snapshot block present, state readable there. Exit 0 all good, 2 config error, 3 an endpoint
fails."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
from collections import defaultdict
from dataclasses import asdict, dataclass
from pathlib import Path

from auditor.assets import AssetRegistry
from auditor.balances import SnapshotHeights
from auditor.config import AuditConfig, load_config
from auditor.errors import ExitCode
from auditor.formats import AddressFile, open_address_file
from auditor.secrets import scrub
from chains.base import BalanceAdapter, DataSourceError
from chains.quorum import QuorumAdapter, open_network_adapter
from chains.registry import get_family

log = logging.getLogger("auditor.ops.check")
MAX_HEIGHTS = 10  # distinct heights checked per network (files normally use one)
DESCRIPTION = __doc__.split("\n\n")[0].replace("`auditor check CONFIG`: ", "") + (
    f"\n\nexit codes:\n  {ExitCode.OK:d}  every endpoint answers at its snapshot block\n"
    f"  {ExitCode.INPUT:d}  {ExitCode.INPUT.meaning}\n"
    f"  {ExitCode.SOURCE:d}  an endpoint cannot be reached, is on the wrong chain, or lacks the snapshot block\n")


@dataclass(frozen=True)
class Check:
    network: str
    endpoint: str  # display form (scheme://host:port), never the secret URL
    height: int | None
    ok: bool
    kind: str  # "ok", "config", "endpoint"
    detail: str  # the block hash, or what is wrong


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("config", type=Path, help="TOML config (see configs/example.toml)")
    parser.add_argument("--format", choices=("table", "json"), default="table", help="table (default) or json")


def command(args: argparse.Namespace) -> ExitCode:
    """A config or input error raises (exit 2, by auditor.cli)."""
    config = load_config(args.config)
    address_file = open_address_file(config.input_file, config.generic)
    registry = AssetRegistry.load(config.registry_overrides, defaults=address_file.layout.registry_defaults())
    heights = heights_by_network(config, registry, address_file)
    checks = asyncio.run(check_networks(config, registry, heights))
    if args.format == "json":
        print(json.dumps({"config": str(config.path), "checks": [asdict(c) for c in checks]}, indent=2))
    else:
        print(format_table(checks))
    return exit_code(checks)


def exit_code(checks: list[Check]) -> ExitCode:
    if any(c.kind == "config" for c in checks):
        return ExitCode.INPUT
    return ExitCode.SOURCE if any(not c.ok for c in checks) else ExitCode.OK


def heights_by_network(config: AuditConfig, registry: AssetRegistry, address_file: AddressFile) -> dict[str, set[int]]:
    """The heights a run reads each configured network at, by the run's own rules: the config's pin, else the
    rows' Snapshot Height, else the summary section's height for the row's coin (the file is streamed once)."""
    heights = SnapshotHeights.build(config.networks, address_file.summary, registry)
    found: dict[str, set[int]] = defaultdict(set)
    for code in heights.pinned:
        found[code].add(heights.pinned[code])
    unpinned = {n.code for code in config.networks if (n := registry.network(code)) and n.code not in heights.pinned}
    if unpinned:
        for row in address_file.rows():
            token = registry.resolve(row.coin, row.network)
            if token is None or token.network not in unpinned:
                continue
            height = row.snapshot_height if row.snapshot_height is not None else heights.summary.get(token.code)
            if height is not None:
                found[token.network].add(height)
    return found


async def check_networks(config: AuditConfig, registry: AssetRegistry, heights: dict[str, set[int]]) -> list[Check]:
    jobs = []
    checks: list[Check] = []
    for code, settings in sorted(config.networks.items()):
        if settings.endpoint is None:
            continue
        display = ", ".join(endpoint.display for endpoint in settings.all_endpoints)
        network = registry.network(code)
        family = get_family(network.family) if network is not None else None
        if network is None or family is None:
            checks.append(Check(code, display, None, False, "config",
                                f"[networks.{code}]: no such network in the registry (or its family is not supported)"))
            continue
        try:  # several urls: every endpoint checked, and their block hashes compared (provider quorum)
            adapter = open_network_adapter(family, network, settings.all_endpoints, settings.quorum)
        except ValueError as exc:
            checks.append(Check(code, display, None, False, "config", scrub(f"[networks.{code}]: {exc}")))
            continue
        wanted = sorted(heights.get(network.code, ()))
        if not wanted:
            await adapter.aclose()
            checks.append(Check(code, display, None, False, "config",
                                f"no snapshot height: no row of the input file names one for {network.code}; "
                                f"set [networks.{code}] snapshot_height"))
            continue
        jobs.append(_check_adapter(code, adapter, wanted[:MAX_HEIGHTS]))
    for found in await asyncio.gather(*jobs):
        checks.extend(found)
    return sorted(checks, key=lambda c: (c.network, c.height or 0))


async def _check_adapter(code: str, adapter: BalanceAdapter, heights: list[int]) -> list[Check]:
    display = adapter.endpoint.display
    results = []
    async with adapter:
        for height in heights:
            try:
                snapshot = await adapter.snapshot(height)
            except DataSourceError as exc:
                results.append(Check(code, display, height, False, "endpoint", scrub(str(exc))))
                continue
            except Exception as exc:  # an unexpected answer is the endpoint's failure too, with what it was
                results.append(Check(code, display, height, False, "endpoint",
                                     scrub(f"{type(exc).__name__}: {exc}")))
                continue
            results.append(Check(code, display, height, True, "ok", f"block {snapshot.block_hash}"))
            if isinstance(adapter, QuorumAdapter):  # the quorum is met, but every endpoint should answer
                for member, why in adapter.left_out_at.get(height, {}).items():
                    results.append(Check(code, member, height, False, "endpoint", scrub(why)))
    return results


def format_table(checks: list[Check]) -> str:
    if not checks:
        return "no [networks] endpoints configured: nothing to reach (rows will be unchecked)"
    rows = [["network", "endpoint", "height", "result", "detail"]]
    rows += [[c.network, c.endpoint, "-" if c.height is None else str(c.height), "OK" if c.ok else "FAIL", c.detail]
             for c in checks]
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    lines = ["  ".join(cell.ljust(widths[i]) for i, cell in enumerate(r[:4])) + "  " + r[4] for r in rows]
    lines.insert(1, "  ".join("-" * w for w in widths) + "  ------")
    return "\n".join(lines)
