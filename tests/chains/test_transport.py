"""The shared HTTP transport against a local server: Retry-After honoured, retries bounded, JSON-RPC batches
mapped back by id, non-retryable errors surfaced at once."""

from __future__ import annotations

import time

import pytest
from aiohttp import web

from chains.base import DataSourceError, Endpoint
from chains.transport import (
    HttpTransport,
    JsonRpcClient,
    JsonRpcError,
    ReplyMismatch,
    RequestError,
    RetryPolicy,
    TransientError,
    display_url,
    scrub,
)


@pytest.fixture
async def server(aiohttp_unused_port=None):
    state = {"calls": 0, "script": []}

    async def handle(request: web.Request) -> web.Response:
        state["calls"] += 1
        action = state["script"].pop(0) if state["script"] else "ok"
        if action == "429":
            return web.Response(status=429, headers={"Retry-After": "1"})
        if action == "503":
            return web.Response(status=503)
        if action == "400":
            return web.Response(status=400, text="bad request body")
        if action == "redirect":
            raise web.HTTPFound(location=str(request.url))
        body = await request.json()
        if isinstance(body, list):  # answer a batch out of order, with one per-call error
            replies = [
                {"jsonrpc": "2.0", "id": item["id"], "result": item["params"][0]} if item["params"][0] != "boom"
                else {"jsonrpc": "2.0", "id": item["id"], "error": {"code": -32000, "message": "boom"}}
                for item in reversed(body)
            ]
            return web.json_response(replies)
        return web.json_response({"jsonrpc": "2.0", "id": body["id"], "result": body["params"]})

    app = web.Application()
    app.router.add_post("/{tail:.*}", handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]
    state["url"] = f"http://127.0.0.1:{port}/"
    yield state
    await runner.cleanup()


def _client(url: str, **settings) -> JsonRpcClient:
    endpoint = Endpoint(url=url, backend="jsonrpc", display=display_url(url), **({"retries": 4} | settings))
    return JsonRpcClient(HttpTransport(endpoint, backoff_initial=0.01, backoff_max=0.05), url)


async def test_retry_after_is_honoured(server):
    server["script"] = ["429"]
    client = _client(server["url"])
    started = time.monotonic()
    assert await client.call("echo", [1]) == [1]
    assert time.monotonic() - started >= 0.95  # waited the server's Retry-After, not our 10 ms backoff
    assert server["calls"] == 2
    await client.transport.aclose()


async def test_retries_are_bounded(server):
    server["script"] = ["503"] * 10
    client = _client(server["url"], retries=3)
    with pytest.raises(DataSourceError, match="no answer after 3 attempts"):
        await client.call("echo", [1])
    assert server["calls"] == 3
    await client.transport.aclose()


async def test_client_errors_are_not_retried(server):
    server["script"] = ["400"]
    client = _client(server["url"])
    with pytest.raises(RequestError, match="HTTP 400"):
        await client.call("echo", [1])
    assert server["calls"] == 1
    await client.transport.aclose()


async def test_batch_results_follow_call_order(server):
    client = _client(server["url"])
    results = await client.batch([("echo", ["a"]), ("echo", ["boom"]), ("echo", ["c"])])
    assert results[0] == "a" and results[2] == "c"
    assert isinstance(results[1], JsonRpcError) and "boom" in str(results[1])
    await client.transport.aclose()


async def test_redirects_are_refused_and_errors_carry_no_secret(server):
    server["script"] = ["redirect"]
    url = server["url"].replace("http://", "http://user:hunter2@") + "v3/SECRETKEY"
    client = _client(url)
    with pytest.raises(RequestError, match="redirect refused") as error:
        await client.call("echo", [1])
    assert server["calls"] == 1 and "SECRETKEY" not in str(error.value)
    await client.transport.aclose()


async def test_bad_url_error_carries_no_secret():
    client = _client("htps://mainnet.example/v3/SECRETKEY")
    with pytest.raises(RequestError) as error:
        await client.call("echo", [1])
    assert "SECRETKEY" not in str(error.value)
    await client.transport.aclose()


def test_scrub_masks_each_secret_piece():
    url = "https://user:pa%40ss@mainnet.example.com/v3/0123456789abcdef?apikey=KEY123456&chain=1"
    text = "invalid project id 0123456789abcdef; key KEY123456; pass pa@ss; JSON-RPC method not found at /v3"
    cleaned = scrub(text, url)
    assert "0123456789abcdef" not in cleaned and "KEY123456" not in cleaned and "pa@ss" not in cleaned
    assert "method not found" in cleaned and "/v3" in cleaned  # short, ordinary pieces stay readable


def test_display_url_hides_secrets():
    assert display_url("https://user:secret@mainnet.example.com:8443/v3/APIKEY?key=x") == (
        "https://mainnet.example.com:8443"
    )


# ---- replies bound to their requests (JSON-RPC 2.0: "id ... MUST be the same as the value of the id member in the
# Request Object"; a batch is answered by an array, in any order: https://www.jsonrpc.org/specification) ----------


@pytest.fixture
async def rewriter():
    """A JSON-RPC server echoing each call's first param, whose replies a test rewrites (`state["rewrite"]`)."""
    state: dict = {"rewrite": None}

    async def handle(request: web.Request) -> web.Response:
        body = await request.json()
        if isinstance(body, list):
            replies = [{"jsonrpc": "2.0", "id": item["id"], "result": item["params"][0]} for item in body]
        else:
            replies = {"jsonrpc": "2.0", "id": body["id"], "result": body["params"][0]}
        if state["rewrite"] is not None:
            replies = state["rewrite"](replies)
        return web.json_response(replies)

    app = web.Application()
    app.router.add_post("/", handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    state["url"] = f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}/"
    yield state
    await runner.cleanup()


@pytest.mark.parametrize("reply_id", [None, 999, "1", True])
async def test_a_single_reply_with_another_id_is_not_an_answer(rewriter, reply_id):
    rewriter["rewrite"] = lambda reply: {**reply, "id": reply_id}
    client = _client(rewriter["url"])
    with pytest.raises(ReplyMismatch, match=rf"the reply carries id {reply_id!r}, the request id 1"):
        await client.call("echo", ["a"])
    await client.transport.aclose()


async def test_a_stale_reply_is_refused_and_the_next_call_is_bound_again(rewriter):
    previous: list = []

    def stale(reply):  # answers the second call with the first call's reply
        previous.append(reply)
        return previous[0]

    rewriter["rewrite"] = stale
    client = _client(rewriter["url"])
    assert await client.call("echo", ["first"]) == "first"
    with pytest.raises(ReplyMismatch):
        await client.call("echo", ["second"])
    rewriter["rewrite"] = None
    assert await client.call("echo", ["third"]) == "third"
    await client.transport.aclose()


@pytest.mark.parametrize(("rewrite", "expected"), [
    # the second reply relabelled with the first's id: neither call gets an answer
    (lambda r: [r[0], {**r[1], "id": r[0]["id"]}, r[2]], ["more than once", "no reply with id", "c"]),
    (lambda r: r[:2], ["a", "b", "no reply with id"]),  # one missing
    (lambda r: [*r, {"jsonrpc": "2.0", "id": 99, "result": "z"}], ["a", "b", "c"]),  # an id not asked: ignored
    (lambda r: [{**item, "id": item["id"] + 100} for item in r], ["no reply with id"] * 3),  # another batch's ids
    (lambda r: [r[0], {**r[1], "id": True}, r[2]], ["a", "no reply with id", "c"]),  # true is not the id 1
    (lambda r: [r[1], r[2], r[0]], ["a", "b", "c"]),  # any order is fine
])
async def test_batch_replies_are_bound_by_id(rewriter, rewrite, expected):
    rewriter["rewrite"] = lambda replies: rewrite(replies) if isinstance(replies, list) else replies
    client = _client(rewriter["url"])
    await client.call("echo", ["warm-up"])  # ids 2-4 for the batch: `True` must not pass for an id
    results = await client.batch([("echo", ["a"]), ("echo", ["b"]), ("echo", ["c"])])
    for result, wanted in zip(results, expected, strict=True):
        if wanted in ("a", "b", "c"):
            assert result == wanted
        else:
            assert isinstance(result, ReplyMismatch) and wanted in str(result)
    await client.transport.aclose()


async def test_retry_policy_is_bounded_and_honours_retry_after():
    policy = RetryPolicy(3, backoff_initial=0.01, backoff_max=0.02)
    attempts = []

    async def flaky():
        attempts.append(time.monotonic())
        raise TransientError("HTTP 503", retry_after=0.3 if len(attempts) == 1 else None)

    with pytest.raises(DataSourceError, match="gave up: HTTP 503"):
        await policy.run(flaky, TransientError, lambda exc: DataSourceError(f"gave up: {exc}"))
    assert len(attempts) == 3
    assert attempts[1] - attempts[0] >= 0.3 and attempts[2] - attempts[1] < 0.2
    assert RetryPolicy(1, retry_after_max=5).delay(1, retry_after=3600) <= 5.3  # a server asking an hour: capped


async def test_electrum_socket_shares_the_rate_limit_and_retry_policy():
    """Electrum's socket goes through the same RateLimiter and RetryPolicy as HTTP: `requests_per_second` spaces
    its batches, and a refused connection is retried `retries` times."""
    import asyncio
    import json as json_module

    from chains.utxo.electrum import ElectrumConnection

    async def serve(reader, writer):
        while line := await reader.readline():
            request = json_module.loads(line)
            items = request if isinstance(request, list) else [request]
            replies = [{"jsonrpc": "2.0", "id": item["id"], "result": "ok"} for item in items]
            writer.write(json_module.dumps(replies if isinstance(request, list) else replies[0]).encode() + b"\n")
            await writer.drain()
        writer.close()

    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    url = f"tcp://127.0.0.1:{server.sockets[0].getsockname()[1]}"
    connection = ElectrumConnection(Endpoint(url=url, backend="electrum", display=url, requests_per_second=10))
    started = time.monotonic()
    try:
        for _ in range(4):
            assert await connection.batch([("server.ping", [])]) == ["ok"]
    finally:
        await connection.close()
        server.close()
        await server.wait_closed()
    assert time.monotonic() - started >= 0.3  # 4 batches at 10/s: 3 intervals of 0.1 s at least
    assert isinstance(connection.retry, RetryPolicy) and connection.retry.attempts == 5


async def test_electrum_batch_reply_with_a_repeated_id_answers_neither_call():
    """A batch reply holding an extra item under the first call's id, ahead of the right one (a reply to another
    request mixed in): the first call gets an error, never "z"; the others their own results."""
    import asyncio
    import json as json_module

    from chains.utxo.electrum import ElectrumConnection, ElectrumError

    async def serve(reader, writer):
        while line := await reader.readline():
            request = json_module.loads(line)
            if isinstance(request, dict):  # server.version
                reply = {"jsonrpc": "2.0", "id": request["id"], "result": ["stub", "1.4"]}
            else:
                reply = [{"jsonrpc": "2.0", "id": item["id"], "result": item["params"][0]} for item in request]
                reply.insert(0, {"jsonrpc": "2.0", "id": request[0]["id"], "result": "z"})
            writer.write(json_module.dumps(reply).encode() + b"\n")
            await writer.drain()
        writer.close()

    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    url = f"tcp://127.0.0.1:{server.sockets[0].getsockname()[1]}"
    connection = ElectrumConnection(Endpoint(url=url, backend="electrum", display=url, timeout_seconds=2))
    try:
        first, second, third = await connection.batch([("echo", ["a"]), ("echo", ["b"]), ("echo", ["c"])])
    finally:
        await connection.close()
        server.close()
        await server.wait_closed()
    assert isinstance(first, ElectrumError) and "more than once" in str(first)
    assert (second, third) == ("b", "c")
