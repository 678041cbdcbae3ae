"""Chain families by name. Adding a family is one line here plus its folder under `chains/`."""

from __future__ import annotations

import importlib
from functools import cache

from chains.base import ChainFamily

FAMILIES: dict[str, str] = {
    "evm": "chains.evm:EvmFamily",
    "utxo": "chains.utxo:UtxoFamily",
    "tron": "chains.tron:TronFamily",
}


@cache
def get_family(name: str) -> ChainFamily | None:
    """The family implementation, or None when it is not known or not installed in this build."""
    target = FAMILIES.get(name)
    if target is None:
        return None
    module_name, _, class_name = target.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name and module_name.startswith(exc.name):
            return None  # the family's folder is not there yet
        raise
    return getattr(module, class_name)()
