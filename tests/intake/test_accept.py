"""intake.accept: idempotency under concurrency, updates by message_key, late parts, statuses."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import func
from sqlmodel import col, select

from intake.accept import accept
from intake.policy import IntakePolicy
from intake.schema import AttachmentRef, CallInfo
from storage.db import Database
from storage.models import Attachment, Call, Message, Outbox, ProcessedEvent, Request
from storage.repos.blocking import block_contact
from storage.repos.outbox import add_outbox
from tests.factories import NOW, inbound

pytestmark = pytest.mark.storage
POLICY = IntakePolicy()


async def count(db: Database, model: type) -> int:
    async with db.session() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def test_fifty_concurrent_copies_store_one_message(db: Database) -> None:
    msg = inbound("dup-1", text="ООО «Ромашка», ИНН 7707083893: нужен акт сверки")
    results = await asyncio.gather(*(accept(db, msg, policy=POLICY) for _ in range(50)))
    outcomes = sorted(r.outcome for r in results)
    assert outcomes.count("created") == 1
    assert outcomes.count("duplicate") == 49
    assert await count(db, Message) == 1
    assert await count(db, ProcessedEvent) == 1
    assert await count(db, Request) == 1


async def test_redelivery_after_success_changes_nothing(db: Database) -> None:
    first = await accept(db, inbound("e1"), policy=POLICY)
    again = await accept(db, inbound("e1", text="другой текст"), policy=POLICY)
    assert (first.outcome, again.outcome) == ("created", "duplicate")
    async with db.session() as session:
        message = (await session.execute(select(Message))).scalars().one()
    assert message.text == "Добрый день"


async def test_edit_keeps_history(db: Database) -> None:
    await accept(db, inbound("e1", message_key="m1", text="до пятницы"), policy=POLICY)
    edit = inbound(
        "e2", message_key="m1", text="до понедельника", kind="edit", sent_at=NOW + timedelta(minutes=3)
    )
    result = await accept(db, edit, policy=POLICY)
    assert result.outcome == "updated"
    async with db.session() as session:
        message = (await session.execute(select(Message))).scalars().one()
    assert message.text == "до понедельника"
    assert [h["text"] for h in message.edit_history] == ["до пятницы"]
    assert await count(db, Message) == 1


async def test_edit_of_unknown_message_is_an_orphan_not_a_crash(db: Database) -> None:
    result = await accept(db, inbound("e9", message_key="never-seen", kind="edit"), policy=POLICY)
    assert result.outcome == "orphan"
    assert await count(db, Message) == 0


async def test_late_parts_add_attachments_without_loss(db: Database) -> None:
    def part(n: int) -> AttachmentRef:
        return AttachmentRef(kind="image", file_id=f"photo-{n}", filename=f"{n}.jpg")

    await accept(db, inbound("p1", message_key="album", attachments=(part(1), part(2))), policy=POLICY)
    await accept(db, inbound("p2", message_key="album", attachments=(part(2), part(3))), policy=POLICY)
    async with db.session() as session:
        refs = (
            (await session.execute(select(col(Attachment.platform_ref)).order_by(col(Attachment.position))))
            .scalars()
            .all()
        )
    assert refs == ["photo-1", "photo-2", "photo-3"]
    assert await count(db, Message) == 1


async def test_status_updates_the_outbox_row(db: Database) -> None:
    async with db.session() as session:
        row = await add_outbox(
            session, channel="api", account="site", conversation_key="u1", payload={"text": "x"}
        )
        row.platform_message_id = "okno-outbox-1"
        await session.commit()
    status = inbound("s1", message_key="okno-outbox-1", kind="status", status="read", text=None)
    assert (await accept(db, status, policy=POLICY)).outcome == "updated"
    async with db.session() as session:
        assert (await session.get(Outbox, row.id)).status == "read"  # type: ignore[union-attr]


async def test_reaction_is_attached_to_its_message(db: Database) -> None:
    await accept(db, inbound("e1", message_key="m1"), policy=POLICY)
    await accept(db, inbound("e2", message_key="m1", kind="reaction", text="👍"), policy=POLICY)
    async with db.session() as session:
        message = (await session.execute(select(Message))).scalars().one()
    assert [r["reaction"] for r in message.reactions] == ["👍"]


async def test_call_events_complete_one_call(db: Database) -> None:
    started = inbound(
        "c1",
        message_key="call-7",
        kind="call",
        text=None,
        call=CallInfo(direction="inbound", from_number="+79161234567", started_at=NOW),
    )
    ended = inbound(
        "c2",
        message_key="call-7",
        kind="call",
        text=None,
        call=CallInfo(direction="inbound", ended_at=NOW + timedelta(seconds=40), duration_s=40),
    )
    await accept(db, started, policy=POLICY)
    await accept(db, ended, policy=POLICY)
    async with db.session() as session:
        call = (await session.execute(select(Call))).scalars().one()
    assert call.from_number == "+79161234567" and call.duration_s == 40
    assert call.missed  # never answered: a missed call is a request to call back


async def test_system_messages_are_history_not_requests(db: Database) -> None:
    await accept(db, inbound("e1", kind="system", text="бот добавлен в группу"), policy=POLICY)
    assert await count(db, Message) == 1
    assert await count(db, Request) == 0


@pytest.mark.parametrize(
    ("arrivals", "final"),
    [
        (["delivered", "read"], "read"),
        (["read", "delivered"], "read"),  # out of order: read stands
        (["sent", "failed"], "failed"),
        (["read", "failed"], "read"),
        (["delivered", "sent"], "delivered"),
    ],
)
async def test_statuses_only_move_forward(db: Database, arrivals: list[str], final: str) -> None:
    async with db.session() as session:
        row = await add_outbox(
            session, channel="api", account="site", conversation_key="u1", payload={"text": "x"}
        )
        row.platform_message_id, row.status = "okno-outbox-9", "sent"
        await session.commit()
    for n, status in enumerate(arrivals):
        event = inbound(f"s{n}", message_key="okno-outbox-9", kind="status", status=status, text=None)
        await accept(db, event, policy=POLICY)
    async with db.session() as session:
        assert (await session.get(Outbox, row.id)).status == final  # type: ignore[union-attr]


async def test_a_blocked_contact_is_kept_and_worked_on_no_more(db: Database) -> None:
    """Spam: the message and the call are stored, but no request, no analysis, no mirror, no transcription."""
    first = await accept(db, inbound("s1", text="Продвижение сайтов недорого"), policy=POLICY)
    assert first.request_id is not None and first.follow_ups
    async with db.session() as session:
        request = await session.get(Request, first.request_id)
        assert request is not None
        cancelled = await block_contact(session, contact_id=request.contact_id, staff_id=None, at=NOW)
        await session.commit()
    assert [r.id for r in cancelled] == [first.request_id]
    again = await accept(db, inbound("s2", text="Напоминаем о предложении"), policy=POLICY)
    assert again.outcome == "created" and again.request_id is None and again.follow_ups == ()
    call = CallInfo(direction="inbound", from_number="+79161234567", started_at=NOW)
    rang = await accept(
        db, inbound("s3", message_key="call-9", kind="call", text=None, call=call), policy=POLICY
    )
    ready = CallInfo(direction="inbound", duration_s=30, recording_ref="https://pbx.example/rec/9.mp3")
    late = await accept(
        db, inbound("s4", message_key="call-9", kind="call", text=None, call=ready), policy=POLICY
    )
    assert (rang.request_id, rang.follow_ups, late.follow_ups) == (None, (), ())
    assert await count(db, Message) == 3 and await count(db, Request) == 1
