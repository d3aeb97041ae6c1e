"""A small headless-Chromium driver over the DevTools protocol (aiohttp's websocket client), for the browser
tests: navigate, fill, submit, read the DOM, record dialogs and every network request, take screenshots."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import itertools
import json
import re
import shutil
import tempfile
from pathlib import Path
from typing import Any

import aiohttp

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--remote-debugging-port=0",
    "--window-size=1280,900",
)
LISTENING = re.compile(rb"DevTools listening on (ws://\S+)")


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


class BrowserError(RuntimeError):
    pass


class Browser:
    def __init__(self) -> None:
        self._ids = itertools.count(1)
        self._pending: dict[int, asyncio.Future[dict[str, Any]]] = {}
        self._waiters: list[tuple[str, asyncio.Future[dict[str, Any]]]] = []
        self.dialogs: list[str] = []
        self.requests: list[str] = []
        self.console_errors: list[str] = []
        self._session_id = ""
        self.width = 1280

    async def start(self) -> None:
        self._profile = tempfile.mkdtemp(prefix="okno-chromium-")
        self._proc = await asyncio.create_subprocess_exec(
            str(CHROMIUM),
            *FLAGS,
            f"--user-data-dir={self._profile}",
            "about:blank",
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE,
        )
        assert self._proc.stderr is not None
        url = None
        async with asyncio.timeout(60):
            while url is None:
                line = await self._proc.stderr.readline()
                if not line:
                    raise BrowserError("chromium exited before DevTools was listening")
                found = LISTENING.search(line)
                url = found.group(1).decode() if found else None
        self._drain = asyncio.create_task(self._drain_stderr())
        self._http = aiohttp.ClientSession()
        self._ws = await self._http.ws_connect(url, max_msg_size=0)
        self._reader = asyncio.create_task(self._read())
        target = await self.send("Target.createTarget", {"url": "about:blank"}, session=False)
        attached = await self.send(
            "Target.attachToTarget", {"targetId": target["targetId"], "flatten": True}, session=False
        )
        self._session_id = attached["sessionId"]
        for domain in ("Page", "Runtime", "Network"):
            await self.send(f"{domain}.enable")
        await self.viewport(1280, 900)

    async def viewport(self, width: int, height: int, *, mobile: bool = False) -> None:
        self.width = width
        metrics = {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": mobile}
        await self.send("Emulation.setDeviceMetricsOverride", metrics)

    async def _drain_stderr(self) -> None:
        assert self._proc.stderr is not None
        while await self._proc.stderr.readline():
            pass

    async def _read(self) -> None:
        async for message in self._ws:
            if message.type != aiohttp.WSMsgType.TEXT:
                continue
            data = json.loads(message.data)
            if "id" in data:
                future = self._pending.pop(data["id"], None)
                if future is not None and not future.done():
                    if "error" in data:
                        future.set_exception(BrowserError(str(data["error"])))
                    else:
                        future.set_result(data.get("result", {}))
                continue
            self._on_event(data.get("method", ""), data.get("params", {}))

    def _on_event(self, method: str, params: dict[str, Any]) -> None:
        if method == "Page.javascriptDialogOpening":
            self.dialogs.append(str(params.get("message")))
            asyncio.get_running_loop().create_task(
                self.send("Page.handleJavaScriptDialog", {"accept": False})
            )
        elif method == "Network.requestWillBeSent":
            self.requests.append(str(params.get("request", {}).get("url")))
        elif method == "Runtime.exceptionThrown":
            self.console_errors.append(json.dumps(params.get("exceptionDetails", {}))[:500])
        for name, future in list(self._waiters):
            if name == method and not future.done():
                future.set_result(params)
                self._waiters.remove((name, future))

    async def send(self, method: str, params: dict[str, Any] | None = None, *, session: bool = True) -> Any:
        ident = next(self._ids)
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._pending[ident] = future
        message: dict[str, Any] = {"id": ident, "method": method, "params": params or {}}
        if session and self._session_id:
            message["sessionId"] = self._session_id
        await self._ws.send_str(json.dumps(message))
        async with asyncio.timeout(30):
            return await future

    def _expect(self, method: str) -> asyncio.Future[dict[str, Any]]:
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._waiters.append((method, future))
        return future

    async def goto(self, url: str) -> None:
        loaded = self._expect("Page.loadEventFired")
        await self.send("Page.navigate", {"url": url})
        async with asyncio.timeout(30):
            await loaded

    async def eval(self, expression: str) -> Any:
        result = await self.send(
            "Runtime.evaluate", {"expression": expression, "returnByValue": True, "awaitPromise": True}
        )
        if "exceptionDetails" in result:
            raise BrowserError(json.dumps(result["exceptionDetails"])[:500])
        return result.get("result", {}).get("value")

    async def fill(self, selector: str, value: str) -> None:
        ok = await self.eval(
            f"(() => {{ const e = document.querySelector({json.dumps(selector)}); if (!e) return false;"
            f" e.value = {json.dumps(value)};"
            " e.dispatchEvent(new Event('input', {bubbles: true})); return true; })()"
        )
        if not ok:
            raise BrowserError(f"no element {selector!r}")

    async def pick_file(self, selector: str, path: Path) -> None:
        """Puts a file into an <input type=file>, as the member's file dialog would."""
        root = await self.send("DOM.getDocument")
        found = await self.send("DOM.querySelector", {"nodeId": root["root"]["nodeId"], "selector": selector})
        if not found.get("nodeId"):
            raise BrowserError(f"no element {selector!r}")
        await self.send("DOM.setFileInputFiles", {"files": [str(path)], "nodeId": found["nodeId"]})

    async def click(self, selector: str, *, navigates: bool = True) -> None:
        loaded = self._expect("Page.loadEventFired") if navigates else None
        ok = await self.eval(
            f"(() => {{ const e = document.querySelector({json.dumps(selector)}); if (!e) return false;"
            " e.click(); return true; })()"
        )
        if not ok:
            raise BrowserError(f"no element {selector!r}")
        if loaded is not None:
            async with asyncio.timeout(30):
                await loaded

    async def text(self, selector: str = "body") -> str:
        return str(
            await self.eval(f"(document.querySelector({json.dumps(selector)}) || {{}}).innerText || ''")
        )

    async def count(self, selector: str) -> int:
        return int(await self.eval(f"document.querySelectorAll({json.dumps(selector)}).length"))

    @property
    async def path(self) -> str:
        return str(await self.eval("location.pathname + location.search"))

    async def screenshot(self, path: Path) -> None:
        metrics = await self.send("Page.getLayoutMetrics")
        height = int(min(metrics["cssContentSize"]["height"], 4000))
        shot = await self.send(
            "Page.captureScreenshot",
            {
                "format": "png",
                "captureBeyondViewport": True,
                "clip": {"x": 0, "y": 0, "width": self.width, "height": max(height, 300), "scale": 1},
            },
        )
        await asyncio.to_thread(_write, path, base64.b64decode(shot["data"]))

    async def close(self) -> None:
        with contextlib.suppress(Exception):
            async with asyncio.timeout(5):
                await self.send("Browser.close", session=False)
        self._reader.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await self._reader
        await self._ws.close()
        await self._http.close()
        try:
            async with asyncio.timeout(10):
                await self._proc.wait()
        except TimeoutError:
            self._proc.kill()
            await self._proc.wait()
        self._drain.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._drain
        shutil.rmtree(self._profile, ignore_errors=True)
