"""Repeating broadcasts: an occurrence, when its copies are written, leaves one next occurrence — the same
notice, files and audience — a week or a month on at the same wall-clock time in the company's zone (a
month end kept), queued for then; a second run of its job leaves no second one, a late run no past one; the
chain ends when an occurrence is called off, or told «Больше не повторять»."""

from __future__ import annotations

import asyncio
import calendar
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import col, select

from intake.accept import accept
from intake.policy import IntakePolicy
from intake.schema import AttachmentRef
from storage.db import Database
from storage.models import AuditLog, Broadcast, Staff
from storage.repos.accounts import add_staff
from storage.repos.forget import forget_person
from storage.repos.privacy import find_person
from storage.types import utcnow
from tests.factories import inbound
from tests.workers.test_broadcasts import Deferred
from workers.broadcasts import (
    BroadcastError,
    Draft,
    cancel,
    check_draft,
    revise,
    send,
    stop_repeat,
    write_copies,
)

pytestmark = pytest.mark.storage
POLICY = IntakePolicy()
BERLIN = ZoneInfo("Europe/Berlin")  # summer time: the wall clock must be kept across the switch
NSK = ZoneInfo("Asia/Novosibirsk")  # UTC+7: its early morning is the day before in UTC
TEXT = "{имя}, напоминаем: банковские выписки за месяц — до 5 числа."
# a year ahead whose February has 28 days (the dates below are the job's clock, not the machine's)
YEAR = next(y for y in range(utcnow().year + 1, utcnow().year + 9) if not calendar.isleap(y))
FILE = AttachmentRef(
    kind="document", filename="Памятка.pdf", mime="application/pdf", size=10, blob_key="a" * 64
)


async def _client(db: Database, sender: str, name: str) -> None:
    message = inbound(
        f"t-{sender}", channel="telegram", account="clients", sender=sender, name=name, sent_at=utcnow()
    )
    await accept(db, message, policy=POLICY)


async def _sender(db: Database) -> Staff:
    async with db.session() as session:
        staff = await add_staff(session, name="Виктор", role="supervisor")
        await session.commit()
        return staff


def _draft(at: datetime, repeat: str | None, *, text: str = TEXT, now: datetime | None = None) -> Draft:
    return check_draft(
        text=text,
        channels=["telegram", "email"],
        since_days=3660,
        subject="Выписки",
        whatsapp_template="statements:ru | {имя}",
        send_at=at,
        now=now or at - timedelta(days=1),
        attachments=(FILE,),
        repeat=repeat,
    )


async def _scheduled(db: Database, queue: Deferred, at: datetime, repeat: str | None, sender: Staff) -> int:
    draft = _draft(at, repeat)
    broadcast_id, _ = await send(db, queue, draft, key=f"k-{at}", sender=sender, now=at - timedelta(days=1))
    return broadcast_id


async def _rows(db: Database) -> list[Broadcast]:
    async with db.session() as session:
        return list((await session.execute(select(Broadcast).order_by(col(Broadcast.id)))).scalars().all())


def _jobs(queue: Deferred) -> list[tuple[tuple[object, ...], float | None]]:
    return [(args, defer_s) for job, args, defer_s in queue.jobs if job == "send_broadcast"]


async def test_a_weekly_one_leaves_one_next_occurrence_at_the_same_wall_clock_time(db: Database) -> None:
    await _client(db, "501", "Ольга")
    sender = await _sender(db)
    queue = Deferred()
    switch = max(d for d in range(25, 32) if datetime(YEAR, 3, d).weekday() == 6)  # summer time begins
    at = datetime(YEAR, 3, switch - 3, 9, tzinfo=BERLIN)
    first = await _scheduled(db, queue, at, "weekly", sender)
    # the job and the sweeper's copy of it run at once, and once more later: one of them writes
    runs = await asyncio.gather(*(write_copies(db, queue, first, now=at, tz=BERLIN) for _ in range(2)))
    again = await write_copies(db, queue, first, now=at + timedelta(minutes=5), tz=BERLIN)
    assert sorted(runs) == [0, 1] and again == 0
    original, following = await _rows(db)
    assert following.send_at is not None and following.send_at.astimezone(BERLIN) == at + timedelta(days=7)
    assert following.send_at - at == timedelta(days=7, hours=-1)  # 09:00 in Berlin, an hour earlier in UTC
    carried = ("text", "subject", "whatsapp_template", "audience", "attachments", "created_by_id", "repeat")
    assert {name: getattr(following, name) for name in carried} == {
        name: getattr(original, name) for name in carried
    }
    assert following.attachments == [FILE.model_dump(mode="json", exclude_none=True)]
    assert following.audience == {"channels": ["telegram", "email"], "since_days": 3660, "team": None}
    assert (following.previous_id, following.repeat, following.key != original.key) == (first, "weekly", True)
    assert following.written_at is None and following.cancelled_at is None
    # queued for its own time, once: the sending queued its first job, the run that wrote it the next one
    assert _jobs(queue) == [((first,), 86400.0), ((following.id,), (following.send_at - at).total_seconds())]
    async with db.session() as session:
        [audited] = (
            await session.execute(select(AuditLog).where(col(AuditLog.action) == "broadcast.send"))
        ).scalars()
    assert (audited.details["repeat"], audited.details["next"], audited.details["sent"]) == (
        "weekly",
        following.id,
        1,
    )


async def test_a_monthly_one_keeps_the_31st_of_the_companys_own_calendar(db: Database) -> None:
    """06:00 on the 31st in Novosibirsk is 23:00 on the 30th in UTC: the company's day is the one kept."""
    sender = await _sender(db)
    queue = Deferred()
    at = datetime(YEAR, 1, 31, 6, tzinfo=NSK)
    broadcast_id = await _scheduled(db, queue, at, "monthly", sender)
    for _ in range(3):  # each occurrence's job runs at its time and leaves the next
        [row] = [r for r in await _rows(db) if r.id == broadcast_id]
        assert row.send_at is not None
        await write_copies(db, queue, broadcast_id, now=row.send_at, tz=NSK)
        broadcast_id = (await _rows(db))[-1].id or 0
    chain = await _rows(db)
    assert [r.send_at.astimezone(NSK).strftime("%d.%m %H:%M") for r in chain if r.send_at] == [
        "31.01 06:00",
        "28.02 06:00",
        "31.03 06:00",
        "30.04 06:00",
    ]
    assert [r.repeat for r in chain] == ["monthly"] + ["monthly;bymonthday=31"] * 3
    assert [r.previous_id for r in chain] == [None, chain[0].id, chain[1].id, chain[2].id]


async def test_a_run_days_late_schedules_the_next_occurrence_ahead_not_in_the_past(db: Database) -> None:
    sender = await _sender(db)
    queue = Deferred()
    at = datetime(YEAR, 6, 1, 10, tzinfo=NSK)
    first = await _scheduled(db, queue, at, "weekly", sender)
    late = at + timedelta(days=17)  # the workers were down for two weeks and more
    await write_copies(db, queue, first, now=late, tz=NSK)
    _, following = await _rows(db)
    assert following.send_at is not None and following.send_at.astimezone(NSK) == at + timedelta(days=21)
    assert _jobs(queue)[-1] == ((following.id,), timedelta(days=4).total_seconds())


async def test_calling_off_the_pending_occurrence_ends_the_chain(db: Database) -> None:
    sender = await _sender(db)
    queue = Deferred()
    at = datetime(YEAR, 6, 1, 10, tzinfo=NSK)
    first = await _scheduled(db, queue, at, "monthly", sender)
    await write_copies(db, queue, first, now=at, tz=NSK)
    _, following = await _rows(db)
    assert following.send_at is not None
    assert await cancel(db, following.id or 0, staff=sender, now=at) is True
    assert await write_copies(db, queue, following.id or 0, now=following.send_at, tz=NSK) == 0
    assert len(await _rows(db)) == 2  # no third
    # one called off before its first time leaves none at all
    other = await _scheduled(db, queue, at + timedelta(days=1), "weekly", sender)
    assert await cancel(db, other, staff=sender, now=at) is True
    await write_copies(db, queue, other, now=at + timedelta(days=1), tz=NSK)
    assert [r.previous_id for r in await _rows(db)] == [None, first, None]


async def test_stop_repeating_lets_the_pending_occurrence_go_once_more_and_ends(db: Database) -> None:
    await _client(db, "501", "Ольга")
    sender = await _sender(db)
    queue = Deferred()
    at = datetime(YEAR, 6, 1, 10, tzinfo=NSK)
    first = await _scheduled(db, queue, at, "weekly", sender)
    assert await write_copies(db, queue, first, now=at, tz=NSK) == 1
    _, following = await _rows(db)
    assert following.send_at is not None
    assert await stop_repeat(db, first, staff=sender) is False  # gone: stop its next one
    assert await stop_repeat(db, following.id or 0, staff=sender) is True
    assert await stop_repeat(db, following.id or 0, staff=sender) is False  # it repeats no more
    assert await write_copies(db, queue, following.id or 0, now=following.send_at, tz=NSK) == 1  # it goes
    chain = await _rows(db)
    assert len(chain) == 2 and chain[1].repeat is None and chain[1].written_at == following.send_at
    async with db.session() as session:
        audited = (
            await session.execute(select(AuditLog).where(col(AuditLog.action) == "broadcast.stop_repeat"))
        ).scalars()
        assert [(a.actor_id, a.entity_id) for a in audited] == [(sender.id, following.id)]
    # a broadcast that does not repeat has nothing to stop
    once = await _scheduled(db, queue, at + timedelta(days=2), None, sender)
    assert await stop_repeat(db, once, staff=sender) is False


def test_a_repeat_needs_a_sending_time_and_a_known_rule() -> None:
    at = datetime(YEAR, 6, 1, 10, tzinfo=NSK)
    with pytest.raises(BroadcastError) as refused:
        check_draft(text=TEXT, channels=["telegram"], since_days=30, repeat="weekly")
    assert refused.value.reason == "repeat_needs_time"
    with pytest.raises(BroadcastError) as refused:
        check_draft(
            text=TEXT, channels=["telegram"], since_days=30, send_at=at, now=at - timedelta(1), repeat="daily"
        )
    assert (refused.value.reason, refused.value.value) == ("bad_repeat", "daily")
    assert _draft(at, "monthly").repeat == "monthly" and _draft(at, "").repeat is None


@pytest.mark.parametrize("called_off", [False, True])
async def test_forgetting_the_one_who_got_the_file_keeps_it_for_the_next_occurrence(
    db: Database, called_off: bool
) -> None:
    """The next occurrence holds its file only by reference until it goes: forgetting the client whose copy
    was the file's one other holder must not delete it (the privacy command deletes what forget returns);
    with the next occurrence called off, nothing else needs it and it goes with her."""
    await _client(db, "501", "Ольга")
    sender = await _sender(db)
    queue = Deferred()
    at = datetime(YEAR, 2, 2, 9, tzinfo=NSK)
    first = await _scheduled(db, queue, at, "weekly", sender)
    assert await write_copies(db, queue, first, now=at, tz=NSK) == 1
    if called_off:
        [following] = [r for r in await _rows(db) if r.previous_id == first]
        assert await cancel(db, following.id or 0, staff=sender, now=at)
    async with db.session() as session:
        forgotten = await forget_person(session, await find_person(session, who="telegram:clients:501"))
        await session.commit()
    assert (FILE.blob_key in forgotten.blobs) is called_off


async def test_an_occurrence_still_to_go_is_changed_in_place_and_queued_again(db: Database) -> None:
    """«Изменить»: the next occurrence's text (and so the later ones') and time replaced in one conditional
    UPDATE, audited with what changed; a second press changes nothing more; the old job, run before the new
    time, writes nothing; once written, it can no longer be changed."""
    await _client(db, "501", "Ольга")
    sender = await _sender(db)
    queue = Deferred()
    at = datetime(YEAR, 1, 31, 6, tzinfo=NSK)
    first = await _scheduled(db, queue, at, "monthly", sender)
    await write_copies(db, queue, first, now=at, tz=NSK)
    _, following = await _rows(db)
    old_at = following.send_at
    assert old_at is not None and following.repeat == "monthly;bymonthday=31"
    now = at + timedelta(days=3)
    text = "{имя}, выписки за месяц — до 10 числа."

    async def edit(when: datetime, text: str, key: str, now: datetime) -> bool:
        draft = _draft(when, "monthly", text=text, now=now)
        return await revise(db, queue, following.id or 0, draft, key=key, staff=sender, now=now)

    assert await edit(old_at, text, "e1", now)
    _, edited = await _rows(db)
    # the month end's rule stays while the rule and the time do: 31 Mar follows, not 28 Mar
    assert (edited.text, edited.repeat, edited.key, edited.send_at) == (
        text,
        "monthly;bymonthday=31",
        "e1",
        old_at,
    )
    assert _jobs(queue)[-1] == ((following.id,), (old_at - now).total_seconds())
    # a second press of the same preview's «Сохранить» changes and queues nothing more
    jobs = len(queue.jobs)
    assert await edit(old_at, text, "e1", now)
    assert len(queue.jobs) == jobs
    # moved a day on: the old job, at the old time, writes nothing; the new time writes the new text
    new_at = old_at + timedelta(days=1)
    assert await edit(new_at, text, "e2", now)
    assert await write_copies(db, queue, following.id or 0, now=old_at, tz=NSK) == 0
    assert await write_copies(db, queue, following.id or 0, now=new_at, tz=NSK) == 1
    rows = await _rows(db)
    assert rows[1].repeat == "monthly" and rows[2].text == text  # its successor carries the change
    assert not await edit(new_at + timedelta(days=1), "Поздно", "e3", new_at)
    async with db.session() as session:
        edits = (
            await session.execute(
                select(AuditLog).where(col(AuditLog.action) == "broadcast.edit").order_by(col(AuditLog.id))
            )
        ).scalars()
        assert [a.details["changed"] for a in edits] == [["text"], ["send_at", "repeat"]]
