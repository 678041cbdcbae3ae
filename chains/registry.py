"""Chain families by name. Adding a family is one line here plus its folder under `chains/`."""

from __future__ import annotations

import importlib
from functools import cache

from chains.base import ChainFamily

FAMILIES: dict[str, str] = {
    "evm": "chains.evm:EvmFamily",
    "utxo": "chains.utxo:UtxoFamily",
    "tron": "chains.tron:TronFamily",
    # OKX's secp256k1 "Signed Message" chains
    "xrpl": "chains.xrpl:XrplFamily",
    "filecoin": "chains.filecoin:FilecoinFamily",
    "aelf": "chains.aelf:AelfFamily",
    "conflux": "chains.conflux:ConfluxFamily",
    "cosmos": "chains.cosmos:CosmosFamily",
    "avalanche": "chains.avalanche:AvalancheFamily",
    # Ed25519 chains
    "solana": "chains.solana:SolanaFamily",
    "aptos": "chains.aptos:AptosFamily",
    "sui": "chains.sui:SuiFamily",
    "ton": "chains.ton:TonFamily",
    "substrate": "chains.substrate:SubstrateFamily",
    "stellar": "chains.stellar:StellarFamily",
    "cardano": "chains.cardano:CardanoFamily",
    "near": "chains.near:NearFamily",
    # others
    "eos": "chains.eos:EosFamily",
    "starknet": "chains.starknet:StarknetFamily",
    "beacon": "chains.beacon:BeaconFamily",
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
    family: ChainFamily = getattr(module, class_name)()
    return family
