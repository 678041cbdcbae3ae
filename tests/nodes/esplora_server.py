"""A local server that follows Esplora's documented REST API (github.com/Blockstream/esplora, API.md), fed
from a regtest litecoind over RPC, for the Esplora backend's tests.

Implemented: GET /blocks/tip/height, /blocks/tip/hash, /block-height/:height, /blocks[/:start_height],
/tx/:txid, /tx/:txid/status, /tx/:txid/hex, /address/:address, /address/:address/txs,
/address/:address/txs/chain[/:last_seen_txid], /address/:address/txs/mempool. As documented: history newest
first; /txs gives up to 50 mempool transactions then the first 25 confirmed; /txs/chain pages 25 confirmed
at a time after `last_seen_txid`; values in satoshis; `status` objects {confirmed, block_height, block_hash,
block_time}; plain-text bodies for heights and hashes; errors as plain-text bodies with 400 (bad input) or
404 (not found). Optional throttling answers every n-th request with 429 and Retry-After, as public instances do.

The address index is built from the node's blocks (verbosity 2) and follows the tip, including rollbacks
(`invalidateblock`). Amounts come from the node as Decimal, so values are exact.
"""

from __future__ import annotations

import asyncio
import threading
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from aiohttp import web

from tests.nodes import free_port
from tests.nodes.litecoind import Litecoind, RpcError

MEMPOOL_PAGE = 50
CHAIN_PAGE = 25
START_TIMEOUT = 10.0

SCRIPT_TYPES = {
    "pubkeyhash": "p2pkh",
    "scripthash": "p2sh",
    "witness_v0_keyhash": "v0_p2wpkh",
    "witness_v0_scripthash": "v0_p2wsh",
    "witness_v1_taproot": "v1_p2tr",
    "nulldata": "op_return",
    "multisig": "multisig",
    "pubkey": "p2pk",
}


def _sats(value: Decimal) -> int:
    return int(value * 100_000_000)


@dataclass
class _Index:
    """Confirmed chain state as Esplora sees it: block hashes, transactions, and per-script histories."""

    hashes: list[str] = field(default_factory=list)  # by height
    blocks: list[dict[str, Any]] = field(default_factory=list)  # block summaries by height
    txs: dict[str, dict[str, Any]] = field(default_factory=dict)  # txid -> Esplora tx (status included)
    raw: dict[str, str] = field(default_factory=dict)
    history: dict[str, list[tuple[int, int, str]]] = field(default_factory=dict)  # script -> (h, pos, txid)
    block_txids: list[list[str]] = field(default_factory=list)


class EsploraServer:
    """Start with `start()`; `url` is the API base. `throttle_every=n` answers every n-th request with 429."""

    def __init__(self, node: Litecoind, throttle_every: int = 0, retry_after: str = "1") -> None:
        self.node = node
        self.port = free_port()
        self.throttle_every = throttle_every
        self.retry_after = retry_after
        self.requests = 0
        self.paths: list[str] = []  # every request path, for the tests
        self.throttled = 0
        # address -> another address whose history is served in its place (a caching proxy mixing requests up)
        self.swapped: dict[str, str] = {}
        self._index = _Index()
        self._address_scripts: dict[str, str | None] = {}
        self._mempool_views: dict[str, dict[str, Any]] = {}
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._runner: web.AppRunner | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    # --- lifecycle --------------------------------------------------------------------------------------

    def start(self) -> EsploraServer:
        ready = threading.Event()
        self._loop = asyncio.new_event_loop()

        def run() -> None:
            assert self._loop is not None
            asyncio.set_event_loop(self._loop)
            self._loop.run_until_complete(self._serve())
            ready.set()
            self._loop.run_forever()

        self._thread = threading.Thread(target=run, name="esplora-server", daemon=True)
        self._thread.start()
        if not ready.wait(START_TIMEOUT):
            raise RuntimeError("esplora server did not start")
        return self

    async def _serve(self) -> None:
        app = web.Application(middlewares=[self._middleware])
        app.add_routes(
            [
                web.get("/blocks/tip/height", self.tip_height),
                web.get("/blocks/tip/hash", self.tip_hash),
                web.get("/block-height/{height}", self.block_height),
                web.get("/blocks", self.blocks),
                web.get("/blocks/{start}", self.blocks),
                web.get("/tx/{txid}", self.tx),
                web.get("/tx/{txid}/status", self.tx_status),
                web.get("/tx/{txid}/hex", self.tx_hex),
                web.get("/address/{address}", self.address_stats),
                web.get("/address/{address}/txs", self.address_txs),
                web.get("/address/{address}/txs/chain", self.address_chain),
                web.get("/address/{address}/txs/chain/{last_seen}", self.address_chain),
                web.get("/address/{address}/txs/mempool", self.address_mempool),
            ]
        )
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", self.port).start()

    def stop(self) -> None:
        if self._loop is None or self._thread is None:
            return
        if self._runner is not None:
            asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop).result(timeout=10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self._loop.close()
        self._loop = None

    @web.middleware
    async def _middleware(self, request: web.Request, handler: Any) -> web.StreamResponse:
        self.requests += 1
        self.paths.append(request.path)
        if self.throttle_every and self.requests % self.throttle_every == 0:
            self.throttled += 1
            return web.Response(status=429, text="Too Many Requests", headers={"Retry-After": self.retry_after})
        self._sync()
        return await handler(request)

    # --- index ------------------------------------------------------------------------------------------

    def _sync(self) -> None:
        """Follow the node: drop blocks no longer on its chain, then add the new ones."""
        index = self._index
        tip = self.node.rpc("getblockcount")
        keep = min(len(index.hashes), tip + 1)
        while keep and index.hashes[keep - 1] != self.node.rpc("getblockhash", keep - 1):
            keep -= 1
        for height in range(len(index.hashes) - 1, keep - 1, -1):
            self._disconnect(height)
        for height in range(keep, tip + 1):
            self._connect(self.node.rpc("getblock", self.node.rpc("getblockhash", height), 2))

    def _connect(self, block: dict[str, Any]) -> None:
        index = self._index
        height = block["height"]
        status = {"confirmed": True, "block_height": height, "block_hash": block["hash"], "block_time": block["time"]}
        for position, tx in enumerate(block["tx"]):
            view = self._tx_json(tx, status)
            index.txs[tx["txid"]] = view
            index.raw[tx["txid"]] = tx["hex"]
            for script in self._scripts_touched(view):
                index.history.setdefault(script, []).append((height, position, tx["txid"]))
        index.hashes.append(block["hash"])
        index.block_txids.append([tx["txid"] for tx in block["tx"]])
        index.blocks.append(
            {
                "id": block["hash"],
                "height": height,
                "version": block["version"],
                "timestamp": block["time"],
                "tx_count": len(block["tx"]),
                "size": block["size"],
                "weight": block["weight"],
                "merkle_root": block["merkleroot"],
                "previousblockhash": block.get("previousblockhash"),
                "mediantime": block["mediantime"],
                "nonce": block["nonce"],
                "bits": int(block["bits"], 16),
                "difficulty": float(block["difficulty"]),
            }
        )

    def _disconnect(self, height: int) -> None:
        index = self._index
        for txid in index.block_txids.pop():
            for script in self._scripts_touched(index.txs[txid]):
                index.history[script] = [e for e in index.history[script] if e[2] != txid]
            del index.txs[txid], index.raw[txid]
        index.hashes.pop()
        index.blocks.pop()
        assert len(index.hashes) == height

    @staticmethod
    def _scripts_touched(view: dict[str, Any]) -> set[str]:
        scripts = {out["scriptpubkey"] for out in view["vout"]}
        return scripts | {vin["prevout"]["scriptpubkey"] for vin in view["vin"] if vin["prevout"]}

    def _tx_json(self, tx: dict[str, Any], status: dict[str, Any]) -> dict[str, Any]:
        vin = []
        for entry in tx["vin"]:
            if "coinbase" in entry:
                vin.append(
                    {
                        "txid": "0" * 64,
                        "vout": 4294967295,
                        "prevout": None,
                        "scriptsig": entry["coinbase"],
                        "witness": entry.get("txinwitness", []),
                        "is_coinbase": True,
                        "sequence": entry["sequence"],
                    }
                )
                continue
            prevout = self._prevout(entry["txid"], entry["vout"])
            vin.append(
                {
                    "txid": entry["txid"],
                    "vout": entry["vout"],
                    "prevout": prevout,
                    "scriptsig": entry["scriptSig"]["hex"],
                    "witness": entry.get("txinwitness", []),
                    "is_coinbase": False,
                    "sequence": entry["sequence"],
                }
            )
        vout = [self._output(out) for out in tx["vout"]]
        fee = sum(v["prevout"]["value"] for v in vin if v["prevout"]) - sum(o["value"] for o in vout)
        return {
            "txid": tx["txid"],
            "version": tx["version"],
            "locktime": tx["locktime"],
            "vin": vin,
            "vout": vout,
            "size": tx["size"],
            "weight": tx["weight"],
            "fee": max(0, fee) if vin and not vin[0]["is_coinbase"] else 0,
            "status": status,
        }

    @staticmethod
    def _output(out: dict[str, Any]) -> dict[str, Any]:
        spk = out["scriptPubKey"]
        result = {
            "scriptpubkey": spk["hex"],
            "scriptpubkey_asm": spk.get("asm", ""),
            "scriptpubkey_type": SCRIPT_TYPES.get(spk.get("type", ""), "unknown"),
            "value": _sats(out["value"]),
        }
        addresses = spk.get("addresses") or ([spk["address"]] if "address" in spk else [])
        if addresses:
            result["scriptpubkey_address"] = addresses[0]
        return result

    def _prevout(self, txid: str, vout: int) -> dict[str, Any]:
        known = self._index.txs.get(txid)
        if known is not None:
            return known["vout"][vout]
        tx = self.node.rpc("getrawtransaction", txid, True)  # a mempool parent
        return self._output(tx["vout"][vout])

    def _mempool(self) -> list[dict[str, Any]]:
        """Unconfirmed transactions, newest first (by the time the node saw them); decoded ones are kept."""
        entries = self.node.rpc("getrawmempool", True)
        self._mempool_views = {t: v for t, v in self._mempool_views.items() if t in entries}
        views = []
        for txid in sorted(entries, key=lambda t: (entries[t]["time"], t), reverse=True):
            if txid not in self._mempool_views:
                try:
                    tx = self.node.rpc("getrawtransaction", txid, True)
                except RpcError:
                    continue  # left the mempool meanwhile
                view = self._tx_json(tx, {"confirmed": False})
                view["_hex"] = tx["hex"]
                self._mempool_views[txid] = view
            views.append(self._mempool_views[txid])
        return views

    def _script_of(self, address: str) -> str | None:
        if address not in self._address_scripts:
            info = self.node.rpc("validateaddress", address)
            self._address_scripts[address] = info["scriptPubKey"] if info.get("isvalid") else None
        return self._address_scripts[address]

    # --- handlers ---------------------------------------------------------------------------------------

    async def tip_height(self, request: web.Request) -> web.Response:
        return web.Response(text=str(len(self._index.hashes) - 1))

    async def tip_hash(self, request: web.Request) -> web.Response:
        return web.Response(text=self._index.hashes[-1])

    async def block_height(self, request: web.Request) -> web.Response:
        height = _int(request.match_info["height"])
        if height is None:
            return web.Response(status=400, text="Invalid height")
        if not 0 <= height < len(self._index.hashes):
            return web.Response(status=404, text="Block not found")
        return web.Response(text=self._index.hashes[height])

    async def blocks(self, request: web.Request) -> web.Response:
        start = request.match_info.get("start")
        tip = len(self._index.blocks) - 1
        height = tip if start is None else _int(start)
        if height is None:
            return web.Response(status=400, text="Invalid height")
        height = min(height, tip)
        return web.json_response([self._index.blocks[h] for h in range(height, max(-1, height - 10), -1)])

    def _find_tx(self, txid: str) -> dict[str, Any] | None:
        found = self._index.txs.get(txid)
        if found is None:
            found = next((tx for tx in self._mempool() if tx["txid"] == txid), None)
        return found

    async def tx(self, request: web.Request) -> web.Response:
        txid = request.match_info["txid"]
        if not _is_hash(txid):
            return web.Response(status=400, text="Invalid hex string")
        found = self._find_tx(txid)
        if found is None:
            return web.Response(status=404, text="Transaction not found")
        return web.json_response({k: v for k, v in found.items() if not k.startswith("_")})

    async def tx_status(self, request: web.Request) -> web.Response:
        found = self._find_tx(request.match_info["txid"])
        if found is None:
            return web.Response(status=404, text="Transaction not found")
        return web.json_response(found["status"])

    async def tx_hex(self, request: web.Request) -> web.Response:
        txid = request.match_info["txid"]
        found = self._find_tx(txid)
        if found is None:
            return web.Response(status=404, text="Transaction not found")
        return web.Response(text=self._index.raw.get(txid) or found["_hex"])

    def _confirmed(self, script: str) -> list[dict[str, Any]]:
        entries = sorted(self._index.history.get(script, []), reverse=True)  # newest first
        return [self._index.txs[txid] for _, _, txid in entries]

    def _unconfirmed(self, script: str) -> list[dict[str, Any]]:
        return [
            {k: v for k, v in tx.items() if not k.startswith("_")}
            for tx in self._mempool()
            if script in self._scripts_touched(tx)
        ]

    async def address_stats(self, request: web.Request) -> web.Response:
        address = request.match_info["address"]
        script = self._script_of(address)
        if script is None:
            return web.Response(status=400, text="Invalid Bitcoin address")
        return web.json_response(
            {
                "address": address,
                "chain_stats": _stats(script, self._confirmed(script)),
                "mempool_stats": _stats(script, self._unconfirmed(script)),
            }
        )

    async def address_txs(self, request: web.Request) -> web.Response:
        address = request.match_info["address"]
        script = self._script_of(self.swapped.get(address, address))
        if script is None:
            return web.Response(status=400, text="Invalid Bitcoin address")
        return web.json_response(self._unconfirmed(script)[:MEMPOOL_PAGE] + self._confirmed(script)[:CHAIN_PAGE])

    async def address_chain(self, request: web.Request) -> web.Response:
        address = request.match_info["address"]
        script = self._script_of(self.swapped.get(address, address))
        if script is None:
            return web.Response(status=400, text="Invalid Bitcoin address")
        confirmed = self._confirmed(script)
        last_seen = request.match_info.get("last_seen")
        if last_seen is not None:
            if not _is_hash(last_seen):
                return web.Response(status=400, text="Invalid hex string")
            txids = [tx["txid"] for tx in confirmed]
            confirmed = confirmed[txids.index(last_seen) + 1 :] if last_seen in txids else []
        return web.json_response(confirmed[:CHAIN_PAGE])

    async def address_mempool(self, request: web.Request) -> web.Response:
        script = self._script_of(request.match_info["address"])
        if script is None:
            return web.Response(status=400, text="Invalid Bitcoin address")
        return web.json_response(self._unconfirmed(script)[:MEMPOOL_PAGE])


def _int(text: str) -> int | None:
    return int(text) if text.isdigit() else None


def _is_hash(text: str) -> bool:
    return len(text) == 64 and all(c in "0123456789abcdef" for c in text.lower())


def _stats(script: str, txs: list[dict[str, Any]]) -> dict[str, int]:
    funded = [o for tx in txs for o in tx["vout"] if o["scriptpubkey"] == script]
    spent = [v["prevout"] for tx in txs for v in tx["vin"] if v["prevout"] and v["prevout"]["scriptpubkey"] == script]
    return {
        "funded_txo_count": len(funded),
        "funded_txo_sum": sum(o["value"] for o in funded),
        "spent_txo_count": len(spent),
        "spent_txo_sum": sum(o["value"] for o in spent),
        "tx_count": len(txs),
    }
