"""Files a platform holds are fetched by the channel's own job, asked for by intake without naming it."""

from __future__ import annotations

from typing import Any

import pytest
from sqlmodel import col, select

from intake.accept import accept
from intake.policy import IntakePolicy
from intake.schema import AttachmentRef
from okno.services import Services
from storage.models import Attachment, ChannelIdentity
from tests.factories import inbound
from workers.attachments import fetch_attachments
from workers.queue import InlineQueue

pytestmark = pytest.mark.storage
POLICY = IntakePolicy()


def photo(n: int, order: int | None = None) -> AttachmentRef:
    return AttachmentRef(kind="image", file_id=f"file-{n}", order=order)


async def test_accept_asks_for_a_fetch_and_the_dispatcher_picks_the_channel_job(services: Services) -> None:
    calls: list[tuple[str, int]] = []

    async def record(name: str) -> Any:
        async def job(ctx: dict[str, Any], arg: int) -> None:
            calls.append((name, arg))

        return job

    jobs = {name: await record(name) for name in ("whatsapp_media", "fetch_telegram_files")}
    services.jobs.queue = queue = InlineQueue(jobs, ctx={"okno": services.jobs})
    wa = await accept(
        services.db,
        inbound("w1", channel="whatsapp", account="main", attachments=(photo(1), photo(2))),
        policy=POLICY,
    )
    tg = await accept(
        services.db, inbound("t1", channel="telegram", account="bot", attachments=(photo(3),)), policy=POLICY
    )
    api = await accept(
        services.db,
        inbound("a1", attachments=(AttachmentRef(kind="document", url="https://x/a"),)),
        policy=POLICY,
    )
    assert [f.job for f in wa.follow_ups if f.job == "fetch_attachments"] == ["fetch_attachments"]
    for result in (wa, tg, api):
        await fetch_attachments({"okno": services.jobs}, result.message_id or 0)
    await queue.drain()
    async with services.db.session() as session:
        wa_ids = (
            (
                await session.execute(
                    select(Attachment.id)
                    .where(col(Attachment.message_id) == wa.message_id)
                    .order_by(col(Attachment.id))
                )
            )
            .scalars()
            .all()
        )
    assert sorted(calls) == sorted(
        [("whatsapp_media", i) for i in wa_ids] + [("fetch_telegram_files", tg.message_id)]
    )


async def test_album_parts_keep_the_platform_order(services: Services) -> None:
    for event, n in (("p3", 3), ("p1", 1), ("p5", 5), ("p2", 2), ("p4", 4)):
        await accept(
            services.db,
            inbound(
                event,
                channel="telegram",
                account="bot",
                message_key="album",
                attachments=(photo(n, order=100 + n),),
            ),
            policy=POLICY,
        )
    async with services.db.session() as session:
        refs = (
            (await session.execute(select(col(Attachment.platform_ref)).order_by(col(Attachment.position))))
            .scalars()
            .all()
        )
    assert refs == [f"file-{n}" for n in range(1, 6)]


async def test_a_blocked_bot_marks_the_identity_unreachable(services: Services) -> None:
    await accept(services.db, inbound("t1", channel="telegram", account="bot", sender="42"), policy=POLICY)
    blocked = inbound(
        "t2",
        channel="telegram",
        account="bot",
        sender="42",
        kind="system",
        status="unreachable",
        text="бот заблокирован",
    )
    await accept(services.db, blocked, policy=POLICY)
    async with services.db.session() as session:
        identity = (await session.execute(select(ChannelIdentity))).scalars().one()
    assert identity.reachable is False
    back = inbound("t3", channel="telegram", account="bot", sender="42", kind="system", status="reachable")
    await accept(services.db, back, policy=POLICY)
    async with services.db.session() as session:
        identity = (await session.execute(select(ChannelIdentity))).scalars().one()
    assert identity.reachable is True
