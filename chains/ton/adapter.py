"""TON balances at the snapshot masterchain block, through the toncenter HTTP API v2 of an archival source.

TON's liteservers can read any account at any masterchain block they keep the state of, and toncenter's API v2
passes that on (`seqno` = a masterchain block): no roll-back is needed, only an archive that keeps old states.

* Snapshot: identity is the zero state's root hash (`getMasterchainInfo.init`), the tip `getMasterchainInfo.last`,
  the block's hash `lookupBlock(-1, shard 0x8000000000000000, seqno)` (its root hash). Then the state at that
  block is probed (`probe_address`, the elector by default): a server whose liteservers no longer keep it is
  refused (NO_STATE) before any row is read.
* TON: `getExtendedAddressInformation(address, seqno)`; the reply names its account and block, both checked.
* Jettons (USDT): the owner's jetton wallet from the master's `get_wallet_address(owner)`, then the wallet's
  `get_wallet_data` (balance, owner, master: owner and master checked against the row), both `runGetMethod` at
  the same block. A wallet not deployed at that block (exit code -13, and its account uninitialised) holds 0.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence

from chains.base import (
    Balance,
    BalanceAdapter,
    BalanceQuery,
    Endpoint,
    Network,
    RequestEstimate,
    RequestProblem,
    Snapshot,
    StateUnavailable,
)
from chains.ton.api import (
    NOT_INITIALIZED_EXIT,
    TonApiError,
    ToncenterV2,
    raw_address,
    slice_of,
    stack_address,
    stack_number,
)
from chains.ton.options import TonOptions


class TonBalanceAdapter(BalanceAdapter):
    options_type = TonOptions
    method = "getExtendedAddressInformation"
    identity_name = "zero state root hash"

    def __init__(self, network: Network, endpoint: Endpoint) -> None:
        super().__init__(network, endpoint)
        self._client: ToncenterV2 | None = None

    @property
    def api(self) -> ToncenterV2:
        if self._client is None:
            self._client = ToncenterV2(self.transport, self.endpoint.url)
        return self._client

    # ---- snapshot hooks -------------------------------------------------------------------------------

    def expected_identity(self) -> str | None:
        zero = self.network.params.get("zero_state_root_hash")
        return str(zero) if zero else None

    async def chain_identity(self) -> str:
        _, zero = await self.api.masterchain_info()
        return zero.root_hash

    async def tip_height(self) -> int:
        last, _ = await self.api.masterchain_info()
        return last.seqno

    async def block_hash(self, height: int) -> str | None:
        try:
            return (await self.api.lookup_block(height)).root_hash
        except TonApiError as exc:
            if exc.liteserver:  # LITE_SERVER_NOTREADY, not in db: the source does not have that block
                return None
            raise

    async def check_state(self, snapshot: Snapshot) -> None:
        try:
            await self.api.account(self.options.probe_address, snapshot.height)
        except TonApiError as exc:
            if not exc.liteserver:
                raise
            raise StateUnavailable(f"reading {self.options.probe_address} at that block failed: {exc}") from None

    # ---- cost model -------------------------------------------------------------------------------------

    def estimate_snapshot_requests(self) -> RequestEstimate:
        """masterchainInfo (twice when the zero state is checked: identity, then tip) + lookUpBlock + the probe
        account read at the block."""
        return RequestEstimate.exactly((1 if self.expected_identity() is not None else 0) + 3,
                                       "identity, tip, block, state probe")

    def estimate_requests(self, queries: Sequence[BalanceQuery]) -> RequestEstimate:
        """One getExtendedAddressInformation per TON row; two get methods per jetton row (its wallet's address,
        then its data), three when the wallet is not deployed; + 1 block re-check. toncenter v2 reads one account
        per request."""
        native = sum(1 for query in queries if query.contract is None)
        jettons = len(queries) - native
        low = native + 2 * jettons + 1
        return RequestEstimate(low, low + jettons, f"{native} accounts + {jettons} jetton rows x 2-3 + 1 re-check")

    # ---- reads ------------------------------------------------------------------------------------------

    async def read_batch(self, batch: Sequence[BalanceQuery], snapshot: Snapshot) -> Mapping[BalanceQuery, Balance]:
        answers = await asyncio.gather(*(self._read(q, snapshot.height) for q in batch))
        return dict(zip(batch, answers, strict=True))

    async def _read(self, query: BalanceQuery, seqno: int) -> Balance:
        # read at the snapshot's masterchain block itself: no read_at
        method = "getExtendedAddressInformation" if query.contract is None else "runGetMethod-get_wallet_data"
        try:
            if query.contract is None:
                return Balance((await self.api.account(query.address, seqno)).balance, method)
            amount, note = await self._jetton_balance(query.address, query.contract, seqno)
            return Balance(amount, method, note=note)
        except (RequestProblem, ValueError) as exc:
            return Balance(None, method, str(exc))

    async def _jetton_balance(self, owner: str, master: str, seqno: int) -> tuple[int, str]:
        found = await self.api.run_get_method(master, "get_wallet_address", [slice_of(owner)], seqno)
        if found.exit_code != 0 or not found.stack:
            raise ValueError(f"get_wallet_address on {master} failed (exit code {found.exit_code})")
        wallet = stack_address(found.stack[0])
        data = await self.api.run_get_method(wallet, "get_wallet_data", [], seqno)
        if data.exit_code == NOT_INITIALIZED_EXIT:
            state = await self.api.account(wallet, seqno)
            if state.initialized:
                raise ValueError(f"get_wallet_data on {wallet} failed (exit code -13) but the account is active")
            return 0, "wallet not deployed"
        if data.exit_code != 0 or len(data.stack) < 3:
            raise ValueError(f"get_wallet_data on {wallet} failed (exit code {data.exit_code})")
        balance = stack_number(data.stack[0])
        wallet_owner, wallet_master = stack_address(data.stack[1]), stack_address(data.stack[2])
        if wallet_owner != raw_address(owner) or wallet_master != raw_address(master):
            raise ValueError(f"jetton wallet {wallet} belongs to {wallet_owner} (master {wallet_master}), not to "
                             f"{raw_address(owner)} (master {raw_address(master)})")
        if balance < 0:
            raise ValueError(f"jetton wallet {wallet} reports a negative balance {balance}")
        return balance, ""
