"""BIP-322 "simple" message signatures (placeholder until implemented)."""

from __future__ import annotations

from chains.base import OwnershipProof
from chains.utxo.addresses import DecodedAddress

SCHEME = "bip322-simple"


def verify(address: DecodedAddress, message: str, witness: bytes, script: bytes) -> OwnershipProof:
    return OwnershipProof.failed("BIP-322 signatures are not supported yet", SCHEME)
