"""What `okno listen` runs for Viber: set_webhook against the stand-in (whose URL check reaches the running
okno), the loops it builds from the stored accounts, and the file sweep that leaves expired links alone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from okno.services import Services
from sandbox.viber import ViberApiStandIn
from storage.models import RawEvent
from tests.channels.viber.conftest import ACCOUNT, VbLive, account_of
from workers.viber import SWEEP_JOB
from workers.viber_listen import WebhookRegistration, viber_loops

pytestmark = pytest.mark.storage


async def test_registration_sets_the_webhook_and_viber_checks_it(
    vb_live: VbLive, viber: ViberApiStandIn
) -> None:
    viber.webhook_url = None
    assert await WebhookRegistration([account_of(viber)], vb_live.url + "/").register() == 1
    assert viber.webhook_url == f"{vb_live.url}/viber/{ACCOUNT}/webhook"
    assert "unsubscribed" in viber.event_types and "conversation_started" in viber.event_types
    assert [d.status for d in viber.deliveries] == [200]  # the signed `webhook` check okno answered


async def test_a_refused_registration_is_logged_not_fatal(
    vb_live: VbLive, viber: ViberApiStandIn, caplog: pytest.LogCaptureFixture
) -> None:
    viber.webhook_url = None
    assert await WebhookRegistration([account_of(viber)], "http://127.0.0.1:9").register() == 0
    assert viber.webhook_url is None and "webhook refused: 1 invalidUrl" in caplog.text


async def test_loops_follow_the_accounts_and_the_public_url(vb_live: VbLive) -> None:
    jobs, box = vb_live.services.jobs, vb_live.services.box
    assert [loop.name for loop in await viber_loops(jobs, box, None)] == ["viber-media"]
    assert [loop.name for loop in await viber_loops(jobs, box, vb_live.url)] == [
        "viber-media",
        "viber-webhooks",
    ]


async def test_no_viber_account_no_loops(services: Services) -> None:
    assert await viber_loops(services.jobs, services.box, "https://okno.example.ru") == []


async def test_the_sweep_leaves_links_older_than_a_day(vb_live: VbLive, viber: ViberApiStandIn) -> None:
    old = viber.add_media(b"old", "image/png")
    viber.expired.add(old.rsplit("/", 1)[-1])
    await viber.client_writes(
        "U1", "Ирина", {"type": "picture", "media": old, "text": ""}, at=datetime.now(UTC) - timedelta(days=2)
    )
    await viber.client_writes(
        "U2", "Пётр", {"type": "picture", "media": viber.add_media(b"new", "image/png")}
    )
    await vb_live.drain()
    assert viber.downloads == 1  # each file was asked for once, as it came in (the old one answered 403)
    viber.expired.clear()
    await vb_live.services.queue.enqueue(SWEEP_JOB, job_id="sweep-old")
    await vb_live.drain()
    assert viber.downloads == 1  # the recent one is stored, the two-day-old one is not asked for again
    async with vb_live.services.db.session() as session:
        assert len((await session.execute(select(RawEvent))).scalars().all()) == 2
