"""The reply parsers (chains/solana/rpc.py) and the stand-in server (tests/nodes/solana_server.py) against the
documented example replies of solana.com/docs/rpc/http (getMultipleAccounts, getTokenAccountsByOwner,
getSignaturesForAddress, getTransaction; transaction meta fields from solana.com/docs/rpc/json-structures)."""

from __future__ import annotations

from typing import Any

import pytest

from chains.solana import rpc
from tests.nodes.solana_server import SolanaLedger, SolanaServer

# solana.com/docs/rpc/http/getmultipleaccounts (example reply, base64 encoding)
MULTIPLE_ACCOUNTS = {
    "context": {"apiVersion": "2.0.15", "slot": 341197247},
    "value": [
        {"data": ["", "base64"], "executable": False, "lamports": 88849814690250,
         "owner": "11111111111111111111111111111111", "rentEpoch": 18446744073709551615, "space": 0},
        None,
    ],
}
# solana.com/docs/rpc/http/gettokenaccountsbyowner (example reply, jsonParsed)
TOKEN_ACCOUNTS = {
    "context": {"apiVersion": "2.0.15", "slot": 341197933},
    "value": [{
        "pubkey": "BGocb4GEpbTFm8UFV2VsDSaBXHELPfAXrvd4vtt8QWrA",
        "account": {
            "data": {"program": "spl-token", "parsed": {"info": {
                "isNative": False, "mint": "2cHr7QS3xfuSV8wdxo3ztuF4xbiarF6Nrgx3qpx3HzXR",
                "owner": "A1TMhSGzQxMr1TboBKtgixKz1sS6REASMxPo1qsyTSJd", "state": "initialized",
                "tokenAmount": {"amount": "420000000000000", "decimals": 6, "uiAmount": 420000000.0,
                                "uiAmountString": "420000000"}}, "type": "account"}, "space": 165},
            "executable": False, "lamports": 2039280, "owner": "TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA",
            "rentEpoch": 18446744073709551615, "space": 165}}],
}
# solana.com/docs/rpc/http/getsignaturesforaddress (example entry)
SIGNATURE = {"signature": "5h6xBEauJ3PK6SWCZ1PGjBvj8vDdWG3KpwATGy1ARAXFSDwt8GFXM7W5Ncn16wmqokgpiKRLuS83KUxyZyv2sUYv",
             "slot": 114, "err": None, "memo": None, "blockTime": None, "confirmationStatus": "finalized"}
# solana.com/docs/rpc/http/gettransaction and /docs/rpc/json-structures (json encoding, a v0 transaction)
TRANSACTION = {
    "slot": 430, "blockTime": None, "version": 0,
    "transaction": {"signatures": [SIGNATURE["signature"]], "message": {
        "accountKeys": ["3UVYmECPPMZSCqWKfENfuoTv51fTDTWicX9xmBD2euKe", "AjozzgE83A3x1sHNUR64hfH7zaEBWeMaFuAN9kQgujrc",
                        "11111111111111111111111111111111"],
        "header": {"numReadonlySignedAccounts": 0, "numReadonlyUnsignedAccounts": 1, "numRequiredSignatures": 1},
        "instructions": [{"accounts": [1, 2, 3, 0], "data": "37u9WtQpcm6ULa3WRQHmj49EPs4if7o9f1jSRVZpm2dvi",
                          "programIdIndex": 4, "stackHeight": None}],
        "recentBlockhash": "mfcyqEXB3DnHXki6KjjmZck6YjmZLvpAByy2fj4nh6B",
        "addressTableLookups": [{"accountKey": "6bQYVCWjwVvkYeUyBbJ9rPHjFBxqEvHFxf6a1gMdK6ep",
                                 "readonlyIndexes": [], "writableIndexes": [0]}]}},
    "meta": {
        "err": None, "fee": 5000, "innerInstructions": [], "logMessages": [],
        "loadedAddresses": {"readonly": [], "writable": ["BSCpJmTdXHg5rVGEuHaNfZnmAEvQD5pfdM9j3GqKhMq2"]},
        "postBalances": [499998932500, 26858640, 1], "postTokenBalances": [],
        "preBalances": [499998937500, 26858640, 1, 1000], "preTokenBalances": [{
            "accountIndex": 3, "mint": "2cHr7QS3xfuSV8wdxo3ztuF4xbiarF6Nrgx3qpx3HzXR",
            "owner": "A1TMhSGzQxMr1TboBKtgixKz1sS6REASMxPo1qsyTSJd",
            "programId": "TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA",
            "uiTokenAmount": {"amount": "1000", "decimals": 6, "uiAmount": 0.001, "uiAmountString": "0.001"}}],
        "rewards": [], "status": {"Ok": None}, "computeUnitsConsumed": 150},
}


def test_parsers_read_the_documented_examples() -> None:
    slot, accounts = rpc.accounts(MULTIPLE_ACCOUNTS, 2)
    assert slot == 341197247 and accounts == [rpc.AccountInfo(88849814690250, rpc.SYSTEM_PROGRAM), None]
    owner, mint = "A1TMhSGzQxMr1TboBKtgixKz1sS6REASMxPo1qsyTSJd", "2cHr7QS3xfuSV8wdxo3ztuF4xbiarF6Nrgx3qpx3HzXR"
    slot, tokens = rpc.token_accounts(TOKEN_ACCOUNTS, owner, mint)
    assert slot == 341197933 and tokens == [rpc.TokenAccount("BGocb4GEpbTFm8UFV2VsDSaBXHELPfAXrvd4vtt8QWrA",
                                                             420000000000000)]
    with pytest.raises(rpc.ReplyError, match="asked for owner"):
        rpc.token_accounts(TOKEN_ACCOUNTS, "AjozzgE83A3x1sHNUR64hfH7zaEBWeMaFuAN9kQgujrc", mint)
    (entry,) = rpc.signatures([SIGNATURE])
    signature = rpc.SignatureInfo(SIGNATURE["signature"], 430)
    assert entry == rpc.SignatureInfo(SIGNATURE["signature"], 114)
    assert rpc.pre_lamports(TRANSACTION, signature, "3UVYmECPPMZSCqWKfENfuoTv51fTDTWicX9xmBD2euKe") == 499998937500
    loaded = "BSCpJmTdXHg5rVGEuHaNfZnmAEvQD5pfdM9j3GqKhMq2"  # a lookup-table key, index 3
    assert rpc.pre_lamports(TRANSACTION, signature, loaded) == 1000
    assert rpc.pre_token_amount(TRANSACTION, signature, loaded, owner, mint) == 1000
    assert rpc.pre_token_amount(TRANSACTION, signature, loaded, "AjozzgE83A3x1sHNUR64hfH7zaEBWeMaFuAN9kQgujrc",
                                mint) == 0  # another owner's at the time
    with pytest.raises(rpc.ReplyError, match="not transaction"):
        rpc.pre_lamports(TRANSACTION, rpc.SignatureInfo(SIGNATURE["signature"], 431), loaded)
    with pytest.raises(rpc.ReplyError, match="not among its accounts"):
        rpc.pre_lamports(TRANSACTION, signature, rpc.STAKE_PROGRAM)


def _shape(value: Any) -> Any:
    """Keys of every object, recursively (a list by its first element): what a client's parser relies on."""
    if isinstance(value, dict):
        return {key: _shape(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_shape(value[0])] if value and isinstance(value[0], dict | list) else []
    return None


def test_the_stand_in_answers_in_the_documented_shapes() -> None:
    from tests.chains.solana.test_adapter import USDT, account

    assert USDT is not None
    ledger = SolanaLedger()
    owner, other = account(1), account(2)
    ledger.fund(owner, 10**9)
    ledger.mine()
    token_account = ledger.create_token_account(owner, str(USDT.contract))
    ledger.mint_tokens(token_account, 1000)
    ledger.transfer(owner, other, 5, lookup=True)
    ledger.mine()
    server = SolanaServer(ledger)
    accounts_reply = server.rpc_getMultipleAccounts([owner], {"encoding": "base64"})
    assert _shape(accounts_reply) == _shape({**MULTIPLE_ACCOUNTS, "value": MULTIPLE_ACCOUNTS["value"][:1]})
    tokens_reply = server.rpc_getTokenAccountsByOwner(owner, {"mint": str(USDT.contract)}, {"encoding": "jsonParsed"})
    assert _shape(tokens_reply) == _shape(TOKEN_ACCOUNTS)
    signatures = server.rpc_getSignaturesForAddress(owner, {"limit": 10})
    assert _shape(signatures[0]) == _shape(SIGNATURE)
    v0 = next(s for s in signatures if server.rpc_getTransaction(s["signature"], {"maxSupportedTransactionVersion": 0})
              ["version"] == 0)
    reply = server.rpc_getTransaction(v0["signature"], {"maxSupportedTransactionVersion": 0})
    documented = {**TRANSACTION, "meta": {**TRANSACTION["meta"], "preTokenBalances": []}}
    assert _shape(reply) == _shape(documented)
    minted = server.rpc_getTransaction(ledger.by_account[token_account][-1].signature, {})
    assert _shape(minted["meta"]["postTokenBalances"]) == _shape(TRANSACTION["meta"]["preTokenBalances"])
