"""Substrate family: Polkadot (DOT), Kusama (KSM) and other SS58 networks; the registry gives each network's
SS58 prefix (`ss58_prefix`).

Ownership: OKX's Ed25519 signature (chains.signing.ed25519); the address must be the SS58 form of the verified key with
the network's prefix (an address of another network fails). sr25519 keys, common in Substrate wallets, are not
OKX's scheme and do not verify.

Balances: a node's JSON-RPC at the snapshot block's hash (chains.substrate.adapter, backend "substrate-rpc"):
System.Account for DOT/KSM, Assets.Account for Asset Hub tokens (the registry's contract is the asset id).
"""

from __future__ import annotations

from functools import partial

from chains.base import AddressRow, BalanceAdapter, ChainFamily, Endpoint, Network, OwnershipProof
from chains.signing import ed25519
from chains.substrate import addresses

SCHEME = "okx-ed25519-ss58"
BACKENDS = ("substrate-rpc", "jsonrpc", "")


def network_prefix(network: Network) -> int:
    prefix = network.params.get("ss58_prefix")
    if isinstance(prefix, bool) or not isinstance(prefix, int) or not 0 <= prefix <= addresses.MAX_PREFIX:
        raise ValueError(f"network {network.code} needs an integer ss58_prefix (0..{addresses.MAX_PREFIX}) "
                         f"in the registry, has {prefix!r}")
    return prefix


def _decode(address: str, network: Network) -> bytes:
    expected = network_prefix(network)
    prefix, account = addresses.decode(address)
    if prefix != expected:
        raise ValueError(f"{address.strip()!r} has SS58 prefix {prefix}, {network.name} uses {expected}")
    return account


class SubstrateFamily(ChainFamily):
    name = "substrate"

    def normalize_address(self, address: str, network: Network) -> str:
        return addresses.encode(_decode(address, network), network_prefix(network))

    def verify_ownership(self, row: AddressRow, network: Network) -> OwnershipProof:
        try:
            prefix = network_prefix(network)
        except ValueError as exc:
            return OwnershipProof.unchecked(str(exc))
        try:
            claimed = _decode(row.address, network)
        except ValueError as exc:
            return OwnershipProof.failed(str(exc), SCHEME, field="address")
        return ed25519.verify_address_is_key(row, claimed, SCHEME, partial(addresses.encode, prefix=prefix))

    def open_adapter(self, network: Network, endpoint: Endpoint) -> BalanceAdapter:
        if endpoint.backend not in BACKENDS:
            raise ValueError(f"{network.name} reads balances over a Substrate node's JSON-RPC (backend "
                             f"\"substrate-rpc\"), not {endpoint.backend!r}")
        from chains.substrate.adapter import SubstrateBalanceAdapter

        return SubstrateBalanceAdapter(network, endpoint)
