"""Solana JSON-RPC replies the balance adapter reads, checked and bound to their requests (solana.com/docs/rpc).

Every parser raises ReplyError naming what was wrong: the caller leaves that row unread with the reason.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

SYSTEM_PROGRAM = "11111111111111111111111111111111"
STAKE_PROGRAM = "Stake11111111111111111111111111111111111111"
VOTE_PROGRAM = "Vote111111111111111111111111111111111111111"
TOKEN_PROGRAM = "TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA"
TOKEN_2022_PROGRAM = "TokenzQdBNbLqP5VEhdkAS6EPFLC1PHnBqCXEpPxuEb"
TOKEN_PROGRAMS = (TOKEN_PROGRAM, TOKEN_2022_PROGRAM)

# Agave's RPC error codes (rpc_custom_error.rs), as documented replies to getBlock.
BLOCK_CLEANED_UP = -32001
BLOCK_NOT_AVAILABLE = -32004
SLOT_SKIPPED = -32007
LONG_TERM_STORAGE_SLOT_SKIPPED = -32009
TRANSACTION_HISTORY_NOT_AVAILABLE = -32011
MIN_CONTEXT_SLOT_NOT_REACHED = -32016


class ReplyError(ValueError):
    """A reply that does not have the documented shape, or answers another request."""


def _amount(value: Any, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ReplyError(f"{what} is not a non-negative integer: {str(value)[:60]!r}")
    return value


def context_slot(reply: Any, method: str) -> tuple[int, Any]:
    """(context.slot, value) of an RpcResponse-wrapped result."""
    if not isinstance(reply, Mapping) or not isinstance(reply.get("context"), Mapping) or "value" not in reply:
        raise ReplyError(f"{method}: reply has no context/value: {str(reply)[:120]}")
    return _amount(reply["context"].get("slot"), f"{method} context.slot"), reply["value"]


@dataclass(frozen=True, slots=True)
class AccountInfo:
    lamports: int
    owner: str  # the program owning the account (System for a wallet)


def accounts(reply: Any, count: int) -> tuple[int, list[AccountInfo | ReplyError | None]]:
    """getMultipleAccounts: the context slot and one entry per requested key, in request order (None: no account;
    a ReplyError in place of a malformed entry, so only its own row is left unread)."""
    slot, value = context_slot(reply, "getMultipleAccounts")
    if not isinstance(value, list) or len(value) != count:
        raise ReplyError(f"getMultipleAccounts: {count} keys asked, {len(value) if isinstance(value, list) else 'no'} "
                         "answers")
    entries: list[AccountInfo | ReplyError | None] = []
    for item in value:
        try:
            entries.append(None if item is None else _account(item))
        except ReplyError as exc:
            entries.append(exc)
    return slot, entries


def _account(item: Any) -> AccountInfo:
    if not isinstance(item, Mapping) or not isinstance(item.get("owner"), str):
        raise ReplyError(f"getMultipleAccounts: malformed account {str(item)[:120]}")
    return AccountInfo(_amount(item.get("lamports"), "lamports"), item["owner"])


@dataclass(frozen=True, slots=True)
class TokenAccount:
    pubkey: str
    amount: int  # base units at the reply's context slot


def token_accounts(reply: Any, owner: str, mint: str) -> tuple[int, list[TokenAccount]]:
    """getTokenAccountsByOwner (jsonParsed, filtered by mint): every account must be `owner`'s, of `mint`."""
    slot, value = context_slot(reply, "getTokenAccountsByOwner")
    if not isinstance(value, list):
        raise ReplyError("getTokenAccountsByOwner: value is not a list")
    found = []
    for item in value:
        try:
            account = item["account"]
            info = account["data"]["parsed"]["info"]
            pubkey, program = str(item["pubkey"]), account["owner"]
            amount_text = info["tokenAmount"]["amount"]
        except (KeyError, TypeError) as exc:
            raise ReplyError(f"getTokenAccountsByOwner: malformed entry ({exc!r}): {str(item)[:160]}") from None
        if info.get("owner") != owner or info.get("mint") != mint:
            raise ReplyError(f"getTokenAccountsByOwner: token account {pubkey} is owner {info.get('owner')}'s, mint "
                             f"{info.get('mint')}; asked for owner {owner}, mint {mint}")
        if program not in TOKEN_PROGRAMS:
            raise ReplyError(f"getTokenAccountsByOwner: {pubkey} is owned by {program}, not a token program")
        if not isinstance(amount_text, str) or not amount_text.isascii() or not amount_text.isdigit():
            raise ReplyError(f"getTokenAccountsByOwner: {pubkey} amount {str(amount_text)[:40]!r} is not an integer")
        found.append(TokenAccount(pubkey, int(amount_text)))
    return slot, found


@dataclass(frozen=True, slots=True)
class SignatureInfo:
    signature: str
    slot: int


def signatures(reply: Any) -> list[SignatureInfo]:
    """getSignaturesForAddress: newest first, as documented."""
    if not isinstance(reply, list):
        raise ReplyError(f"getSignaturesForAddress: reply is not a list: {str(reply)[:120]}")
    out = []
    for item in reply:
        if not isinstance(item, Mapping) or not isinstance(item.get("signature"), str):
            raise ReplyError(f"getSignaturesForAddress: malformed entry {str(item)[:120]}")
        out.append(SignatureInfo(item["signature"], _amount(item.get("slot"), "signature slot")))
    if any(later.slot > earlier.slot for earlier, later in itertools.pairwise(out)):
        raise ReplyError("getSignaturesForAddress: entries are not newest first")
    return out


def _keys(transaction: Mapping[str, Any], meta: Mapping[str, Any]) -> list[str]:
    """Every account key of a (legacy or v0) transaction in index order: static keys, then the lookup tables'
    writable and read-only addresses (meta.loadedAddresses)."""
    keys = list(transaction["message"]["accountKeys"])
    loaded = meta.get("loadedAddresses") or {}
    keys += list(loaded.get("writable") or []) + list(loaded.get("readonly") or [])
    if not all(isinstance(k, str) for k in keys):
        raise ReplyError("getTransaction: account keys are not strings")
    return keys


def pre_lamports(reply: Any, signature: SignatureInfo, account: str) -> int:
    """The lamports `account` held just before the transaction (meta.preBalances)."""
    keys, meta = _transaction(reply, signature, account)
    balances = meta.get("preBalances")
    if not isinstance(balances, list) or len(balances) != len(keys):
        raise ReplyError(f"getTransaction {signature.signature}: preBalances do not match the account keys")
    return _amount(balances[keys.index(account)], "preBalance")


def pre_token_amount(reply: Any, signature: SignatureInfo, account: str, owner: str, mint: str) -> int:
    """The `mint` tokens token account `account` held for `owner` just before the transaction: 0 when it was no token
    account then (created by it) or another owner's (meta.preTokenBalances)."""
    keys, meta = _transaction(reply, signature, account)
    index = keys.index(account)
    entries = meta.get("preTokenBalances")
    if not isinstance(entries, list):
        raise ReplyError(f"getTransaction {signature.signature}: no preTokenBalances")
    for entry in entries:
        if not isinstance(entry, Mapping) or entry.get("accountIndex") != index:
            continue
        if entry.get("mint") != mint:
            raise ReplyError(f"getTransaction {signature.signature}: {account} holds mint {entry.get('mint')}, "
                             f"not {mint}")
        try:
            text = entry["uiTokenAmount"]["amount"]
        except (KeyError, TypeError):
            raise ReplyError(f"getTransaction {signature.signature}: malformed preTokenBalances entry") from None
        if not isinstance(text, str) or not text.isascii() or not text.isdigit():
            raise ReplyError(f"getTransaction {signature.signature}: token amount {str(text)[:40]!r} is not an integer")
        return int(text) if entry.get("owner") == owner else 0
    return 0


def token_accounts_of(reply: Any, signature: SignatureInfo, owner: str, mint: str) -> set[str]:
    """The token accounts of `mint` that a transaction of `owner` shows as `owner`'s, before or after it."""
    keys, meta = _transaction(reply, signature, owner)
    found = set()
    for name in ("preTokenBalances", "postTokenBalances"):
        entries = meta.get(name)
        if not isinstance(entries, list):
            raise ReplyError(f"getTransaction {signature.signature}: no {name}")
        for entry in entries:
            if not isinstance(entry, Mapping):
                raise ReplyError(f"getTransaction {signature.signature}: malformed {name} entry")
            index = entry.get("accountIndex")
            if entry.get("owner") == owner and entry.get("mint") == mint:
                if isinstance(index, bool) or not isinstance(index, int) or not 0 <= index < len(keys):
                    raise ReplyError(f"getTransaction {signature.signature}: {name} names account index {index}")
                found.add(keys[index])
    return found


def _transaction(reply: Any, signature: SignatureInfo, account: str) -> tuple[list[str], Mapping[str, Any]]:
    if reply is None:
        raise ReplyError(f"getTransaction {signature.signature}: the server does not have this transaction (its "
                         "history does not reach back to the snapshot)")
    try:
        transaction, meta, slot = reply["transaction"], reply["meta"], reply["slot"]
        listed = transaction["signatures"]
        keys = _keys(transaction, meta)
    except (KeyError, TypeError) as exc:
        raise ReplyError(f"getTransaction {signature.signature}: malformed reply ({exc!r})") from None
    if not isinstance(listed, Sequence) or signature.signature not in listed or slot != signature.slot:
        raise ReplyError(f"getTransaction: the reply is not transaction {signature.signature} of slot {signature.slot}")
    if account not in keys:
        raise ReplyError(f"getTransaction {signature.signature}: {account} is not among its accounts")
    if not isinstance(meta, Mapping):
        raise ReplyError(f"getTransaction {signature.signature}: no meta")
    return keys, meta


# StakeStateV2 (the Stake program's account data, 200 bytes): u32 tag, then Meta = u64 rent_exempt_reserve,
# Authorized { staker: Pubkey, withdrawer: Pubkey }, ... so the withdraw authority starts at byte 4 + 8 + 32.
STAKE_ACCOUNT_SIZE = 200
STAKE_WITHDRAWER_OFFSET = 44


@dataclass(frozen=True, slots=True)
class StakeAccount:
    pubkey: str
    lamports: int


def stake_accounts(reply: Any) -> tuple[int, list[StakeAccount]]:
    """getProgramAccounts(Stake, withContext): the context slot and every account listed; each must be owned by
    the Stake program (the filters themselves are the server's to apply; nothing in a zero-length slice rechecks
    them)."""
    slot, value = context_slot(reply, "getProgramAccounts")
    if not isinstance(value, list):
        raise ReplyError(f"getProgramAccounts: value is not a list: {str(value)[:120]}")
    found = []
    for item in value:
        if not isinstance(item, Mapping) or not isinstance(item.get("pubkey"), str) \
                or not isinstance(item.get("account"), Mapping):
            raise ReplyError(f"getProgramAccounts: malformed entry {str(item)[:120]}")
        account = item["account"]
        if account.get("owner") != STAKE_PROGRAM:
            raise ReplyError(f"getProgramAccounts: {item['pubkey']} is owned by {account.get('owner')}, not the Stake "
                             "program")
        found.append(StakeAccount(item["pubkey"], _amount(account.get("lamports"), "stake account lamports")))
    return slot, found
