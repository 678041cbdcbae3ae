"""TON family: Toncoin and jettons (USDT on TON...).

Ownership: OKX's Ed25519 signature (chains.signing.ed25519). A TON address is the hash of a wallet's StateInit, so the
verified key must derive the row's account as one of the standard wallets (chains.ton.wallets: v3r2, v4r2,
highload v3) in basechain; any of the raw, bounceable and non-bounceable forms names the same account.
Balances: toncenter HTTP API v2 (backend "toncenter-v2") at the snapshot masterchain block (chains.ton.adapter).
"""

from __future__ import annotations

from chains.base import AddressRow, BalanceAdapter, ChainFamily, Endpoint, Network, OwnershipProof
from chains.signing import ed25519
from chains.ton import addresses
from chains.ton.wallets import WALLETS, account_id

SCHEME = "okx-ed25519-ton"
BACKENDS = ("toncenter-v2", "")


class TonFamily(ChainFamily):
    name = "ton"

    def normalize_address(self, address: str, network: Network) -> str:
        """The raw `0:<hex>` form: EQ.../UQ... spellings of one account de-duplicate to it."""
        return addresses.decode(address).raw

    def verify_ownership(self, row: AddressRow, network: Network) -> OwnershipProof:
        try:
            claimed = addresses.decode(row.address)
        except ValueError as exc:
            return OwnershipProof.failed(str(exc), SCHEME, field="address")
        try:
            key = ed25519.signer_key(row)
        except ValueError as exc:
            return OwnershipProof.failed(str(exc), SCHEME)
        derived = []
        for wallet in WALLETS:
            account = account_id(wallet, key)
            if account == claimed.account:
                return OwnershipProof.verified(f"{SCHEME}-{wallet.name}")
            derived.append(f"{wallet.name} {addresses.encode(account)}")
        return OwnershipProof.failed(
            f"{claimed.raw} is none of the signer's wallets ({', '.join(derived)})", SCHEME, field="address"
        )

    def open_adapter(self, network: Network, endpoint: Endpoint) -> BalanceAdapter:
        if endpoint.backend not in BACKENDS:
            raise ValueError(f"TON reads balances over the toncenter HTTP API v2 (backend \"toncenter-v2\"), not "
                             f"{endpoint.backend!r}")
        from chains.ton.adapter import TonBalanceAdapter

        return TonBalanceAdapter(network, endpoint)
