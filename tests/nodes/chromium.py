"""A real headless Chromium (Debian's `chromium` package) driven over the Chrome DevTools Protocol.

Started per use with a fresh --user-data-dir, headless, --no-sandbox, --disable-gpu and no network: every host
name resolves to nothing, a dead proxy catches the rest, and the test also records every request the page makes
(Network.requestWillBeSent) so a page that tries to fetch anything is caught, not just blocked.

Protocol reference: https://chromedevtools.github.io/devtools-protocol/ (Target.createTarget,
Target.attachToTarget with flatten, Page.navigate / Page.loadEventFired, Runtime.evaluate,
Runtime.consoleAPICalled, Runtime.exceptionThrown, Log.entryAdded, Page.captureScreenshot). The browser writes
its websocket path to `<user-data-dir>/DevToolsActivePort` when started with --remote-debugging-port=0.
"""

from __future__ import annotations

import asyncio
import base64
import itertools
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any

import aiohttp

from auditor.demo.processes import stop_process

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


class BrowserError(RuntimeError):
    pass


class Chromium:
    """`async with Chromium(tmp_dir) as browser: page = await browser.open(url)`."""

    def __init__(self, work_dir: Path, width: int = 1280, height: int = 900) -> None:
        if CHROMIUM is None:
            raise BrowserError("chromium is not installed (apt-get install -y chromium)")
        self.profile = work_dir / "chromium-profile"
        self.width, self.height = width, height
        self.process: subprocess.Popen | None = None
        self._session: aiohttp.ClientSession | None = None
        self._socket: aiohttp.ClientWebSocketResponse | None = None
        self._ids = itertools.count(1)
        self._pending: dict[int, asyncio.Future] = {}
        self._reader: asyncio.Task | None = None
        self.events: list[dict[str, Any]] = []
        self._listeners: list[tuple[str, asyncio.Future]] = []

    async def __aenter__(self) -> Chromium:
        self.profile.mkdir(parents=True)
        self.process = subprocess.Popen(
            [CHROMIUM, "--headless=new", "--no-sandbox", "--disable-gpu", "--remote-debugging-port=0",
             f"--user-data-dir={self.profile}", "--no-first-run", "--no-default-browser-check",
             "--disable-extensions", "--disable-background-networking", "--disable-component-update",
             "--disable-sync", "--disable-default-apps", "--metrics-recording-only", "--mute-audio",
             "--host-resolver-rules=MAP * ~NOTFOUND", "--proxy-server=http://127.0.0.1:9",
             "--proxy-bypass-list=<-loopback>",
             f"--window-size={self.width},{self.height}", "about:blank"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        port_file = self.profile / "DevToolsActivePort"
        deadline = time.monotonic() + 60
        while not (port_file.exists() and len(port_file.read_text().splitlines()) >= 2):
            if self.process.poll() is not None:
                raise BrowserError(f"chromium exited with {self.process.returncode}")
            if time.monotonic() > deadline:
                raise BrowserError("chromium did not open its DevTools port within 60 s")
            await asyncio.sleep(0.05)
        port, path = port_file.read_text().splitlines()[:2]
        self._session = aiohttp.ClientSession()
        self._socket = await self._session.ws_connect(f"ws://127.0.0.1:{port}{path}", max_msg_size=0)
        self._reader = asyncio.create_task(self._read())
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        if self._reader is not None:
            self._reader.cancel()
        if self._socket is not None:
            await self._socket.close()
        if self._session is not None:
            await self._session.close()
        stop_process(self.process)

    async def _read(self) -> None:
        assert self._socket is not None
        async for message in self._socket:
            if message.type != aiohttp.WSMsgType.TEXT:
                continue
            data = message.json()
            if "id" in data:
                future = self._pending.pop(data["id"], None)
                if future is not None and not future.done():
                    if "error" in data:
                        future.set_exception(BrowserError(str(data["error"])))
                    else:
                        future.set_result(data.get("result", {}))
                continue
            self.events.append(data)
            for name, waiter in list(self._listeners):
                if data.get("method") == name and not waiter.done():
                    waiter.set_result(data)
                    self._listeners.remove((name, waiter))

    async def send(self, method: str, params: dict[str, Any] | None = None, session: str | None = None,
                   timeout: float = 60) -> dict[str, Any]:
        assert self._socket is not None
        ident = next(self._ids)
        future = asyncio.get_running_loop().create_future()
        self._pending[ident] = future
        message: dict[str, Any] = {"id": ident, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        await self._socket.send_json(message)
        return await asyncio.wait_for(future, timeout)

    def expect(self, method: str) -> asyncio.Future:
        waiter = asyncio.get_running_loop().create_future()
        self._listeners.append((method, waiter))
        return waiter

    async def open(self, url: str, timeout: float = 120) -> Page:
        target = await self.send("Target.createTarget", {"url": "about:blank"})
        attached = await self.send("Target.attachToTarget", {"targetId": target["targetId"], "flatten": True})
        page = Page(self, attached["sessionId"])
        for domain in ("Page", "Runtime", "Log", "Network"):
            await page.send(f"{domain}.enable")
        await page.send("Emulation.setDeviceMetricsOverride",
                        {"width": self.width, "height": self.height, "deviceScaleFactor": 1, "mobile": False})
        loaded = self.expect("Page.loadEventFired")
        began = time.monotonic()
        await page.send("Page.navigate", {"url": url})
        await asyncio.wait_for(loaded, timeout)
        page.load_seconds = time.monotonic() - began
        return page


class Page:
    def __init__(self, browser: Chromium, session: str) -> None:
        self.browser, self.session = browser, session
        self.load_seconds = 0.0

    async def send(self, method: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        return await self.browser.send(method, params, self.session)

    def _events(self, *methods: str) -> list[dict[str, Any]]:
        return [e for e in self.browser.events if e.get("sessionId") == self.session and e.get("method") in methods]

    def console_errors(self) -> list[str]:
        """Console errors, uncaught exceptions and error log entries (CSP violations, failed loads) so far."""
        problems = []
        for event in self._events("Runtime.consoleAPICalled", "Runtime.exceptionThrown", "Log.entryAdded"):
            params = event["params"]
            if event["method"] == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
                problems.append(" ".join(str(a.get("value", a.get("description"))) for a in params.get("args", [])))
            elif event["method"] == "Runtime.exceptionThrown":
                details = params["exceptionDetails"]
                problems.append(str(details.get("exception", {}).get("description") or details.get("text")))
            elif event["method"] == "Log.entryAdded" and params["entry"].get("level") == "error":
                problems.append(params["entry"].get("text", ""))
        return problems

    def requested_urls(self) -> list[str]:
        return [e["params"]["request"]["url"] for e in self._events("Network.requestWillBeSent")]

    async def evaluate(self, expression: str) -> Any:
        result = await self.send("Runtime.evaluate", {"expression": expression, "returnByValue": True,
                                                       "awaitPromise": True})
        if "exceptionDetails" in result:
            raise BrowserError(str(result["exceptionDetails"]))
        return result["result"].get("value")

    async def type_into(self, selector: str, text: str) -> None:
        """Focus the element and type as a user would (real input events, not a value assignment)."""
        await self.evaluate(f"document.querySelector({selector!r}).focus()")
        await self.send("Input.insertText", {"text": text})

    async def wait_for(self, expression: str, timeout: float = 30) -> Any:
        deadline = time.monotonic() + timeout
        while True:
            value = await self.evaluate(expression)
            if value:
                return value
            if time.monotonic() > deadline:
                raise BrowserError(f"timed out waiting for {expression}")
            await asyncio.sleep(0.05)

    async def screenshot(self, path: Path, full_page: bool = True) -> Path:
        params: dict[str, Any] = {"format": "png", "captureBeyondViewport": full_page}
        result = await self.send("Page.captureScreenshot", params)
        path.write_bytes(base64.b64decode(result["data"]))
        return path
