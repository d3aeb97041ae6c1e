"""Shared fixtures: a migrated database (SQLite, or PostgreSQL with OKNO_TEST_DB=postgres), services, a live
okno HTTP server on loopback, and the sandbox receiver."""

from __future__ import annotations

import os
import secrets
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web

from okno.app import build_app
from okno.services import Services, build_services
from okno.settings import Settings, load_settings
from sandbox.webhook_receiver import WebhookReceiver
from storage.db import Database
from storage.migrate import upgrade
from storage.repos.accounts import add_channel_account, add_staff
from storage.scratch import scratch_postgres
from tests.reliability.harness.infra import PrivateRedis

PG_ADMIN = os.environ.get("OKNO_TEST_PG_ADMIN", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("OKNO_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
ON_POSTGRES = os.environ.get("OKNO_TEST_DB", "sqlite") == "postgres"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """On the PostgreSQL pass only storage-level tests run; the rest ran once on SQLite."""
    if ON_POSTGRES:
        skip = pytest.mark.skip(reason="not storage-level: runs on the SQLite pass")
        for item in items:
            if "storage" not in item.keywords:
                item.add_marker(skip)


@pytest.fixture
async def db_url(tmp_path: Path) -> AsyncIterator[str]:
    if not ON_POSTGRES:
        yield f"sqlite+aiosqlite:///{tmp_path / 'okno.db'}"
        return
    async with scratch_postgres(PG_ADMIN, prefix="okno_test") as url:
        yield url


@pytest.fixture
async def db(db_url: str) -> AsyncIterator[Database]:
    database = Database(db_url)
    await upgrade(database)
    yield database
    await database.dispose()


def make_settings(tmp_path: Path, db_url: str, **overrides: object) -> Settings:
    return load_settings(
        data_dir=tmp_path / "data",
        database_url=db_url,
        secret_key=None,
        **overrides,
    )


@pytest.fixture
def settings(tmp_path: Path, db_url: str) -> Settings:
    return make_settings(tmp_path, db_url, queue={"backend": "inline", "sweep_min_age_s": 0})


@pytest.fixture
async def services(settings: Settings, db: Database) -> AsyncIterator[Services]:
    built = await build_services(settings)
    yield built
    await built.close()


async def start_app(app: web.Application) -> tuple[web.AppRunner, str]:
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    return runner, f"http://127.0.0.1:{port}"


@dataclass
class Live:
    """A running okno on loopback with one API account (pointing at the sandbox receiver) and one manager."""

    services: Services
    url: str
    api_token: str
    staff_token: str
    staff_id: int
    receiver: WebhookReceiver
    http: aiohttp.ClientSession

    def api_headers(self, token: str | None = None) -> dict[str, str]:
        return {"Authorization": f"Bearer {token or self.api_token}"}

    def staff_headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.staff_token}"}

    async def drain(self) -> None:
        assert self.services.inline is not None
        await self.services.inline.drain(timeout=300)  # a transcription loads Whisper on a busy 2-core box


@pytest.fixture
async def receiver() -> AsyncIterator[tuple[WebhookReceiver, str]]:
    stand_in = WebhookReceiver(secret=secrets.token_urlsafe(16))
    runner, url = await start_app(stand_in.app())
    yield stand_in, url
    await runner.cleanup()


@pytest.fixture
async def live(services: Services, receiver: tuple[WebhookReceiver, str]) -> AsyncIterator[Live]:
    stand_in, receiver_url = receiver
    api_token, staff_token = secrets.token_urlsafe(16), secrets.token_urlsafe(16)
    async with services.db.session() as session:
        await add_channel_account(
            session,
            box=services.box,
            channel="api",
            name="site",
            config={"webhook_url": f"{receiver_url}/hook"},
            secrets={"inbound_token": api_token, "webhook_secret": stand_in.secret},
        )
        staff = await add_staff(session, name="Анна", role="manager", api_token=staff_token)
        await session.commit()
    runner, url = await start_app(build_app(services, sweep=False))
    async with aiohttp.ClientSession() as http:
        yield Live(services, url, api_token, staff_token, staff.id or 0, stand_in, http)
    await runner.cleanup()


@pytest.fixture
def private_redis() -> Iterator[PrivateRedis]:
    """A Redis of the test's own on a free port, that a test may kill and restart (never the shared one)."""
    server = PrivateRedis()
    server.start()
    yield server
    server.close()
