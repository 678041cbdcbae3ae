"""Stage 2 of the pipeline: for each row, decide its ownership status and what balance to read.

Input: AddressRow from the reader. Output: RowResult (status verified / failed / unchecked, the reason, the
token and the BalanceQuery). The crypto lives in each chain family; this module only dispatches and makes
sure nothing is dropped: every row leaves with a status and, unless verified, a reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from auditor.assets import AssetRegistry
from auditor.money import declared_whole_units, has_more_places_than
from chains.base import AddressRow, BalanceQuery, Network, OwnershipProof, RowStatus, Token
from chains.registry import get_family


@dataclass(slots=True)
class RowResult:
    row: AddressRow
    status: RowStatus
    reason: str = ""
    scheme: str = ""
    network: Network | None = None
    token: Token | None = None
    query: BalanceQuery | None = None  # None: no balance is read for this row
    height: int | None = None
    declared: Decimal | None = None  # whole units
    onchain: Decimal | None = None  # whole units; None until read, or when it could not be read
    onchain_base: int | None = None  # the same balance in base units, as the source answered it
    onchain_method: str = ""  # how the source got it, e.g. "multicall3", "trc20-balanceOf@N-rollback(k events)"
    balance_error: str = ""  # the data source could not answer (the run exits 3)
    binds_address: bool = True  # see OwnershipProof.binds_address
    counted: bool = True  # False for a repeat of an earlier row: its balance and declared amount count there

    def note(self, text: str) -> None:
        self.reason = f"{self.reason}; {text}" if self.reason else text


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
    done: dict[tuple, tuple[OwnershipProof, Address]] = {}
    resolved: dict[tuple[str, str], tuple[Token | None, Network | None, object]] = {}  # registry look-ups
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
            checked = done[key] = (_verify(family, row, network), _normalize(family, row, network))
        proofs.append(checked[0])
        addresses.append(_with_query(family, row, token, checked[1]))
    return proofs, addresses


# (canonical address, "", its balance query or None) or ("", why it is not an address, None); None: not worked out
Address = tuple[str, str, BalanceQuery | None] | None


def _normalize(family, row: AddressRow, network: Network) -> Address:
    try:
        return family.normalize_address(row.address, network), "", None
    except ValueError as exc:
        return "", str(exc), None
    except Exception as exc:  # a family bug must not lose the row
        return "", f"internal error in {network.family} address check: {type(exc).__name__}: {exc}", None


def _with_query(family, row: AddressRow, token: Token | None, address: Address) -> Address:
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


def _verify(family, row: AddressRow, network: Network) -> OwnershipProof:
    if not row.signature1.strip() and not row.signature2.strip():  # one wording for every family's report rows
        return OwnershipProof.failed(UNSIGNED)
    try:
        return family.verify_ownership(row, network)
    except Exception as exc:  # a family bug must not lose the row
        return OwnershipProof.failed(f"internal error in {network.family} verifier: {type(exc).__name__}: {exc}")


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
        reason = f"field 'message': {row.message[:80]!r} is not one of the statements in [input] messages"
        result.reason = f"{reason}; {result.reason}" if result.reason else reason
    elif result.status == RowStatus.VERIFIED and not result.binds_address and not policy.trust_owner_mode:
        result.status = RowStatus.UNCHECKED  # until the chain shows the keys control it (auditor.balances)
        result.note(UNBOUND_NOTE)
    return result


UNBOUND_NOTE = (
    "the address is not bound to these keys (no on-chain owner check), so its balance is not counted as verified "
    "([audit] trust_owner_mode = true counts it)"
)


def _prove(row: AddressRow, registry: AssetRegistry, proof: OwnershipProof | None, known: Address) -> RowResult:
    if row.input_error:
        return RowResult(row, RowStatus.FAILED, f"input: {row.input_error}")
    token = registry.resolve(row.coin, row.network)
    network = _network_of(row, registry, token)
    if network is None:
        what = f"network {row.network!r}" if row.network else f"coin {row.coin!r} (no network column)"
        return RowResult(row, RowStatus.UNCHECKED, f"{what} is not in the registry")
    family = get_family(network.family)
    if family is None:
        return RowResult(row, RowStatus.UNCHECKED, f"{network.family} chains are not supported yet", network=network)
    if proof is None:
        proof = _verify(family, row, network)
    result = RowResult(row, proof.status, proof.reason, proof.scheme, network=network, token=token,
                       binds_address=proof.binds_address)
    if token is None:
        result.status = RowStatus.UNCHECKED if result.status != RowStatus.FAILED else result.status
        result.note(f"coin {row.coin!r} on network {network.code} is not in the registry (add [registry.tokens])")
        return result
    if row.amount:
        result.declared = declared_whole_units(row.amount, row.amount_in_base_units, token.decimals)
        if has_more_places_than(result.declared, token.decimals):
            result.note(f"declared amount {row.amount} has more than the token's {token.decimals} decimals")
    address, problem, query = known if known is not None else _normalize(family, row, network)
    if problem:
        if result.status == RowStatus.VERIFIED:  # owner mode: proven owners, but no readable account
            result.status = RowStatus.UNCHECKED
        result.binds_address = True  # nothing to trust: there is no account to read
        said = f"field 'address': {problem}"
        result.note("balance not read" if said in result.reason else f"balance not read: {said}")
        return result
    try:
        result.query = query if query is not None else family.balance_query(row, token, address)
    except ValueError as exc:  # a field the query needs (owners, script) is unreadable: the row stays, unread
        if result.status == RowStatus.VERIFIED:
            result.status = RowStatus.UNCHECKED
        result.note(f"balance not read: {exc}")
    return result
