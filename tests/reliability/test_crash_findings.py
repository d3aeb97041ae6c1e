"""What the crash test found, pinned down in small tests on the production queue (arq over a private Redis).

A worker killed mid-send leaves two things: the Outbox row held (`sending_started_at` set) and its job
still in Redis (in progress, or queued by the sweeper a moment before). The sweeper used one fixed id per
row (`send_outbox:<id>:sweep`), which arq refuses while that job exists, so the reply waited for arq's in-
progress timeout (job_timeout + 10 s, five minutes) or, once that job had run, for its kept result (an
hour). The crash run showed it: a reply never sent before the run's deadline. The id now carries the
attempt count, like ingest's."""

from __future__ import annotations

import asyncio
import secrets
from datetime import timedelta

import pytest
from sqlalchemy import update
from sqlmodel import col

from okno.jobs import JOBS
from okno.services import Services
from sandbox.webhook_receiver import WebhookReceiver
from storage.models import Outbox
from storage.repos.accounts import add_channel_account
from storage.repos.outbox import add_outbox
from storage.types import utcnow
from tests.conftest import start_app
from tests.reliability.harness.infra import PrivateRedis
from workers.settings import build_workers, run_workers
from workers.sweeper import sweep

pytestmark = [pytest.mark.reliability, pytest.mark.storage]


async def test_a_send_killed_mid_way_is_swept_again_while_its_old_job_still_sits_in_redis(
    arq_services: Services, private_redis: PrivateRedis
) -> None:
    services = arq_services
    receiver = WebhookReceiver(secret=secrets.token_urlsafe(8))
    runner, url = await start_app(receiver.app())
    async with services.db.session() as session:
        await add_channel_account(
            session,
            box=services.box,
            channel="api",
            name="site",
            config={"webhook_url": f"{url}/hook"},
            secrets={"inbound_token": "t", "webhook_secret": receiver.secret},
        )
        row = await add_outbox(
            session, channel="api", account="site", conversation_key="c1", payload={"text": "Счёт готов"}
        )
        await session.commit()
    outbox_id = row.id or 0
    app = {"okno": services.jobs}
    # The sweeper queues the row; a worker takes that job, claims the row and dies mid-send: the job stays in
    # Redis (no worker runs here to finish it) and the row stays held.
    assert (await sweep(app))["send_outbox"] == 1
    async with services.db.session() as session:
        await session.execute(
            update(Outbox)
            .where(col(Outbox.id) == outbox_id)
            .values(attempts=1, sending_started_at=utcnow() - timedelta(seconds=30))
        )
        await session.commit()
    # Past `outbox_stuck_after_s` (5 s here) the row must be queued again at once, not after arq's timeouts.
    assert (await sweep(app))["send_outbox"] == 1
    workers = build_workers(
        services.jobs,
        jobs=JOBS,
        redis_url=private_redis.url,
        prefix=services.settings.queue.prefix,
        queues=("io",),
        burst=True,
    )
    await asyncio.wait_for(run_workers(workers), timeout=60)
    async with services.db.session() as session:
        sent = await session.get(Outbox, outbox_id)
    await runner.cleanup()
    assert sent is not None and sent.status == "sent" and sent.repeated_sends == 1
    assert [r.body["text"] for r in receiver.received] == ["Счёт готов"]
