"""A local stand-in for an Aptos fullnode's REST API (/v1), for tests: no Aptos node installs here.

It answers the documented requests the Aptos adapter sends, with the documented shapes (the OpenAPI spec served at
fullnode.mainnet.aptoslabs.com/v1/spec; aptos.dev "Fullnode REST API"):

* `GET /v1` (get_ledger_info): `chain_id` (a number), `epoch`, `ledger_version`, `oldest_ledger_version`,
  `ledger_timestamp`, `node_role`, `oldest_block_height`, `block_height`, `git_hash`; U64 values as strings;
* `GET /v1/blocks/by_height/{h}?with_transactions=false` (get_block_by_height): `block_height`, `block_hash`,
  `block_timestamp`, `first_version`, `last_version`, `transactions: null`; 404 `block_not_found` above the tip,
  410 `block_pruned` below the oldest block;
* `GET /v1/accounts/{address}/resource/{struct_tag}?ledger_version=` (get_account_resource): `{"type", "data"}`,
  here `0x1::coin::CoinStore<0x1::aptos_coin::AptosCoin>` with `data.coin.value`, `frozen`, the event handles,
  and `0x1::account::Account` with `authentication_key`, `sequence_number` and its event handles / offers;
  404 `resource_not_found` when the account has no such resource at that version;
* `POST /v1/view?ledger_version=` (view): body `{"function", "type_arguments", "arguments"}`, reply a JSON list
  of the return values (a u64 as a string); 400 `invalid_input` for an unknown function or bad arguments.

Any `ledger_version` below the oldest kept one is 410 `version_pruned` ("Ledger version(N) has been pruned"),
one above the newest is 404 `version_not_found`. Errors are `{"message", "error_code", "vm_error_code"}`, and
every reply carries the X-Aptos-* ledger headers. Shapes were checked against the spec's examples.

Seeding (octas for APT, base units for fungible assets)::

    chain = AptosChain()
    chain.credit_coin(alice, 5_000_000)            # APT in alice's CoinStore
    chain.credit_fa(alice, USDT_METADATA, 7_000_000)
    h = chain.seal()                               # the next block; its height
    chain.migrate(alice)                           # CoinStore -> APT's primary fungible store (0xa)
    chain.balance(alice, h)                        # coin + primary store at h
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from chains.aptos import addresses
from tests.nodes.stand_in import ServerThread

APT_METADATA = "0x" + "0" * 63 + "a"
COIN_STORE = "0x1::coin::CoinStore<0x1::aptos_coin::AptosCoin>"
ACCOUNT = "0x1::account::Account"
VERSIONS_PER_BLOCK = 3  # block metadata + user transactions + state checkpoint


def norm(address: str) -> str:
    return addresses.encode(addresses.decode(address))


@dataclass
class Block:
    height: int
    block_hash: str
    first_version: int
    last_version: int
    timestamp_us: int
    coin: dict[str, int]  # end-of-block state: CoinStore<AptosCoin> values
    fa: dict[tuple[str, str], int]  # (owner, metadata) -> primary store balance
    auth: dict[str, str] = field(default_factory=dict)  # account -> authentication key (Account resource)


class AptosChain:
    def __init__(self, *, chain_id: int = 1, start_us: int = 1_700_000_000_000_000) -> None:
        self.chain_id = chain_id
        self.coin: dict[str, int] = {}
        self.fa: dict[tuple[str, str], int] = {}
        self.auth: dict[str, str] = {}
        self.blocks = [Block(0, "0x" + hashlib.sha3_256(b"aptos-genesis").hexdigest(), 0, 0, start_us, {}, {})]

    def credit_coin(self, owner: str, amount: int) -> None:
        owner = norm(owner)
        self.coin[owner] = self.coin.get(owner, 0) + amount

    def credit_fa(self, owner: str, metadata: str, amount: int) -> None:
        key = (norm(owner), norm(metadata))
        self.fa[key] = self.fa.get(key, 0) + amount

    def transfer_fa(self, sender: str, receiver: str, metadata: str, amount: int) -> None:
        if self.fa.get((norm(sender), norm(metadata)), 0) < amount:
            raise ValueError(f"{sender} cannot send {amount}")
        self.credit_fa(sender, metadata, -amount)
        self.credit_fa(receiver, metadata, amount)

    def transfer_coin(self, sender: str, receiver: str, amount: int) -> None:
        if self.coin.get(norm(sender), 0) < amount:
            raise ValueError(f"{sender} cannot send {amount}")
        self.credit_coin(sender, -amount)
        self.credit_coin(receiver, amount)

    def rotate(self, account: str, authentication_key: str) -> None:
        """The account's authentication key becomes `authentication_key` (creating the Account resource)."""
        self.auth[norm(account)] = norm(authentication_key)

    def migrate(self, owner: str) -> None:
        """The account's APT moves from its CoinStore to its primary fungible store (AIP-63 migration)."""
        value = self.coin.pop(norm(owner), 0)
        self.credit_fa(owner, APT_METADATA, value)

    def seal(self, count: int = 1) -> int:
        for _ in range(count):
            previous = self.blocks[-1]
            first = previous.last_version + 1
            block_hash = "0x" + hashlib.sha3_256(previous.block_hash.encode() + str(first).encode()).hexdigest()
            self.blocks.append(Block(previous.height + 1, block_hash, first, first + VERSIONS_PER_BLOCK - 1,
                                     previous.timestamp_us + 250_000, dict(self.coin), dict(self.fa), dict(self.auth)))
        return self.head

    @property
    def head(self) -> int:
        return self.blocks[-1].height

    def block_at_version(self, version: int) -> Block:
        """The newest block whose state is complete at `version` (the stand-in commits state per block)."""
        for block in reversed(self.blocks):
            if block.last_version <= version:
                return block
        return self.blocks[0]

    def balance(self, owner: str, height: int | None = None, metadata: str | None = None) -> int:
        block = self.blocks[self.head if height is None else height]
        owner = norm(owner)
        if metadata is None:
            return block.coin.get(owner, 0) + block.fa.get((owner, APT_METADATA), 0)
        return block.fa.get((owner, norm(metadata)), 0)


@dataclass
class Faults:
    oldest_block: int = 0  # blocks (and their versions) below this height are pruned
    oldest_state_version: int = 0  # state below this version is pruned even where the block is kept
    views_pruned: bool = False  # every view call answers 410 version_pruned (state gone, GET /v1 not saying so)
    rate_limited: int = 0
    retry_after: str = "1"
    server_errors: int = 0
    malformed: set[str] = field(default_factory=set)  # owners whose balances come back as garbage
    wrong_type: set[str] = field(default_factory=set)  # owners whose resource reply names another type


class AptosServer:
    def __init__(self, chain: AptosChain) -> None:
        self.chain = chain
        self.faults = Faults()
        self.requests: dict[str, int] = {}  # route -> count
        self.http_requests = 0
        self.rate_limited_at: list[float] = []
        self.url = ""
        self._runner: web.AppRunner | None = None

    def app(self) -> web.Application:
        app = web.Application(middlewares=[self._middleware])
        app.router.add_get("/v1", self.ledger_info)
        app.router.add_get("/v1/", self.ledger_info)
        app.router.add_get("/v1/blocks/by_height/{height}", self.block_by_height)
        app.router.add_get("/v1/accounts/{address}/resource/{tag}", self.resource)
        app.router.add_post("/v1/view", self.view)
        return app

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        self._runner = web.AppRunner(self.app(), access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, host, port).start()
        bound = self._runner.addresses[0]
        self.url = f"http://{bound[0]}:{bound[1]}/v1"
        return self.url

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    @property
    def oldest_version(self) -> int:
        block = self.chain.blocks[min(self.faults.oldest_block, self.chain.head)]
        return max(block.first_version, self.faults.oldest_state_version)

    def _headers(self) -> dict[str, str]:
        head = self.chain.blocks[-1]
        return {"X-Aptos-Chain-Id": str(self.chain.chain_id), "X-Aptos-Ledger-Version": str(head.last_version),
                "X-Aptos-Ledger-Oldest-Version": str(self.oldest_version), "X-Aptos-Epoch": "1",
                "X-Aptos-Block-Height": str(head.height), "X-Aptos-Oldest-Block-Height": str(self.faults.oldest_block),
                "X-Aptos-Ledger-TimestampUsec": str(head.timestamp_us)}

    @web.middleware
    async def _middleware(self, request: web.Request, handler: Any) -> web.StreamResponse:
        self.http_requests += 1
        route = request.match_info.route.resource.canonical if request.match_info.route.resource else request.path
        self.requests[route] = self.requests.get(route, 0) + 1
        if self.faults.rate_limited > 0:
            self.faults.rate_limited -= 1
            self.rate_limited_at.append(time.monotonic())
            return self._error(429, "Too many requests", "web_framework_error",
                               {"Retry-After": self.faults.retry_after})
        if self.faults.server_errors > 0:
            self.faults.server_errors -= 1
            return self._error(503, "Service unavailable", "internal_error")
        return await handler(request)

    def _json(self, value: Any) -> web.Response:
        return web.json_response(value, headers=self._headers())

    def _error(self, status: int, message: str, code: str, headers: dict[str, str] | None = None) -> web.Response:
        return web.json_response({"message": message, "error_code": code, "vm_error_code": None}, status=status,
                                 headers={**self._headers(), **(headers or {})})

    def _version(self, request: web.Request) -> tuple[Block | None, web.Response | None]:
        text = request.query.get("ledger_version")
        newest = self.chain.blocks[-1].last_version
        if text is None:
            return self.chain.blocks[-1], None
        if not text.isdigit():
            return None, self._error(400, f"Failed to parse ledger_version: {text}", "web_framework_error")
        version = int(text)
        if version > newest:
            return None, self._error(404, f"Ledger version({version}) not found, latest ledger version({newest})",
                                     "version_not_found")
        if version < self.oldest_version:
            return None, self._error(410, f"Ledger version({version}) has been pruned", "version_pruned")
        return self.chain.block_at_version(version), None

    # ---- routes -------------------------------------------------------------------------------------

    async def ledger_info(self, request: web.Request) -> web.Response:
        head = self.chain.blocks[-1]
        return self._json({
            "chain_id": self.chain.chain_id, "epoch": "1", "ledger_version": str(head.last_version),
            "oldest_ledger_version": str(self.oldest_version), "ledger_timestamp": str(head.timestamp_us),
            "node_role": "full_node", "oldest_block_height": str(self.faults.oldest_block),
            "block_height": str(head.height), "git_hash": "0" * 40,
        })

    async def block_by_height(self, request: web.Request) -> web.Response:
        text = request.match_info["height"]
        if not text.isdigit():
            return self._error(400, f"Failed to parse path param block_height: {text}", "web_framework_error")
        height = int(text)
        if height > self.chain.head:
            return self._error(404, f"Block not found by height({height})", "block_not_found")
        if height < self.faults.oldest_block:
            return self._error(410, f"Block({height}) has been pruned", "block_pruned")
        block = self.chain.blocks[height]
        return self._json({"block_height": str(block.height), "block_hash": block.block_hash,
                           "block_timestamp": str(block.timestamp_us), "first_version": str(block.first_version),
                           "last_version": str(block.last_version), "transactions": None})

    async def resource(self, request: web.Request) -> web.Response:
        block, error = self._version(request)
        if error is not None:
            return error
        assert block is not None
        try:
            owner = norm(request.match_info["address"])
        except ValueError:
            return self._error(400, "invalid address", "invalid_input")
        tag = request.match_info["tag"]
        handle = {"counter": "0", "guid": {"id": {"addr": owner, "creation_num": "2"}}}
        if tag == ACCOUNT and owner in block.auth:
            offer = {"for": {"vec": []}}
            return self._json({"type": tag, "data": {
                "authentication_key": block.auth[owner], "coin_register_events": handle, "guid_creation_num": "4",
                "key_rotation_events": handle, "rotation_capability_offer": offer, "sequence_number": "3",
                "signer_capability_offer": offer}})
        value = block.coin.get(owner) if tag == COIN_STORE else None
        if value is None:
            return self._error(404, f"Resource not found by Address({owner}), Struct tag({tag}) and Ledger "
                                    f"version({block.last_version})", "resource_not_found")
        shown = "0x1::coin::CoinStore<0x1::other::Coin>" if owner in self.faults.wrong_type else tag
        data = {"coin": {"value": "1e5" if owner in self.faults.malformed else str(value)},
                "deposit_events": handle, "frozen": False, "withdraw_events": handle}
        return self._json({"type": shown, "data": data})

    async def view(self, request: web.Request) -> web.Response:
        block, error = self._version(request)
        if error is not None:
            return error
        assert block is not None
        if self.faults.views_pruned:
            return self._error(410, f"Ledger version({request.query.get('ledger_version')}) has been pruned",
                               "version_pruned")
        body = await request.json()
        if body.get("function") != "0x1::primary_fungible_store::balance":
            return self._error(400, f"Invalid function: {body.get('function')}", "invalid_input")
        if body.get("type_arguments") != ["0x1::fungible_asset::Metadata"]:
            return self._error(400, "Invalid type arguments", "invalid_input")
        args = body.get("arguments")
        try:
            owner, metadata = (norm(str(a)) for a in args)
        except (TypeError, ValueError):
            return self._error(400, f"Invalid arguments: {args}", "invalid_input")
        if owner in self.faults.malformed:
            return self._json(["-17"])
        return self._json([str(block.fa.get((owner, metadata), 0))])


@asynccontextmanager
async def running_server(chain: AptosChain) -> AsyncIterator[AptosServer]:
    server = AptosServer(chain)
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


class AptosServerThread(ServerThread[AptosServer]):
    """The server on its own event loop in a daemon thread, for tests that run the CLI."""

    def __init__(self, chain: AptosChain) -> None:
        super().__init__(AptosServer(chain))
