"""XRP Ledger balances at the snapshot ledger through rippled's or Clio's JSON-RPC API.

The snapshot height is a ledger index. `snapshot` checks the server's `network_id` (server_info; a server that does
not report one, such as Clio, is not identity-checked), that the ledger is validated (final) there, its hash
(`ledger`), that the server keeps that ledger (`complete_ledgers`; a server without full history answers
`lgrNotFound` and is refused, never read at the tip), and reads the reserve settings in force at that ledger
(FeeSettings through `ledger_entry`).

XRP: `account_info` at the snapshot ledger, its `Balance` in drops, reserve included: the reserve (base +
OwnerCount x increment, as FeeSettings said at that ledger) cannot be sent but is the account's XRP, so the
figure counts it and its note says how much of it is locked (method `xrpl-account_info`, note `reserve 1200000
drops locked`). An account that did not exist at that ledger (`actNotFound`) held 0 XRP: that is the chain's
answer, recorded in the note (`no account at this ledger`), not a failure, unless the error reply names
another ledger or one not validated (rippled writes `ledger_index` and `validated` into it; an actNotFound from
the open ledger or another one is no answer). The AccountRoot's `lsfDisableMaster` flag says whether the master
key (the one the ownership proof recovered) could still sign for the account then.

Issued tokens (RLUSD...): `account_lines` with `peer` = the registry's issuer at the snapshot ledger, paged by
`marker`; the line's balance (a decimal) is converted to 10^-decimals units, exactly or not at all.

Every reply is bound to its request: the echoed account, ledger index and validated flag must be the ones asked. A
3-character currency code matches exactly ("usd" is another currency than "USD"), a 40-hex-digit one in any case.
A server too busy to answer (`tooBusy`, `slowDown`... with HTTP 200) is asked again after a pause.
xrpl-py is not used: its async client opens a connection per call with no rate limit or Retry-After handling, and
the address codec already exists in chains/xrpl/addresses.py; the shared HttpTransport gives keep-alive, concurrency,
rate limit and retries.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence

from chains.base import (
    Balance,
    BalanceAdapter,
    BalanceQuery,
    DataSourceError,
    Endpoint,
    Network,
    RequestEstimate,
    RequestProblem,
    Snapshot,
    StateUnavailable,
)
from chains.xrpl.api import (
    LSF_DISABLE_MASTER,
    IssuedCurrency,
    Reserves,
    ServerState,
    XrplError,
    XrplRpc,
    currency_matches,
)
from chains.xrpl.options import XrplOptions

XRP_METHOD = "xrpl-account_info"
LINES_METHOD = "xrpl-account_lines"


class XrplBalanceAdapter(BalanceAdapter):
    options_type = XrplOptions
    method = XRP_METHOD
    identity_name = "network id"

    options: XrplOptions

    def __init__(self, network: Network, endpoint: Endpoint) -> None:
        super().__init__(network, endpoint)
        self._server: ServerState | None = None
        self._reserves: dict[int, Reserves | str] = {}  # ledger -> reserves, or why they could not be read

    @property
    def rpc(self) -> XrplRpc:
        return XrplRpc(self.transport, self.endpoint.url)

    # ---- snapshot hooks ---------------------------------------------------------------------------

    async def snapshot(self, height: int) -> Snapshot:
        self._server = None  # one server_info per snapshot check, shared by the hooks below
        return await super().snapshot(height)

    async def _state(self) -> ServerState:
        if self._server is None:
            self._server = await self.rpc.server_state()
        return self._server

    async def chain_identity(self) -> str:
        found = (await self._state()).network_id
        if found is None:  # Clio and older rippled do not report it: nothing to compare
            return self.expected_identity() or ""
        return str(found)

    async def tip_height(self) -> int:
        return (await self._state()).newest

    async def final_height(self) -> int | None:
        return (await self._state()).validated

    async def block_hash(self, height: int) -> str | None:
        header = await self.rpc.ledger(height)
        if header is None or not header.closed:
            return None
        return header.ledger_hash

    async def check_state(self, snapshot: Snapshot) -> None:
        state = await self._state()
        if not state.has_ledger(snapshot.height):
            raise StateUnavailable(f"complete_ledgers is {state.complete_ledgers!r}")
        try:
            self._reserves[snapshot.height] = await self.rpc.reserves(snapshot.height)
        except XrplError as exc:
            if exc.error == "lgrNotFound":
                raise StateUnavailable(str(exc)) from None
            self._reserves[snapshot.height] = str(exc)
        except RequestProblem as exc:  # the reserve is only reported, never subtracted: note why it is unknown
            self._reserves[snapshot.height] = str(exc)

    # ---- cost model -------------------------------------------------------------------------------

    def estimate_snapshot_requests(self) -> RequestEstimate:
        """server_info (shared by the identity, tip, validated and history checks) + ledger H + the fee settings."""
        return RequestEstimate.exactly(3, "server_info, ledger, reserves")

    def estimate_requests(self, queries: Sequence[BalanceQuery]) -> RequestEstimate:
        """One account_info per XRP row; one account_lines page per issued-currency row (up to max_line_pages for
        an account with more than lines_limit trust lines to the issuer) + 1 ledger re-check. A server answering
        `slowDown`/`tooBusy` is asked again: more."""
        xrp = sum(1 for query in queries if query.contract is None)
        issued = sum(1 for query in queries if query.contract is not None and isinstance(query.detail, IssuedCurrency))
        low = xrp + issued + 1
        return RequestEstimate(low, xrp + issued * self.options.max_line_pages + 1,
                               f"{xrp} account_info + {issued} account_lines pages or more + 1 re-check")

    # ---- balances ---------------------------------------------------------------------------------

    async def read_batch(self, batch: Sequence[BalanceQuery], snapshot: Snapshot) -> Mapping[BalanceQuery, Balance]:
        answers = await asyncio.gather(*(self._read(query, snapshot.height) for query in batch))
        return dict(zip(batch, answers, strict=True))

    async def _read(self, query: BalanceQuery, ledger: int) -> Balance:
        method = LINES_METHOD if query.contract else XRP_METHOD  # read at the snapshot ledger itself
        try:
            if query.contract is None:
                return await self._read_xrp(query.address, ledger, method)
            return await self._read_issued(query, ledger, method)
        except (RequestProblem, DataSourceError, ValueError) as exc:
            return Balance(None, method, str(exc))

    async def _read_xrp(self, account: str, ledger: int, method: str) -> Balance:
        root = await self.rpc.account_root(account, ledger)
        if root is None:
            return Balance(0, method, note="no account at this ledger")
        reserves = self._reserves.get(ledger)
        if isinstance(reserves, Reserves):
            locked = min(root.balance, reserves.locked(root.owner_count))
            note = f"reserve {locked} drops locked"
        else:
            note = f"reserve unknown: {reserves}"
        if root.flags & LSF_DISABLE_MASTER:
            return Balance(root.balance, method, owners_bound=False, note=note,
                           owners_note=f"the account's master key was disabled at ledger {ledger}")
        return Balance(root.balance, method, owners_bound=True, note=note,
                       owners_note=f"the master key could sign for the account at ledger {ledger}")

    async def _read_issued(self, query: BalanceQuery, ledger: int, method: str) -> Balance:
        token = query.detail
        if not isinstance(token, IssuedCurrency):
            return Balance(None, method, f"registry contract {query.contract!r} is not CURRENCY.ISSUER")
        lines = await self.rpc.trust_lines(query.address, token.issuer, ledger, limit=self.options.lines_limit,
                                           max_pages=self.options.max_line_pages)
        if lines is None:
            return Balance(0, method, note="no account at this ledger")
        matching = [line for line in lines if currency_matches(line.currency, token.currency)]
        if not matching:
            return Balance(0, method, note="no trust line")
        if len(matching) > 1:
            return Balance(None, method, f"{len(matching)} trust lines for {token.currency} with {token.issuer}")
        line = matching[0]
        if line.balance < 0:
            return Balance(None, method, f"trust line balance {line.balance} is negative: the account owes "
                                         f"{token.issuer}, it holds none of its tokens")
        units = line.balance.scaleb(token.decimals)
        if units != units.to_integral_value():
            return Balance(None, method, f"trust line balance {line.balance} has more than the registry's "
                                         f"{token.decimals} decimal places")
        return Balance(int(units), method, note="frozen by the issuer" if line.frozen_by_peer else "")
