"""The liabilities an audit divides by, per asset, with where each figure came from and whether it was proven.

A verified figure (the root of a Merkle-sum tree whose every node was recomputed) replaces the declared one. A
declared figure that disagrees with a verified one, or with the per-coin sum of zk-STARK proofs that pass every
check of their format (not a proof: see stark_source), is a finding and fails that asset. A proof that does not
hold fails every asset it claims; its claimed figures are still shown, marked unverified.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from auditor.liabilities.errors import ProofInputError, ProofRejected
from auditor.liabilities.settings import LiabilitiesSettings
from auditor.liabilities.stark_source import UNSOUND, check_stark
from auditor.money import CONTEXT, dec_str, whole_units

if TYPE_CHECKING:  # aggregate imports nothing of this module, but keep the import graph one-way
    from auditor.aggregate import AssetVerdict

SATOSHI_DECIMALS = 8


@dataclass(frozen=True)
class AssetLiability:
    asset: str
    amount: Decimal | None
    source: str  # "declared (config)", "merkle_tree FILE", "stark_proofs FOLDER"...
    verified: bool
    how: str  # one plain sentence for report.md


@dataclass(frozen=True)
class ProofCheck:
    kind: str  # "merkle_tree" or "stark_proofs"
    path: str
    status: str  # "verified", "consistent" (zk-STARK v1: the format holds, the sums are not proven), "rejected"
    detail: str


@dataclass
class LiabilitiesOutcome:
    assets: dict[str, AssetLiability] = field(default_factory=dict)
    checks: list[ProofCheck] = field(default_factory=list)
    problems: dict[str, list[str]] = field(default_factory=dict)  # asset -> why it fails
    findings: list[dict[str, Any]] = field(default_factory=list)  # declared vs verified disagreements

    def amounts(self) -> dict[str, Decimal]:
        return {asset: item.amount for asset, item in self.assets.items() if item.amount is not None}

    def fail(self, asset: str, why: str) -> None:
        self.problems.setdefault(asset, []).append(why)


def declared_only(settings: LiabilitiesSettings) -> LiabilitiesOutcome:
    outcome = LiabilitiesOutcome()
    for asset, amount in sorted(settings.declared.items()):
        outcome.assets[asset] = AssetLiability(asset, amount, f"declared ({settings.declared_source})", False,
                                               f"declared in {settings.declared_source}; no proof")
    return outcome


def resolve_liabilities(settings: LiabilitiesSettings,
                        stark_verifier: Callable[..., Any] | None = None) -> LiabilitiesOutcome:
    """Verify the configured proofs and pick each asset's figure. Raises ProofInputError when a proof file
    cannot be read at all (a config/input error, exit 2)."""
    outcome = declared_only(settings)
    if settings.merkle_tree is not None:
        _merkle(settings.merkle_tree, outcome)
    if settings.stark_proofs is not None:
        _stark(settings.stark_proofs, settings, outcome, stark_verifier)
    return outcome


def _use_verified(outcome: LiabilitiesOutcome, asset: str, amount: Decimal, source: str, how: str,
                  proven: bool = True) -> None:
    """`amount` from a proof replaces the declared figure; a disagreement is a finding. `proven` False: the proof
    file holds together but does not prove the figure (zk-STARK v1), so it is reported unproven."""
    previous = outcome.assets.get(asset)
    if previous is not None and previous.amount is not None and previous.amount != amount:
        kind = "declared" if not previous.verified else "verified by another proof"
        outcome.fail(asset, f"liabilities {kind} {dec_str(previous.amount)} disagree with {source} "
                            f"({dec_str(amount)})")
        outcome.findings.append({
            "kind": "liabilities_mismatch", "asset": asset, "declared": dec_str(previous.amount),
            "declared_source": previous.source, "verified": dec_str(amount), "verified_source": source,
            "difference": dec_str(CONTEXT.subtract(amount, previous.amount)),
        })
    outcome.assets[asset] = AssetLiability(asset, amount, source, proven, how)


def _use_claimed(outcome: LiabilitiesOutcome, asset: str, amount: Decimal, source: str, how: str) -> None:
    """An unproven figure from a proof file: used only where nothing was declared."""
    if asset not in outcome.assets:
        outcome.assets[asset] = AssetLiability(asset, amount, source, False, how)


def _merkle(path: Path, outcome: LiabilitiesOutcome) -> None:
    from auditor.liabilities.bitmex import HEADER, verify_bitmex_tree
    from auditor.liabilities.okx_tree import read_root, verify_okx_tree

    try:
        with path.open("rb") as handle:
            bitmex = handle.read(len(HEADER)) == HEADER
    except OSError as exc:
        raise ProofInputError(f"{path}: cannot read the Merkle tree: {exc.strerror or exc}") from exc
    source = f"merkle_tree {path}"
    try:
        if bitmex:
            tree = verify_bitmex_tree(path)
            totals = {"BTC": whole_units(tree.total_sats, SATOSHI_DECIMALS)}
            how = (f"BitMEX Merkle-sum tree at block {tree.block_height}: every node recomputed up to root "
                   f"{tree.root_hash} over {tree.leaves} leaves")
        else:
            okx = verify_okx_tree(path)
            totals = okx.totals
            how = (f"OKX Merkle-sum tree: every node's hash and sum recomputed up to root {okx.root_hash} over "
                   f"{okx.leaves} leaves ({okx.nodes} nodes)")
    except ProofRejected as exc:
        outcome.checks.append(ProofCheck("merkle_tree", str(path), "rejected", str(exc)))
        root = None if bitmex else read_root(path)
        for asset, amount in sorted((root.totals if root else {}).items()):
            _use_claimed(outcome, asset, amount, source, "root of a Merkle tree that failed verification")
        # every asset the tree could speak for fails, even when its root line itself is unreadable
        covered = {"BTC"} if bitmex else {"BTC", "ETH", "USDT"}
        for asset in sorted(covered | set(outcome.assets)):
            outcome.fail(asset, f"the Merkle tree was rejected: {exc}")
        return
    outcome.checks.append(ProofCheck("merkle_tree", str(path), "verified", how))
    for asset, amount in sorted(totals.items()):
        _use_verified(outcome, asset, amount, source, "the root of the Merkle-sum tree, every node recomputed")


def _stark(folder: Path, settings: LiabilitiesSettings, outcome: LiabilitiesOutcome,
           verifier: Callable[..., Any] | None) -> None:
    source = f"stark_proofs {folder}"
    stark = check_stark(folder, settings.stark_decimals_for, verifier)
    detail = stark.detail
    if stark.undecimalised:
        detail += f"; no stark_decimals for {', '.join(stark.undecimalised)}: those sums are not used"
    outcome.checks.append(ProofCheck("stark_proofs", str(folder), stark.status, detail))
    if stark.status == "rejected":
        for asset in sorted(set(settings.declared) | set(stark.claimed)):
            outcome.fail(asset, f"the zk-STARK proofs were rejected: {stark.detail}")
        for asset, amount in sorted(stark.claimed.items()):
            _use_claimed(outcome, asset, amount, source, "sum of zk-STARK proofs that failed verification")
        return
    for asset, amount in sorted(stark.proven.items()):
        _use_verified(outcome, asset, amount, source, "this coin's sum in zk-STARK proofs that pass every check of "
                      f"OKX's v1 format, which does not prove it ({UNSOUND})", proven=False)
    for asset, amount in sorted(stark.claimed.items()):
        _use_claimed(outcome, asset, amount, source, "zk-STARK: only the total value is proven, not this coin's sum")


def apply_to_verdicts(verdicts: list[AssetVerdict], outcome: LiabilitiesOutcome | None) -> list[AssetVerdict]:
    """Assets whose liabilities failed (a rejected proof, a declared figure contradicting a proven one) fail."""
    if outcome is None:
        return verdicts
    result = []
    for verdict in verdicts:
        problems = outcome.problems.get(verdict.asset)
        if problems:
            verdict = replace(verdict, ok=False, why_not=[*verdict.why_not, *problems])
        result.append(verdict)
    return result


def liabilities_json(outcome: LiabilitiesOutcome) -> dict[str, Any]:
    return {
        "assets": {
            asset: {"amount": dec_str(item.amount), "source": item.source, "verified": item.verified, "how": item.how}
            for asset, item in sorted(outcome.assets.items())
        },
        "proofs": [{"kind": c.kind, "path": c.path, "status": c.status, "detail": c.detail} for c in outcome.checks],
    }


def table_note(outcome: LiabilitiesOutcome | None, asset: str) -> str:
    """A word for report.md's table: whether the asset's liabilities figure was proven."""
    item = outcome.assets.get(asset) if outcome else None
    if item is None or item.amount is None:
        return ""
    return " (proven)" if item.verified else " (declared)" if item.source.startswith("declared") else " (unproven)"


def asset_fields(outcome: LiabilitiesOutcome | None, asset: str) -> Mapping[str, Any]:
    item = outcome.assets.get(asset) if outcome else None
    return {"liabilities_source": item.source if item else None, "liabilities_verified": bool(item and item.verified)}


def describe_basis(outcome: LiabilitiesOutcome) -> list[str]:
    """report.md: which side of each ratio was proven, and how, in plain words."""
    lines = [
        "## What each ratio rests on",
        "",
        "- **Reserves** (numerator, `on chain (verified)`): balances read on chain at the snapshot block, of the "
        "addresses whose ownership signature verified. Unverified rows count only in `on chain (all)`.",
    ]
    for asset, item in sorted(outcome.assets.items()):
        state = "**proven**" if item.verified else "**not proven**"
        lines.append(f"- **{asset} liabilities** (denominator): {dec_str(item.amount) or '-'}, {state}: {item.how} "
                     f"(source: {item.source}).")
    if not outcome.assets:
        lines.append("- **Liabilities**: none configured, so no ratio is computed.")
    for check in outcome.checks:
        lines.append(f"- Proof `{check.kind}` {check.path}: **{check.status}**: {check.detail}")
    return lines
