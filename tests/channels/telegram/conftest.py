"""Telegram fixtures: the loopback Bot API, and a running okno with a telegram ChannelAccount on it."""

from __future__ import annotations

import json
import secrets
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import aiohttp
import pytest
from sqlalchemy import func
from sqlmodel import select

from channels.base import AccountView
from channels.telegram.routes import SECRET_HEADER, webhook_path
from okno.app import build_app
from okno.services import Services
from sandbox.telegram import TelegramSandbox
from storage.repos.accounts import add_channel_account, add_staff
from tests.conftest import start_app

TOKEN = "123456789:AAEhBOweik6ad9r_QXMENQjcrGbqCr4K-Ag"
ACCOUNT = "clients"


@dataclass
class Sandbox:
    api: TelegramSandbox
    url: str


@pytest.fixture
async def tg() -> AsyncIterator[Sandbox]:
    stand_in = TelegramSandbox()
    stand_in.add_bot(TOKEN, "romashka_help_bot")
    runner, url = await start_app(stand_in.app())
    yield Sandbox(stand_in, url)
    await runner.cleanup()


def account_view(sandbox_url: str, *, mode: str = "webhook", secret: str = "s3cret") -> AccountView:  # noqa: S107
    return AccountView(
        "telegram",
        ACCOUNT,
        {"bot_username": "romashka_help_bot", "api_base": sandbox_url, "mode": mode},
        {"bot_token": TOKEN, "webhook_secret": secret},
    )


@dataclass
class TelegramLive:
    services: Services
    url: str
    sandbox: TelegramSandbox
    account: AccountView
    staff_id: int
    http: aiohttp.ClientSession

    @property
    def webhook_url(self) -> str:
        return self.url + webhook_path(ACCOUNT)

    async def post_update(self, body: bytes | dict[str, Any], *, secret: str | None = None) -> int:
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        headers = {"Content-Type": "application/json"}
        token = self.account.secrets["webhook_secret"] if secret is None else secret
        if token:
            headers[SECRET_HEADER] = token
        async with self.http.post(self.webhook_url, data=data, headers=headers) as response:
            return response.status

    async def drain(self) -> None:
        assert self.services.inline is not None
        await self.services.inline.drain()

    async def count(self, model: type) -> int:
        async with self.services.db.session() as session:
            return int(await session.scalar(select(func.count()).select_from(model)) or 0)


@pytest.fixture
async def tg_live(services: Services, tg: Sandbox) -> AsyncIterator[TelegramLive]:
    """A running okno on loopback with a telegram ChannelAccount whose Bot API is the sandbox."""
    view = account_view(tg.url, secret=secrets.token_urlsafe(16))
    async with services.db.session() as session:
        await add_channel_account(
            session,
            box=services.box,
            channel="telegram",
            name=view.name,
            config=dict(view.config),
            secrets=dict(view.secrets),
        )
        staff = await add_staff(session, name="Анна", role="manager")
        await session.commit()
    runner, url = await start_app(build_app(services, sweep=False))
    async with aiohttp.ClientSession() as http:
        yield TelegramLive(services, url, tg.api, view, staff.id or 0, http)
    await tg.api.close()
    await runner.cleanup()
