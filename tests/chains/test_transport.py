"""The shared HTTP transport against a local server: Retry-After honoured, retries bounded, JSON-RPC batches
mapped back by id, non-retryable errors surfaced at once."""

from __future__ import annotations

import time

import pytest
from aiohttp import web

from chains.base import DataSourceError, Endpoint
from chains.transport import HttpTransport, JsonRpcClient, JsonRpcError, RequestError, display_url, scrub


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
