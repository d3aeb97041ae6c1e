"""A loopback Telegram Bot API: the real URL layout (/bot<token>/<method>, /file/bot<token>/<path>), the real
envelopes ({"ok": true, "result": …} / {"ok": false, "error_code": …, "description": …}), parameter checks and
errors (400, 401, 403, 404, 409, 429 with retry_after). Tests inject updates (getUpdates or pushed to a set
webhook with the secret header) and read the calls bots made. aiogram's Bot talks to it through
`TelegramAPIServer.from_base(url)`."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import itertools
import json
import time
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from aiohttp import web

from sandbox.telegram_methods import METHODS
from sandbox.telegram_state import ApiError, BotState, Call, FileEntry

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105 (a header name)
# Parameters that travel as JSON-serialized strings in form-encoded requests.
JSON_PARAMS = {"reply_parameters", "reply_markup", "media", "allowed_updates", "entities", "caption_entities"}


@dataclass
class Failure:
    code: int
    description: str
    retry_after: int | None = None


@dataclass
class TelegramSandbox:
    """One stand-in for any number of bots (add_bot). Files are shared, like Telegram's file storage."""

    bots: dict[str, BotState] = field(default_factory=dict)
    files: dict[str, FileEntry] = field(default_factory=dict)
    calls: list[Call] = field(default_factory=list)
    failures: dict[str, list[Failure]] = field(default_factory=dict)
    blocked_chats: set[int] = field(default_factory=set)
    webhook_deliveries: list[tuple[str, int]] = field(default_factory=list)  # (url, HTTP status)
    require_https: bool = False  # Telegram does; loopback tests cannot
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _pushers: dict[str, asyncio.Task[None]] = field(default_factory=dict)

    # --- what tests use -------------------------------------------------------------------------------
    def add_bot(self, token: str, username: str = "okno_client_bot") -> BotState:
        bot_id = int(token.split(":", 1)[0]) if token.split(":", 1)[0].isdigit() else next(self._ids) + 10**9
        state = BotState(token=token, bot_id=bot_id, username=username)
        self.bots[token] = state
        return state

    def inject(self, token: str, update: dict[str, Any]) -> int:
        """Queue an update for getUpdates, or push it to the bot's webhook when one is set."""
        bot = self.bots[token]
        update = dict(update)
        update.setdefault("update_id", bot.next_update_id())
        bot.next_update = max(bot.next_update, int(update["update_id"]) + 1)
        bot.pending.append(update)
        bot.arrived.set()
        if bot.webhook_url:
            self._push(bot)
        return int(update["update_id"])

    def add_file(self, data: bytes, *, size: int | None = None, path: str | None = None) -> str:
        """A file Telegram holds (as if a client sent it); `size` fakes a bigger file for limit tests."""
        file_id = "F" + hashlib.sha256(data + str(len(self.files)).encode()).hexdigest()[:30]
        unique = hashlib.sha256(data).hexdigest()[:16]
        self.files[file_id] = FileEntry(
            file_id, unique, data, size or len(data), path or f"documents/{unique}"
        )
        return file_id

    def fail_next(self, method: str, code: int, description: str, *, retry_after: int | None = None) -> None:
        self.failures.setdefault(method, []).append(Failure(code, description, retry_after))

    def sent(self, method: str | None = None) -> list[dict[str, Any]]:
        """Parameters of the successful calls of `method` (all methods when None), in order."""
        return [c.params for c in self.calls if c.ok and (method is None or c.method == method)]

    async def flush(self, timeout: float = 10.0) -> None:
        """Wait until every pushed update was delivered to its webhook."""
        deadline = time.monotonic() + timeout
        while any(not t.done() for t in self._pushers.values()):
            if time.monotonic() > deadline:
                raise TimeoutError("webhook deliveries still running")
            await asyncio.sleep(0.01)

    async def close(self) -> None:
        for task in self._pushers.values():
            task.cancel()
        await asyncio.gather(*self._pushers.values(), return_exceptions=True)

    # --- the HTTP face --------------------------------------------------------------------------------
    def app(self) -> web.Application:
        app = web.Application(client_max_size=60 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self.handle)
        app.router.add_get("/file/bot{token}/{path:.+}", self.download)
        app.on_cleanup.append(lambda _app: self.close())
        return app

    async def handle(self, request: web.Request) -> web.Response:
        token, method = request.match_info["token"], request.match_info["method"]
        bot = self.bots.get(token)
        if bot is None:
            return _error(401, "Unauthorized")
        name = _canonical(method)
        params = await _params(request, self)
        call = Call(name, token, params, time.time())
        self.calls.append(call)
        if name not in METHODS:
            return _error(404, "Not Found")
        try:
            if failure := self._injected_failure(name):
                raise ApiError(failure.code, failure.description, failure.retry_after)
            result = await METHODS[name](self, bot, params)
        except ApiError as exc:
            call.error = exc.description
            return _error(exc.code, exc.description, exc.retry_after)
        call.ok = True
        return web.json_response({"ok": True, "result": result})

    async def download(self, request: web.Request) -> web.Response:
        if request.match_info["token"] not in self.bots:
            return _error(401, "Unauthorized")
        path = request.match_info["path"]
        entry = next((f for f in self.files.values() if f.path == path), None)
        if entry is None:
            return _error(404, "Not Found")
        return web.Response(body=entry.data, content_type="application/octet-stream")

    def _injected_failure(self, method: str) -> Failure | None:
        queued = self.failures.get(method)
        return queued.pop(0) if queued else None

    def _push(self, bot: BotState) -> None:
        running = self._pushers.get(bot.token)
        if running is None or running.done():
            self._pushers[bot.token] = asyncio.create_task(self._deliver(bot))

    async def _deliver(self, bot: BotState) -> None:
        """Like Telegram: one update at a time, in order, retried until the webhook answers 2xx."""
        async with aiohttp.ClientSession() as http:
            while bot.pending and bot.webhook_url:
                update = bot.pending[0]
                headers = {SECRET_HEADER: bot.webhook_secret} if bot.webhook_secret else {}
                status, answer = 0, None
                with contextlib.suppress(aiohttp.ClientError):
                    async with http.post(bot.webhook_url, json=update, headers=headers) as response:
                        status = response.status
                        with contextlib.suppress(aiohttp.ContentTypeError, ValueError):
                            answer = await response.json()
                self.webhook_deliveries.append((bot.webhook_url, status))
                if 200 <= status < 300 or status in (400, 403):  # Telegram gives up on refusals, too
                    bot.pending.pop(0)
                if 200 <= status < 300 and isinstance(answer, dict) and "method" in answer:
                    await self._reply_method(bot, answer)
                else:
                    await asyncio.sleep(0.05)

    async def _reply_method(self, bot: BotState, answer: dict[str, Any]) -> None:
        """A webhook may answer with one Bot API call in its reply's body ("method" and its parameters);
        Telegram makes that call, its result unseen by the bot."""
        name = _canonical(str(answer["method"]))
        params = {k: v for k, v in answer.items() if k != "method"}
        call = Call(name, bot.token, params, time.time())
        self.calls.append(call)
        if name not in METHODS:
            return
        try:
            await METHODS[name](self, bot, params)
        except ApiError as exc:
            call.error = exc.description
            return
        call.ok = True


def _canonical(method: str) -> str:
    """Method names are case-insensitive in the Bot API."""
    lowered = method.lower()
    return next((m for m in METHODS if m.lower() == lowered), method)


async def _params(request: web.Request, sandbox: TelegramSandbox) -> dict[str, Any]:
    params: dict[str, Any] = dict(request.query)
    if request.content_type == "application/json":
        with contextlib.suppress(json.JSONDecodeError, UnicodeDecodeError):
            body = await request.json()
            if isinstance(body, dict):
                params.update(body)
        return params
    if request.method == "POST":
        form = await request.post()
        uploads: dict[str, str] = {}
        for key, value in form.items():
            if isinstance(value, web.FileField):
                params[key] = uploads[key] = "attach://" + sandbox.add_file(
                    value.file.read(), path=f"uploads/{value.filename}"
                )
            else:
                params[key] = value
        # document=attach://<field> names the upload in that field, as Telegram reads it (aiogram sends so).
        for key, value in list(params.items()):
            if isinstance(value, str) and value.removeprefix("attach://") in uploads and key not in uploads:
                params[key] = uploads[value.removeprefix("attach://")]
    for key in JSON_PARAMS & params.keys():
        if isinstance(params[key], str):
            with contextlib.suppress(json.JSONDecodeError):
                params[key] = json.loads(params[key])
    return params


def _error(code: int, description: str, retry_after: int | None = None) -> web.Response:
    body: dict[str, Any] = {"ok": False, "error_code": code, "description": description}
    if retry_after is not None:
        body["parameters"] = {"retry_after": retry_after}
    return web.json_response(body, status=code)


def main() -> None:
    """`python -m sandbox.telegram TOKEN [PORT]`: a stand-alone loopback Bot API for manual runs."""
    import sys

    stand_in = TelegramSandbox()
    stand_in.add_bot(sys.argv[1] if len(sys.argv) > 1 else "123456789:SANDBOX-token")
    web.run_app(stand_in.app(), host="127.0.0.1", port=int(sys.argv[2]) if len(sys.argv) > 2 else 8081)


if __name__ == "__main__":
    main()
