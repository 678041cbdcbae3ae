"""Balances from an Esplora REST API (Blockstream's esplora/electrs, mempool.space-style; self-hosted or public).

Esplora answers at the tip only, so the balance at H is rebuilt from each address's history
(chains.utxo.history). History pages, as documented: `GET /address/:address/txs` gives the mempool
transactions and the 25 newest confirmed ones, `GET /address/:address/txs/chain/:last_seen_txid` the next 25
confirmed after the last one seen; each transaction carries its `status` (block height) and every input's
`prevout`. Values are satoshis. Public instances are rate-limited: the shared transport spaces requests
(`requests_per_second`) and honours 429 + Retry-After.

The snapshot block comes from `GET /blocks/:height` (JSON) rather than `/block-height/:height`, whose body is
plain text that the JSON transport does not read.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from chains.base import Balance, BalanceQuery, DataSourceError, Endpoint, Network, RequestEstimate, Snapshot
from chains.options import OptionsError
from chains.transport import RequestError
from chains.utxo.backends import UtxoBackend, UtxoOptions
from chains.utxo.history import TxView, balance_at

METHOD = "esplora-history"
CHAIN_PAGE = 25  # confirmed transactions per history page (Esplora's documented page size)
DEFAULT_MAX_PAGES = 400  # 10,000 confirmed transactions per address before giving up on it


class HistoryError(Exception):
    """An address's history could not be read completely."""


def tx_view(tx: dict[str, Any]) -> TxView:
    """An Esplora transaction as the balance rebuild needs it. Raises KeyError/ValueError/TypeError on
    a malformed object."""
    status = tx["status"]
    height = int(status["block_height"]) if status.get("confirmed") else 0
    spends = tuple((str(v["txid"]), int(v["vout"])) for v in tx["vin"] if not v.get("is_coinbase"))
    outputs = []
    for out in tx["vout"]:
        value = out["value"]
        if not isinstance(value, int) or isinstance(value, bool):  # satoshis are integers; anything else is wrong
            raise ValueError(f"output value {value!r} is not an integer")
        outputs.append((bytes.fromhex(out["scriptpubkey"]), value))
    return TxView(txid=str(tx["txid"]), height=height, spends=spends, outputs=tuple(outputs))


def touches(tx: Any, script_hex: str) -> bool:
    """Does this Esplora transaction pay (`vout[].scriptpubkey`) or spend (`vin[].prevout.scriptpubkey`) the
    script? Every transaction of an address's history does."""
    if not isinstance(tx, dict):
        return False
    outputs = tx.get("vout") if isinstance(tx.get("vout"), list) else []
    inputs = tx.get("vin") if isinstance(tx.get("vin"), list) else []
    if any(isinstance(out, dict) and str(out.get("scriptpubkey", "")).lower() == script_hex for out in outputs):
        return True
    return any(isinstance(v, dict) and isinstance(v.get("prevout"), dict)
               and str(v["prevout"].get("scriptpubkey", "")).lower() == script_hex for v in inputs)


@dataclass(frozen=True, slots=True)
class EsploraOptions(UtxoOptions):
    max_pages: int = DEFAULT_MAX_PAGES  # history pages per address before it is reported unreadable

    def validate(self, where: str) -> None:
        if self.max_pages < 1:
            raise OptionsError(f"{where}.max_pages: must be a positive integer, got {self.max_pages}")


class EsploraAdapter(UtxoBackend):
    """Options: `max_pages`, `genesis_hash`. Concurrency, rate limit, retries and timeouts are the endpoint's."""

    options_type = EsploraOptions
    options: EsploraOptions
    method = METHOD
    recheck_block = False  # each batch checks block H after its histories (they are read at the tip)

    def __init__(self, network: Network, endpoint: Endpoint) -> None:
        super().__init__(network, endpoint)
        self.base = endpoint.url.rstrip("/")
        self.max_pages = self.options.max_pages

    def estimate_scripts(self, scripts: Mapping[BalanceQuery, bytes]) -> RequestEstimate:
        addresses = len({query.address for query in scripts})
        return RequestEstimate(addresses + 1, addresses * self.max_pages + 1)

    def estimate_formula(self) -> str:
        return (f"per batch one /address/:a/txs page per address (up to {self.max_pages} for an address with more "
                f"than {CHAIN_PAGE} confirmed transactions) + 1 block check")

    async def _get(self, path: str) -> Any:
        return await self.transport.request_json("GET", f"{self.base}{path}")

    async def tip_height(self) -> int:
        tip = await self._get("/blocks/tip/height")
        if isinstance(tip, bool) or not isinstance(tip, int):
            raise RequestError(f"/blocks/tip/height is not a height: {str(tip)[:100]}")
        return tip

    async def block_hash(self, height: int) -> str | None:
        try:
            blocks = await self._get(f"/blocks/{height}")
        except RequestError as exc:
            if "HTTP 404" in str(exc):
                return None
            raise
        if not isinstance(blocks, list) or not blocks or not isinstance(blocks[0], dict):
            return None
        if blocks[0].get("height") != height:  # /blocks/:height lists from the tip when H is above it
            return None
        return str(blocks[0]["id"])

    async def _read_scripts(
        self, scripts: dict[BalanceQuery, bytes], snapshot: Snapshot
    ) -> dict[BalanceQuery, Balance]:
        # The transport bounds concurrency and rate; one task per address keeps every connection busy.
        by_address = {q.address: s for q, s in scripts.items()}
        balances = await asyncio.gather(*(self._balance(a, s, snapshot.height) for a, s in by_address.items()))
        found = dict(zip(by_address, balances, strict=True))
        await self._check_unchanged(snapshot)
        return {q: found[q.address] for q in scripts}

    async def _balance(self, address: str, script: bytes, height: int) -> Balance:
        try:
            txs = await self._history(address, script.hex())
        except (HistoryError, DataSourceError) as exc:
            return Balance(None, METHOD, str(exc))
        return Balance(balance_at(script, txs, height), METHOD)

    async def _history(self, address: str, script_hex: str) -> list[TxView]:
        """Every transaction of the address, following the pages to the oldest (bounded by max_pages). Each one
        must pay or spend the address's output script: a page that holds another address's history (a reply to
        another request) is refused, never read as this address's balance."""
        path = f"/address/{quote(address, safe='')}/txs"
        txs: list[TxView] = []
        for _ in range(self.max_pages):
            try:
                page = await self._get(path)
            except RequestError as exc:  # 400 invalid address, 404...: this address only
                raise HistoryError(f"{self.endpoint.display}: history of {address} refused: {exc}") from None
            if not isinstance(page, list):
                raise HistoryError(f"{self.endpoint.display}: history page of {address} is not a list")
            foreign = next((tx for tx in page if not touches(tx, script_hex)), None)
            if foreign is not None:
                raise HistoryError(f"{self.endpoint.display}: the history of {address} holds transaction "
                                   f"{str(foreign.get('txid') if isinstance(foreign, dict) else foreign)[:64]}, "
                                   "which neither pays nor spends it: another request's reply, not used")
            try:
                views = [tx_view(tx) for tx in page]
            except (KeyError, ValueError, TypeError) as exc:
                where = f"{self.endpoint.display}: malformed transaction in {address}'s history"
                raise HistoryError(f"{where}: {exc!r}") from None
            txs.extend(views)
            confirmed = [v for v in views if v.height > 0]
            if len(confirmed) < CHAIN_PAGE:
                return txs
            path = f"/address/{quote(address, safe='')}/txs/chain/{confirmed[-1].txid}"
        raise HistoryError(
            f"{self.endpoint.display}: {address} has more than {self.max_pages * CHAIN_PAGE} confirmed "
            "transactions (raise options.max_pages)"
        )
