"""`auditor plan CONFIG`: what a run will ask its providers, before it asks anything.

The input file is read as a run reads it (chunks of `[audit] chunk_size`, each row's network, token, snapshot
height and balance query worked out the same way), but no balance is read and no endpoint is contacted. Per
network it prints the rows whose balance a run reads, the distinct balances, and the requests the run will
send: each adapter states its own cost model (`BalanceAdapter.estimate_snapshot_requests` per snapshot height,
`estimate_requests` per chunk's read, `estimate_open_requests` once), so the figure follows the backend's real
batching, and a range where the cost depends on chain history (roll-backs). With each endpoint's
`requests_per_second` that gives the time the run will spend waiting on that endpoint, so a user sees before
starting that a TRON run takes hours. Signatures are not checked unless `--verify` (then the rows' ownership
statuses are counted too, with the run's own checks, in this process).
"""

from __future__ import annotations

import argparse
import functools
import json
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import Any

from auditor.assets import AssetRegistry
from auditor.balances import SnapshotHeights
from auditor.config import AuditConfig, ConfigError, load_config
from auditor.errors import ExitCode
from auditor.formats import open_address_file
from auditor.ownership import OwnershipPolicy, RowResult, prove_ownership
from chains.base import BalanceAdapter, BalanceQuery, Network, OwnershipProof, RequestEstimate
from chains.quorum import QuorumAdapter, open_network_adapter
from chains.registry import get_family

DESCRIPTION = __doc__.split("\n\n")[0].replace("`auditor plan CONFIG`: ", "") + (
    "\n\nThe input file is read as a run reads it, but no balance is read and no endpoint contacted: per network "
    "the rows, the distinct balances, the requests the run will send (each backend's own cost model; a range "
    "where the cost depends on chain history) and the time that takes at each endpoint's requests_per_second.")
NOT_CHECKED = OwnershipProof.verified("not checked by `auditor plan`")  # stands in for a signature check


@dataclass
class EndpointPlan:
    """One endpoint's share of a network's requests, and the time they take at its rate limit."""

    endpoint: str  # display form only
    requests_per_second: float
    max_concurrency: int
    requests: RequestEstimate = field(default_factory=lambda: RequestEstimate.exactly(0))
    unknown: str = ""  # why no estimate exists (a backend without a cost model)

    def seconds(self) -> tuple[float | None, float | None]:
        """(at least, at most) seconds at the rate limit; None: not bounded (no limit, or no upper bound)."""
        if self.unknown or self.requests_per_second <= 0:
            return None, None
        high = self.requests.high
        return self.requests.low / self.requests_per_second, (
            None if high is None else high / self.requests_per_second)

    def to_json(self) -> dict[str, Any]:
        low, high = self.seconds()
        return {"endpoint": self.endpoint, "requests_per_second": self.requests_per_second,
                "max_concurrency": self.max_concurrency,
                "requests": None if self.unknown else {"low": self.requests.low, "high": self.requests.high},
                "seconds": None if low is None else {"low": round(low, 1), "high": None if high is None
                                                     else round(high, 1)},
                **({"unknown": self.unknown} if self.unknown else {})}


@dataclass
class NetworkPlan:
    code: str
    backend: str
    rows: int = 0  # rows whose balance a run reads
    tokens: Counter[str] = field(default_factory=Counter)  # token code -> rows
    distinct: dict[int, set[BalanceQuery]] = field(default_factory=lambda: defaultdict(set))  # height -> queries
    reads: int = 0  # balance reads a run makes (distinct per chunk, as a run de-duplicates)
    endpoints: list[EndpointPlan] = field(default_factory=list)
    formula: str = ""

    @property
    def requests(self) -> RequestEstimate:
        total = RequestEstimate.exactly(0)
        for endpoint in self.endpoints:
            total += RequestEstimate(endpoint.requests.low, endpoint.requests.high)
        return total

    def to_json(self) -> dict[str, Any]:
        unknown = any(e.unknown for e in self.endpoints)
        requests = self.requests
        return {
            "backend": self.backend, "rows": self.rows, "tokens": dict(sorted(self.tokens.items())),
            "heights": sorted(self.distinct), "distinct_balances": sum(len(q) for q in self.distinct.values()),
            "reads": self.reads,
            "requests": None if unknown else {"low": requests.low, "high": requests.high},
            "requests_per_1000_balances": None if unknown or not self.reads else
            {"low": round(1000 * requests.low / self.reads, 1),
             "high": None if requests.high is None else round(1000 * requests.high / self.reads, 1)},
            "formula": self.formula, "endpoints": [endpoint.to_json() for endpoint in self.endpoints],
        }


@dataclass
class Plan:
    config: str
    networks: dict[str, NetworkPlan]
    rows: int = 0
    statuses: Counter[str] | None = None  # with --verify: rows by ownership status
    unread: Counter[str] = field(default_factory=Counter)  # why rows get no balance read (no endpoint, height)

    def slowest(self) -> tuple[str, str, float] | None:
        """(network, endpoint, seconds at least) of the endpoint whose rate limit makes the run wait longest."""
        timed = [(code, endpoint.endpoint, low) for code, network in self.networks.items()
                 for endpoint in network.endpoints if (low := endpoint.seconds()[0]) is not None]
        return max(timed, key=lambda item: item[2]) if timed else None

    def to_json(self) -> dict[str, Any]:
        slowest = self.slowest()
        return {"config": self.config, "rows": self.rows,
                "slowest": None if slowest is None else {"network": slowest[0], "endpoint": slowest[1],
                                                         "seconds": round(slowest[2], 1)},
                **({"statuses": dict(sorted(self.statuses.items()))} if self.statuses is not None else {}),
                "not_read": dict(sorted(self.unread.items())),
                "networks": {code: plan.to_json() for code, plan in sorted(self.networks.items())}}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("config", type=Path, help="TOML config (see configs/example.toml)")
    parser.add_argument("--format", choices=("table", "json"), default="table", help="table (default) or json")
    parser.add_argument("--verify", action="store_true",
                        help="check ownership signatures too (slower) and count the rows by status")


def command(args: argparse.Namespace) -> ExitCode:
    """A config or input error raises (exit 2, by auditor.cli)."""
    plan = make_plan(load_config(args.config), verify=args.verify)
    print(json.dumps(plan.to_json(), indent=2) if args.format == "json" else format_plan(plan))
    return ExitCode.OK


def _members(adapter: BalanceAdapter) -> tuple[BalanceAdapter, ...]:
    return adapter.members if isinstance(adapter, QuorumAdapter) else (adapter,)


def _estimate(plan: EndpointPlan, estimate: Callable[[], RequestEstimate]) -> None:
    """Adds `estimate()` to the endpoint's figure, or marks the endpoint unknown."""
    if plan.unknown:
        return
    try:
        found = estimate()
    except NotImplementedError as exc:
        plan.unknown = str(exc)
        return
    plan.requests += RequestEstimate(found.low, found.high)


def _chunks(rows: Iterator[Any], size: int) -> Iterator[list[Any]]:
    while chunk := list(islice(rows, size)):
        yield chunk


def make_plan(config: AuditConfig, verify: bool = False) -> Plan:
    address_file = open_address_file(config.input_file, config.generic)
    registry = AssetRegistry.load(config.registry_overrides, defaults=address_file.layout.registry_defaults())
    heights = SnapshotHeights.build(config.networks, address_file.summary, registry)
    adapters: dict[str, BalanceAdapter] = {}
    plans: dict[str, NetworkPlan] = {}
    for code, settings in config.networks.items():
        if settings.endpoint is None:
            continue
        network = registry.network(code)
        family = get_family(network.family) if network is not None else None
        if network is None or family is None:
            raise ConfigError(f"[networks.{code}]: no such network in the registry (or its family is not "
                              "supported): check the code or add [registry.networks]")
        try:  # constructing an adapter parses its options; no transport is opened, nothing is sent
            adapter = open_network_adapter(family, network, settings.all_endpoints, settings.quorum)
        except ValueError as exc:
            raise ConfigError(f"[networks.{code}]: {exc}") from None
        adapters[network.code] = adapter
        plans[network.code] = NetworkPlan(network.code, settings.endpoint.backend, endpoints=[
            EndpointPlan(m.endpoint.display, m.endpoint.requests_per_second, m.endpoint.max_concurrency)
            for m in _members(adapter)])
    policy = OwnershipPolicy(config.statements, config.trust_owner_mode)
    plan = Plan(str(config.path), plans, statuses=Counter() if verify else None)
    for chunk in _chunks(address_file.rows(), config.chunk_size):
        wanted: dict[tuple[str, int], set[BalanceQuery]] = defaultdict(set)
        for row in chunk:
            plan.rows += 1
            result = prove_ownership(row, registry, None if verify else NOT_CHECKED, policy)
            if plan.statuses is not None:
                plan.statuses[result.status.value] += 1
            key = _read_key(result, heights, adapters, plan.unread)
            if key is None:
                continue
            assert result.query is not None and result.token is not None
            wanted[key].add(result.query)
            plans[key[0]].rows += 1
            plans[key[0]].tokens[result.token.code] += 1
        for (code, height), queries in wanted.items():  # one read per (network, height) per chunk, as a run does
            ordered = sorted(queries, key=_order)
            network_plan = plans[code]
            network_plan.distinct[height].update(ordered)
            network_plan.reads += len(ordered)
            for member, endpoint in zip(_members(adapters[code]), network_plan.endpoints, strict=True):
                _estimate(endpoint, functools.partial(member.estimate_requests, ordered))
    for code, network_plan in plans.items():
        for member, endpoint in zip(_members(adapters[code]), network_plan.endpoints, strict=True):
            if network_plan.distinct:
                _estimate(endpoint, member.estimate_open_requests)
            for _ in network_plan.distinct:
                _estimate(endpoint, member.estimate_snapshot_requests)
        network_plan.formula = _formula(adapters[code])
    return plan


def _read_key(result: RowResult, heights: SnapshotHeights, adapters: dict[str, BalanceAdapter],
              unread: Counter[str]) -> tuple[str, int] | None:
    """(network, height) a run reads the row's balance at, as `BalanceSources.fill` decides; None: not read."""
    if result.query is None:
        return None
    network: Network | None = result.network
    assert network is not None
    height = heights.height_for(result)
    if height is None:
        unread[f"{network.code}: no snapshot height"] += 1
        return None
    if network.code not in adapters:
        unread[f"{network.code}: no endpoint"] += 1
        return None
    return network.code, height


def _order(query: BalanceQuery) -> tuple[str, str]:
    return (query.address, query.contract or "")  # auditor.balances' request order: the same batches as a run


def _formula(adapter: BalanceAdapter) -> str:
    """The cost model in words: the docstrings of the adapter's estimates."""
    member = _members(adapter)[0]
    parts = []
    for name in ("estimate_snapshot_requests", "estimate_requests"):
        doc = getattr(type(member), name).__doc__ or ""
        parts.append(" ".join(doc.split()))
    return " | ".join(p for p in parts if p)


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "?"
    if seconds < 60:
        return f"{seconds:.0f} s"
    if seconds < 3600:
        return f"{seconds / 60:.1f} min"
    return f"{seconds / 3600:.1f} h"


def format_plan(plan: Plan) -> str:
    lines = [f"plan for {plan.config}: {plan.rows:,} rows (no balance read, no endpoint contacted)"]
    if plan.statuses is not None:
        lines.append("ownership: " + ", ".join(f"{n:,} {s}" for s, n in sorted(plan.statuses.items())))
    header = ("network", "rows", "balances", "requests", "per 1000", "endpoint", "req/s", "time")
    table = [header]
    for code, network in sorted(plan.networks.items()):
        data = network.to_json()
        requests = network.requests
        unknown = any(e.unknown for e in network.endpoints)
        per_1000 = data["requests_per_1000_balances"]
        per = "-" if per_1000 is None else (f"{per_1000['low']:g}" if per_1000["low"] == per_1000["high"] else
                                            f"{per_1000['low']:g}-" + ("?" if per_1000["high"] is None
                                                                       else f"{per_1000['high']:g}"))
        for index, endpoint in enumerate(network.endpoints):
            low, high = endpoint.seconds()
            rps = f"{endpoint.requests_per_second:g}" if endpoint.requests_per_second > 0 else "no limit"
            if endpoint.unknown:
                time = "no cost model"
            elif low is None:
                time = "not limited"
            else:
                time = _duration(low) if high == low else f"{_duration(low)} - {_duration(high)}"
            first = index == 0
            table.append((code if first else "", f"{network.rows:,}" if first else "",
                          f"{data['distinct_balances']:,}" if first else "",
                          ("unknown" if unknown else requests.text()) if first else "", per if first else "",
                          endpoint.endpoint, rps, time))
    widths = [max(len(str(row[i])) for row in table) for i in range(len(header))]
    for row in table:
        lines.append("  ".join(str(cell).ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())
    slowest = plan.slowest()
    if slowest is not None:  # networks are read at the same time: the run waits for its slowest endpoint
        code, display, seconds = slowest
        lines.append(f"the run waits at least {_duration(seconds)} for its slowest endpoint ({code}, {display})")
    for reason, count in sorted(plan.unread.items()):
        lines.append(f"not read: {count:,} rows ({reason})")
    lines.append("requests: what the run sends, retries aside; a range where roll-backs depend on each account's "
                 "history (`--format json` shows each backend's formula)")
    return "\n".join(lines)
