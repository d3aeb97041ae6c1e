"""The demo's stage: okno and the sandbox on loopback ports, embedded defaults, an API account and staff."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web

from okno.app import build_app
from okno.services import Services, build_services
from okno.settings import load_settings
from sandbox.server import RECEIVER, sandbox_app
from sandbox.webhook_receiver import WebhookReceiver
from storage.migrate import upgrade
from storage.repos.accounts import add_channel_account, add_staff
from web.passwords import hash_password


@dataclass
class Stage:
    services: Services
    http: aiohttp.ClientSession
    base_url: str
    sandbox_url: str
    receiver: WebhookReceiver
    api_token: str
    staff_token: str
    runners: list[web.AppRunner] = field(default_factory=list)
    web_password: str = ""  # the demo staff's web UI password (printed when the demo keeps serving)
    assistant: bool = True  # run the assistant scenario on the local model (off: --no-assistant)
    log: list[str] = field(default_factory=list)

    def say(self, line: str) -> None:
        print(line, flush=True)

    async def drain(self) -> None:
        if self.services.inline is not None:
            await self.services.inline.drain(timeout=300)

    async def post_inbound(
        self, body: dict[str, Any], *, token: str | None = None
    ) -> tuple[int, dict[str, Any]]:
        headers = {"Authorization": f"Bearer {token or self.api_token}"}
        async with self.http.post(f"{self.base_url}/api/v1/inbound", json=body, headers=headers) as resp:
            return resp.status, await resp.json()

    async def staff_call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        headers = {"Authorization": f"Bearer {self.staff_token}"}
        async with self.http.request(method, f"{self.base_url}{path}", json=body, headers=headers) as resp:
            resp.raise_for_status()
            return await resp.json()

    async def close(self) -> None:
        await self.http.close()
        for runner in reversed(self.runners):
            await runner.cleanup()
        await self.services.close()


async def _start(app: web.Application, port: int = 0) -> tuple[web.AppRunner, int]:
    """Bind (port 0: the kernel picks a free one, no race with other processes) and return the real port."""
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", port)
    await site.start()
    server = site._server
    assert server is not None and server.sockets  # type: ignore[attr-defined]
    return runner, int(server.sockets[0].getsockname()[1])  # type: ignore[attr-defined]


async def open_stage(data_dir: Path, *, port: int | None = None) -> Stage:
    settings = load_settings(
        data_dir=data_dir,
        database_url=f"sqlite+aiosqlite:///{data_dir / 'okno.db'}",
        queue={"backend": "inline", "sweep_interval_s": 5, "sweep_min_age_s": 5},
    )
    services = await build_services(settings, backend="inline")
    await upgrade(services.db)
    webhook_secret = secrets.token_urlsafe(24)
    sandbox = sandbox_app(webhook_secret=webhook_secret)
    sandbox_runner, sandbox_port = await _start(sandbox)
    sandbox_url = f"http://127.0.0.1:{sandbox_port}"
    api_token, staff_token = secrets.token_urlsafe(24), secrets.token_urlsafe(24)
    web_password = secrets.token_urlsafe(9)
    async with services.db.session() as session:
        await add_channel_account(
            session,
            box=services.box,
            channel="api",
            name="site",
            config={"webhook_url": f"{sandbox_url}/receiver/hook"},
            secrets={"inbound_token": api_token, "webhook_secret": webhook_secret},
        )
        digest = hash_password(web_password)
        await add_staff(
            session, name="Анна Петрова", role="manager", api_token=staff_token, password_hash=digest
        )
        await add_staff(session, name="Виктор Зайцев", role="supervisor", password_hash=digest)
        await session.commit()
    okno_runner, okno_port = await _start(build_app(services), port or 0)
    return Stage(
        services=services,
        http=aiohttp.ClientSession(),
        base_url=f"http://127.0.0.1:{okno_port}",
        sandbox_url=sandbox_url,
        receiver=sandbox[RECEIVER],
        api_token=api_token,
        staff_token=staff_token,
        web_password=web_password,
        runners=[sandbox_runner, okno_runner],
    )
