"""The `[liabilities]` config section: declared figures (inline `ASSET = "amount"` and/or `file`), a Merkle-sum
tree (`merkle_tree`) and/or a zk-STARK proof folder (`stark_proofs`, with `stark_decimals` for its integer sums)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from auditor.liabilities.declared import parse_amount, read_liabilities_file
from auditor.liabilities.errors import LiabilitiesConfigError

PROOF_KEYS = ("merkle_tree", "stark_proofs", "stark_decimals")
RESERVED_KEYS = ("file", *PROOF_KEYS)


@dataclass(frozen=True)
class LiabilitiesSettings:
    declared: Mapping[str, Decimal] = field(default_factory=dict)
    declared_source: str = "config"  # "config", the file's path, or both
    merkle_tree: Path | None = None
    stark_proofs: Path | None = None
    stark_decimals: Mapping[str, int] = field(default_factory=dict)  # coin -> decimals; "*" for every coin

    @property
    def has_proofs(self) -> bool:
        return self.merkle_tree is not None or self.stark_proofs is not None

    def stark_decimals_for(self, coin: str) -> int | None:
        return self.stark_decimals.get(coin.upper(), self.stark_decimals.get("*"))


def parse_liabilities_section(section: Mapping[str, Any], base: Path, where: str) -> LiabilitiesSettings:
    declared: dict[str, Decimal] = {}
    sources = []
    if "file" in section:
        file = _path(base, section["file"], f"{where}: [liabilities] file")
        declared.update(read_liabilities_file(file))
        sources.append(str(file))
    inline = {k: v for k, v in section.items() if k not in RESERVED_KEYS}
    for asset, value in inline.items():
        if isinstance(value, dict):
            raise LiabilitiesConfigError(f"{where}: [liabilities] {asset}: expected an amount, got a table")
        declared[asset.upper()] = parse_amount(value, f"{where}: [liabilities] {asset}")
    if inline or not sources:
        sources.insert(0, "config")
    merkle_tree = stark_proofs = None
    if "merkle_tree" in section:
        merkle_tree = _path(base, section["merkle_tree"], f"{where}: [liabilities] merkle_tree")
        if not merkle_tree.is_file():
            raise LiabilitiesConfigError(f"{where}: [liabilities] merkle_tree: no such file: {merkle_tree}")
    if "stark_proofs" in section:
        stark_proofs = _path(base, section["stark_proofs"], f"{where}: [liabilities] stark_proofs")
        if not stark_proofs.is_dir():
            raise LiabilitiesConfigError(f"{where}: [liabilities] stark_proofs: no such folder: {stark_proofs}")
    decimals = _decimals(section.get("stark_decimals"), f"{where}: [liabilities] stark_decimals")
    if stark_proofs is not None and not decimals:
        raise LiabilitiesConfigError(f"{where}: [liabilities] stark_decimals is required with stark_proofs: the "
                                     "proof's sums are integers (e.g. 8 for 10^-8 units, or a table per coin)")
    return LiabilitiesSettings(declared, " + ".join(sources), merkle_tree, stark_proofs, decimals)


def _decimals(value: Any, where: str) -> dict[str, int]:
    if value is None:
        return {}
    table = {"*": value} if not isinstance(value, dict) else {str(k).upper(): v for k, v in value.items()}
    for coin, places in table.items():
        if isinstance(places, bool) or not isinstance(places, int) or not 0 <= places <= 36:
            raise LiabilitiesConfigError(f"{where}: {coin if coin != '*' else 'value'}: expected an integer 0..36")
    return table


def _path(base: Path, value: Any, where: str) -> Path:
    if not isinstance(value, str) or not value:
        raise LiabilitiesConfigError(f"{where}: must be a path string")
    path = Path(os.path.expanduser(value))
    return (path if path.is_absolute() else base / path).resolve()
