"""The UTXO family: Bitcoin and its relatives (LTC, DOGE, BCH, BSV, DASH).

Networks differ only in parameters (`chains.utxo.params`): address version bytes, segwit HRP, CashAddr
prefix and the message magic, all read from the registry so a regtest/testnet override is config only.
"""

from __future__ import annotations

from chains.base import (
    AddressRow,
    BalanceAdapter,
    BalanceQuery,
    ChainFamily,
    Endpoint,
    Network,
    OwnershipProof,
    Token,
)
from chains.utxo.addresses import decode_address
from chains.utxo.ownership import verify_row
from chains.utxo.params import UtxoParams
from chains.utxo.query import UtxoQueryDetail
from chains.utxo.scripts import parse_multisig


class UtxoFamily(ChainFamily):
    name = "utxo"
    # chains.utxo.backends.BACKENDS, the default first: Electrum servers rebuild balances at any past height
    backends = ("electrum", "esplora", "bitcoind")

    def __init__(self) -> None:
        # Network objects are immutable but not hashable (params is a dict): cache by identity, and keep
        # the Network itself so a recycled id() cannot return another network's parameters.
        self._params: dict[int, tuple[Network, UtxoParams]] = {}

    def params(self, network: Network) -> UtxoParams:
        cached = self._params.get(id(network))
        if cached is None or cached[0] is not network:
            cached = (network, UtxoParams.from_network(network))
            self._params[id(network)] = cached
        return cached[1]

    def normalize_address(self, address: str, network: Network) -> str:
        return decode_address(address, self.params(network)).canonical

    def verify_ownership(self, row: AddressRow, network: Network) -> OwnershipProof:
        try:
            params = self.params(network)
        except ValueError as exc:  # a broken registry entry is a configuration problem, not the row's
            return OwnershipProof.unchecked(str(exc))
        return verify_row(row, params)

    def balance_query(self, row: AddressRow, token: Token, address: str) -> BalanceQuery:
        """The redeem script travels with multisig rows so backends can scan by descriptor."""
        script = row.script.strip().removeprefix("0x").lower()
        try:
            parse_multisig(bytes.fromhex(script))
        except ValueError:
            script = ""
        params = next((p for network, p in self._params.values() if network.code == token.network), None)
        try:  # the address was decoded moments ago for its row's checks: this is a cache hit
            locking = decode_address(address, params).output_script if params is not None else b""
        except ValueError:
            locking = b""
        if not script and not locking:
            return BalanceQuery(address=address, contract=None)
        return BalanceQuery(address=address, contract=None, detail=UtxoQueryDetail(script, locking))

    def open_adapter(self, network: Network, endpoint: Endpoint) -> BalanceAdapter:
        from chains.utxo.backends import open_backend  # written separately; imported when balances are read

        return open_backend(network, endpoint)
