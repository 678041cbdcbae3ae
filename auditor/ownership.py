"""Stage 2 of the pipeline: for each row, decide its ownership status and what balance to read.

Input: AddressRow from the reader. Output: RowResult (status verified / failed / unchecked, the reason, the
token and the BalanceQuery). The crypto lives in each chain family; this module only dispatches and makes
sure nothing is dropped: every row leaves with a status and, unless verified, a reason.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from decimal import Decimal

from auditor.assets import AssetRegistry
from auditor.money import declared_whole_units, has_more_places_than
from auditor.reasons import Reason, ReasonKind, cut, join_text
from chains.base import AddressRow, BalanceQuery, ChainFamily, Network, OwnershipProof, RowStatus, Token
from chains.quorum import Disagreement
from chains.registry import get_family


@dataclass(slots=True)
class RowResult:
    row: AddressRow
    status: RowStatus
    reasons: list[Reason] = field(default_factory=list)  # why it is not verified first, then notes
    scheme: str = ""
    network: Network | None = None
    token: Token | None = None
    query: BalanceQuery | None = None  # None: no balance is read for this row
    height: int | None = None
    declared: Decimal | None = None  # whole units
    onchain: Decimal | None = None  # whole units; None until read, or when it could not be read
    onchain_base: int | None = None  # the same balance in base units, as the source answered it
    onchain_method: str = ""  # how the source got it, a stable name: "multicall3", "trc20-balanceOf-rollback"
    onchain_read_at: int | None = None  # Balance.read_at: where it was read, when not the snapshot block
    onchain_note: str = ""  # Balance.note: this row's detail ("3 events", "no account at this ledger")
    balance_error: str = ""  # the data source could not answer (the run exits 3)
    binds_address: bool = True  # see OwnershipProof.binds_address
    counted: bool = True  # False for a repeat of an earlier row: its balance and declared amount count there
    dispute: Disagreement | None = None  # a provider quorum's endpoints gave different figures (none counted)

    @property
    def reason(self) -> str:
        """The reasons in words, as addresses.csv shows them."""
        return join_text(self.reasons)

    def note(self, reason: Reason | str) -> None:
        """Add a reason (words alone are a note: they state no kind)."""
        self.reasons.append(reason if isinstance(reason, Reason) else Reason.note(reason))

    def has(self, kind: ReasonKind) -> bool:
        return any(reason.kind is kind for reason in self.reasons)

    def replace_reason(self, kind: ReasonKind, by: Reason) -> None:
        """Put `by` in place of the reasons of `kind` (e.g. the chain settled what was open)."""
        self.reasons = [by if reason.kind is kind else reason for reason in self.reasons]

    @property
    def primary(self) -> Reason | None:
        """The reason that explains the status (the first that is not a note), else the first."""
        for reason in self.reasons:
            if reason.kind.explains_status:
                return reason
        return self.reasons[0] if self.reasons else None


def _network_of(row: AddressRow, registry: AssetRegistry, token: Token | None) -> Network | None:
    network = registry.network(row.network) if row.network else None
    if network is None and token is not None and not row.network:  # layouts without a network column
        network = registry.network(token.network)
    return network


def check_signatures(rows: list[AddressRow], registry: AssetRegistry) -> list[OwnershipProof | None]:
    """The CPU-heavy part of `prove_ownership` (signature recovery), for a worker process; None where a row
    never reaches a verifier (input error, unknown network or family)."""
    return check_rows(rows, registry)[0]


def check_rows(rows: list[AddressRow], registry: AssetRegistry) -> tuple[list[OwnershipProof | None], list[Address]]:
    """Signature checks and canonical addresses of `rows` (both CPU-bound, so both belong in a worker).

    Rows that differ only in coin (an address listed once per asset it holds, with the same signature) are
    checked once: a check reads only the network, address, message, signatures, script and owners."""
    proofs: list[OwnershipProof | None] = []
    addresses: list[Address] = []
    done: dict[tuple[str, ...], tuple[OwnershipProof, Address]] = {}
    verdicts: dict[OwnershipProof, OwnershipProof] = {}
    resolved: dict[tuple[str, str], tuple[Token | None, Network | None, ChainFamily | None]] = {}  # registry look-ups
    for row in rows:
        if row.input_error:
            proofs.append(None)
            addresses.append(None)
            continue
        lookup = resolved.get((row.coin, row.network))
        if lookup is None:
            token = registry.resolve(row.coin, row.network)
            network = _network_of(row, registry, token)
            lookup = resolved[row.coin, row.network] = (
                token, network, get_family(network.family) if network is not None else None
            )
        token, network, family = lookup
        if family is None or network is None:
            proofs.append(None)
            addresses.append(None)
            continue
        key = (network.code, row.address, row.message, row.signature1, row.signature2, row.script, row.eoa1,
               row.eoa2)
        checked = done.get(key)
        if checked is None:
            proof = _verify(family, row, network)
            # Equal verdicts become one object, so a chunk's pickle holds each once (the others are memo hits);
            # a verdict with an unhashable detail stays as it is.
            with contextlib.suppress(TypeError):
                proof = verdicts.setdefault(proof, proof)
            checked = done[key] = (proof, _normalize(family, row, network))
        proofs.append(checked[0])
        addresses.append(_with_query(family, row, token, checked[1]))
    return proofs, addresses


# (canonical address, "", its balance query or None) or ("", why it is not an address, None); None: not worked out
Address = tuple[str, str, BalanceQuery | None] | None


def _normalize(family: ChainFamily, row: AddressRow, network: Network) -> Address:
    try:
        return family.normalize_address(row.address, network), "", None
    except ValueError as exc:
        return "", str(exc), None
    except Exception as exc:  # a family bug must not lose the row
        return "", f"internal error in {network.family} address check: {type(exc).__name__}: {exc}", None


def _with_query(family: ChainFamily, row: AddressRow, token: Token | None, address: Address) -> Address:
    """The row's balance query too, when its address and token are known (UTXO queries parse the script)."""
    if address is None or address[1]:
        return address
    if token is None:
        return address
    try:
        return address[0], "", family.balance_query(row, token, address[0])
    except Exception:  # worked out again (and any error raised) where the row is classified
        return address


UNSIGNED = "fields 'signature1' and 'signature2' are empty: the row carries no ownership signature"


def _verify(family: ChainFamily, row: AddressRow, network: Network) -> OwnershipProof:
    if not row.signature1.strip() and not row.signature2.strip():  # one wording for every family's report rows
        return OwnershipProof.failed(UNSIGNED, summary=UNSIGNED)
    try:
        return family.verify_ownership(row, network)
    except Exception as exc:  # a family bug must not lose the row
        return OwnershipProof.failed(f"internal error in {network.family} verifier: {type(exc).__name__}: {exc}",
                                     summary=f"internal error in the {network.family} verifier")


@dataclass(frozen=True)
class OwnershipPolicy:
    """What the user accepts as proof (config [input] messages, [audit] trust_owner_mode)."""

    statements: frozenset[str] | None = None  # the exchange's signed statements; None accepts any message
    trust_owner_mode: bool = False  # count contract wallets proven only by their owners' keys as verified


STRICT = OwnershipPolicy()


def prove_ownership(
    row: AddressRow, registry: AssetRegistry, proof: OwnershipProof | None = None, policy: OwnershipPolicy = STRICT,
    address: Address = None,
) -> RowResult:
    """Ownership status of one row, plus the token and query its balance needs. `proof` and `address`, when
    given, are the row's signature check and canonical address already worked out elsewhere (`check_rows` in
    a worker process)."""
    result = _prove(row, registry, proof, address)
    if policy.statements is not None and not row.input_error and row.message not in policy.statements:
        # A signature over some other text (a dapp login, an old post) proves the key, not the reserve claim.
        result.status = RowStatus.FAILED
        said = f"{cut(row.message)[:80]!r} is not one of the statements in [input] messages"
        result.reasons.insert(0, Reason(ReasonKind.STATEMENT, said, "message"))
    elif result.status == RowStatus.VERIFIED and not result.binds_address and not policy.trust_owner_mode:
        result.status = RowStatus.UNCHECKED  # until the chain shows the keys control it (auditor.balances)
        result.note(Reason(ReasonKind.UNBOUND, UNBOUND_NOTE, summary=UNBOUND_NOTE))
    return result


UNBOUND_NOTE = (
    "the address is not bound to these keys (no on-chain owner check), so its balance is not counted as verified "
    "([audit] trust_owner_mode = true counts it)"
)


_Lookup = tuple[Token | None, Network | None, ChainFamily | None]
_lookups: dict[tuple[int, str, str], tuple[AssetRegistry, _Lookup]] = {}  # per registry, (coin, network)


def _lookup(registry: AssetRegistry, row: AddressRow) -> _Lookup:
    """The row's token, network and family: registry look-ups that a 600k-row file repeats for a handful of
    (coin, network) pairs, so they are remembered (the registry itself is kept, so a recycled id() misses)."""
    key = (id(registry), row.coin, row.network)
    cached = _lookups.get(key)
    if cached is not None and cached[0] is registry:
        return cached[1]
    token = registry.resolve(row.coin, row.network)
    network = _network_of(row, registry, token)
    found = (token, network, get_family(network.family) if network is not None else None)
    if len(_lookups) > 4096:  # many registries (tests) or garbage coin codes: start again
        _lookups.clear()
    _lookups[key] = (registry, found)
    return found


def _may_have_more_places(amount: str, in_base_units: bool, decimals: int) -> bool:
    """False when a plain decimal `amount` (digits, at most one point) written in whole units has no more
    fractional digits than `decimals`, so the exact Decimal check cannot find more; True when it must run."""
    if in_base_units:
        return True
    whole, _, fraction = amount.partition(".")
    return not (whole.isascii() and whole.isdigit() and (not fraction or (fraction.isascii() and fraction.isdigit()))
                and len(fraction) <= decimals)


def _prove(row: AddressRow, registry: AssetRegistry, proof: OwnershipProof | None, known: Address) -> RowResult:
    if row.input_error:
        return RowResult(row, RowStatus.FAILED, [Reason(ReasonKind.INPUT, f"input: {row.input_error}")])
    token, network, family = _lookup(registry, row)
    if network is None:
        what = f"network {cut(row.network)!r}" if row.network else f"coin {cut(row.coin)!r} (no network column)"
        alike = "network '…'" if row.network else "coin '…' (no network column)"  # how the report counts them
        unknown = Reason(ReasonKind.NETWORK_UNKNOWN, f"{what} is not in the registry",
                         summary=f"{alike} is not in the registry")
        return RowResult(row, RowStatus.UNCHECKED, [unknown])
    if family is None:
        said = Reason(ReasonKind.FAMILY_UNSUPPORTED, f"{network.family} chains are not supported yet")
        return RowResult(row, RowStatus.UNCHECKED, [said], network=network)
    if proof is None:
        proof = _verify(family, row, network)
    result = RowResult(row, proof.status, [proof.why] if proof.why is not None else [], proof.scheme,
                       network=network, token=token, binds_address=proof.binds_address)
    if token is None:  # ownership is the (network, address)'s: the verdict stands, only the amount is not counted
        result.note(Reason(ReasonKind.COIN_UNKNOWN, f"not counted: coin {cut(row.coin)!r} on network {network.code} "
                           "is not in the registry (add [registry.tokens])"))
        return result
    if row.amount:
        result.declared = declared_whole_units(row.amount, row.amount_in_base_units, token.decimals)
        if _may_have_more_places(row.amount, row.amount_in_base_units, token.decimals) and \
                has_more_places_than(result.declared, token.decimals):
            result.note(Reason(ReasonKind.PRECISION, f"declared amount {cut(row.amount)} has more than the token's "
                               f"{token.decimals} decimals"))
    worked_out = known if known is not None else _normalize(family, row, network)
    assert worked_out is not None  # _normalize always works it out
    address, problem, query = worked_out
    if problem:
        if result.status == RowStatus.VERIFIED:  # owner mode: proven owners, but no readable account
            result.status = RowStatus.UNCHECKED
        result.binds_address = True  # nothing to trust: there is no account to read
        said_already = any(reason.field == "address" for reason in result.reasons)
        result.note(Reason(ReasonKind.ADDRESS_UNREAD, "balance not read") if said_already else
                    Reason(ReasonKind.ADDRESS_UNREAD, f"balance not read: field 'address': {problem}"))
        return result
    try:
        result.query = query if query is not None else family.balance_query(row, token, address)
    except ValueError as exc:  # a field the query needs (owners, script) is unreadable: the row stays, unread
        if result.status == RowStatus.VERIFIED:
            result.status = RowStatus.UNCHECKED
        result.note(Reason(ReasonKind.QUERY_UNBUILT, f"balance not read: {exc}"))
    return result
