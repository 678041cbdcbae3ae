"""Avalanche family: AVAX on the X-Chain (Avalanche C-Chain is an EVM network, AVAXC).

Ownership, OKX's pubkey variant (SCHEMES.md section 5): signature1, over OKX's "ECDSA family" digest, must
recover the key in the public-key column (33-byte compressed, or 64-byte X || Y). OKX stops there; we also
require that key's address to be the row's "X-avax1..." address, or the proof would not be tied to the
balance read (chains.signing.okx_ecdsa.verify_pubkey_and_address). No balance backend exists yet.
"""

from __future__ import annotations

from functools import partial

from chains.avalanche import addresses
from chains.base import AddressRow, Network, OfflineOnlyFamily, OwnershipProof
from chains.signing.okx_ecdsa import verify_pubkey_and_address


def _chain_and_hrp(network: Network) -> tuple[str, str]:
    return str(network.params.get("chain", "X")).upper(), str(network.params.get("hrp", addresses.MAINNET_HRP))


class AvalancheFamily(OfflineOnlyFamily):
    name = "avalanche"

    def normalize_address(self, address: str, network: Network) -> str:
        chain, hrp = _chain_and_hrp(network)
        return addresses.canonical(address, chain, hrp)

    def verify_ownership(self, row: AddressRow, network: Network) -> OwnershipProof:
        chain, hrp = _chain_and_hrp(network)
        return verify_pubkey_and_address(row, partial(addresses.decode, chain=chain, hrp=hrp), addresses.key_hash,
                                         partial(addresses.encode, chain=chain, hrp=hrp))
