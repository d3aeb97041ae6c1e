"""Outages of what okno stands on, on every webhook route (API, Telegram, WhatsApp, PBX):
- Redis down: deliveries are still acknowledged, because the RawEvent is committed first; when Redis
  returns, the sweeper re-queues them and they are ingested.
- PostgreSQL down (really stopped, not faked): every route answers 503, so the platform delivers again, and
  nothing is half-stored; the same deliveries are stored once it is back. (The API route's 503 with a
  swapped-out database is tests/okno/test_http_api.py; this covers all routes.)"""

from __future__ import annotations

import asyncio
import secrets
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import pytest
from sqlalchemy import func
from sqlmodel import col, select

from okno.app import build_app
from okno.jobs import JOBS
from okno.services import Services, build_services
from storage.db import Database
from storage.migrate import upgrade
from storage.models import Message, RawEvent
from storage.repos.accounts import add_channel_account
from tests.conftest import make_settings, start_app
from tests.reliability.harness.events import (
    Accounts,
    Delivery,
    api_delivery,
    call_deliveries,
    telegram_delivery,
    whatsapp_delivery,
)
from tests.reliability.harness.infra import PrivatePostgres, PrivateRedis
from workers.settings import build_workers, run_workers

pytestmark = pytest.mark.reliability
ACCOUNTS = Accounts(
    api_token=secrets.token_urlsafe(12),
    telegram_secret=secrets.token_urlsafe(12),
    whatsapp_app_secret=secrets.token_urlsafe(12),
    whatsapp_phone_id="106540352242922",
    pbx_secret=secrets.token_urlsafe(12),
    mailbox_address="sales@okno.test",
)


@dataclass
class Running:
    services: Services
    url: str
    http: aiohttp.ClientSession

    async def post(self, delivery: Delivery) -> int:
        async with self.http.post(
            self.url + delivery.path, data=delivery.body, headers=delivery.headers()
        ) as resp:
            await resp.read()
            return resp.status


def one_of_each(run: str) -> list[Delivery]:
    return [
        api_delivery(run, 1, ACCOUNTS),
        telegram_delivery(run, 2, ACCOUNTS),
        whatsapp_delivery(run, 3, ACCOUNTS),
        *call_deliveries(run, 4, ACCOUNTS),
    ]


async def add_accounts(services: Services) -> None:
    rows = [
        ("api", "site", {}, {"inbound_token": ACCOUNTS.api_token, "webhook_secret": "s"}),
        ("telegram", "bot", {"mode": "webhook"},
         {"bot_token": "1:x", "webhook_secret": ACCOUNTS.telegram_secret}),
        ("whatsapp", "wa", {"phone_number_id": ACCOUNTS.whatsapp_phone_id},
         {"app_secret": ACCOUNTS.whatsapp_app_secret, "access_token": "t"}),
        ("telephony", "pbx", {"provider": "generic"}, {"webhook_secret": ACCOUNTS.pbx_secret}),
    ]  # fmt: skip
    async with services.db.session() as session:
        for channel, name, config, secret in rows:
            await add_channel_account(
                session, box=services.box, channel=channel, name=name, config=config, secrets=secret
            )
        await session.commit()
    await services.accounts.refresh()  # a running server has its accounts cached


@pytest.fixture
async def running(arq_services: Services) -> AsyncIterator[Running]:
    await add_accounts(arq_services)
    runner, url = await start_app(build_app(arq_services, sweep=False))
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as http:
        yield Running(arq_services, url, http)
    await runner.cleanup()


async def count(db: Database, model: type[RawEvent] | type[Message]) -> int:
    async with db.session() as session:
        return int((await session.execute(select(func.count()).select_from(model))).scalar_one())


async def inbound_keys(db: Database) -> set[str]:
    async with db.session() as session:
        query = select(Message.message_key).where(col(Message.direction) == "inbound")
        return {str(k) for k in (await session.execute(query)).scalars().all()}


@pytest.mark.storage
async def test_redis_down_webhooks_are_acknowledged_and_ingested_when_it_returns(
    running: Running, private_redis: PrivateRedis
) -> None:
    deliveries = one_of_each("redis-down")
    private_redis.stop()
    started = time.monotonic()
    statuses = [await running.post(d) for d in deliveries]
    acked_in = time.monotonic() - started
    assert statuses == [202, 200, 200, 200, 200]  # acknowledged: the platforms will not send these again
    db = running.services.db
    assert await count(db, RawEvent) == len(deliveries)
    assert await count(db, Message) == 0  # stored, not yet ingested: the jobs could not be queued

    private_redis.start()  # an empty Redis: whatever was queued before is gone as well
    # A worker starts: its sweeper (a cron job, run at start) finds the stored events and queues their ingest.
    workers = build_workers(
        running.services.jobs,
        jobs=JOBS,
        redis_url=private_redis.url,
        prefix=running.services.settings.queue.prefix,
        queues=("io",),
        burst=True,
    )
    await asyncio.wait_for(run_workers(workers), timeout=60)
    expected = {d.message_key for d in deliveries}
    assert await inbound_keys(db) == expected, f"acknowledged in {acked_in:.1f}s while Redis was down"
    async with db.session() as session:
        rows = (await session.execute(select(RawEvent))).scalars().all()
    statuses_left = [r.status for r in rows]
    assert set(statuses_left) == {"accepted"}, [(r.channel, r.status, r.reason, r.attempts) for r in rows]


@pytest.fixture
async def on_private_postgres(
    tmp_path: Path, private_postgres: PrivatePostgres, private_redis: PrivateRedis
) -> AsyncIterator[Running]:
    url = private_postgres.create_database("okno")
    database = Database(url)
    await upgrade(database)
    await database.dispose()
    settings = make_settings(tmp_path, url, queue={"backend": "arq", "redis_url": private_redis.url})
    services = await build_services(settings)
    await add_accounts(services)
    runner, base = await start_app(build_app(services, sweep=False))
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60)) as http:
        yield Running(services, base, http)
    await runner.cleanup()
    await services.close()


async def test_database_down_every_webhook_answers_503_and_nothing_is_half_stored(
    on_private_postgres: Running, private_postgres: PrivatePostgres
) -> None:
    running = on_private_postgres
    deliveries = one_of_each("db-down")
    private_postgres.stop("immediate")
    statuses = [await running.post(d) for d in deliveries]
    assert statuses == [503] * len(deliveries)  # the platform delivers again later
    private_postgres.start()
    db = running.services.db
    assert await count(db, RawEvent) == 0  # nothing half-stored
    statuses = [await running.post(d) for d in deliveries]  # the platforms' redeliveries
    assert statuses == [202, 200, 200, 200, 200]
    assert await count(db, RawEvent) == len(deliveries)
