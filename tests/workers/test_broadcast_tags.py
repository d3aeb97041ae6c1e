"""A broadcast to the clients with a tag («Только клиентам с меткой УСН»): only the people of those clients
are asked — the others are neither sent to nor counted as passed by —, with a group it is both; a tag no
client has is refused before anything is stored; the tag stays on the broadcast, its edits and its next
occurrence."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import col, select

from storage.db import Database
from storage.models import AuditLog, Broadcast, BroadcastRecipient, Staff
from storage.repos.accounts import add_staff
from storage.repos.blocking import block_contact
from storage.repos.client_tags import add_tag, clients_with, remove_tag
from storage.repos.clients import add_client, link_contact_to_client
from storage.types import utcnow
from tests.workers.test_broadcasts import Deferred, _write
from workers.broadcasts import BroadcastError, Draft, check_draft, plan, revise, send, write_copies

pytestmark = pytest.mark.storage
TEXT = "{имя}, до 25 апреля — декларация по УСН за год."
NSK = ZoneInfo("Asia/Novosibirsk")


def _draft(**fields: object) -> Draft:
    values: dict[str, object] = {"text": TEXT, "channels": ["telegram", "whatsapp"], "since_days": 3660}
    return check_draft(**(values | fields))  # type: ignore[arg-type]


async def _clients(db: Database) -> tuple[Staff, dict[str, int]]:
    """«УСН»: ООО «Ромашка» (Ольга, a spammer blocked) and ИП Сидоров (Иван, on WhatsApp past the window);
    ООО «Лютик» is «VIP» only (Пётр); Мария belongs to no client. Анна, in Виктор's group, has Ромашка."""
    people = {
        "Ольга": await _write(db, "t1", channel="telegram", sender="501", hours_ago=2, name="Ольга"),
        "Спамер": await _write(db, "t2", channel="telegram", sender="502", hours_ago=2, name="Спамер"),
        "Иван": await _write(db, "w1", channel="whatsapp", sender="79161234567", hours_ago=30, name="Иван"),
        "Пётр": await _write(db, "t3", channel="telegram", sender="503", hours_ago=2, name="Пётр"),
        "Мария": await _write(db, "t4", channel="telegram", sender="504", hours_ago=2, name="Мария"),
    }
    async with db.session() as session:
        head = await add_staff(session, name="Виктор", role="supervisor")
        anna = await add_staff(session, name="Анна", role="manager")
        anna.head_id = head.id
        for name, tag, who in (
            ("ООО «Ромашка»", "УСН", ("Ольга", "Спамер")),
            ("ИП Сидоров", "усн", ("Иван",)),
            ("ООО «Лютик»", "VIP", ("Пётр",)),
        ):
            client = await add_client(session, name=name, inn=None)
            client.responsible_staff_id = anna.id if name == "ООО «Ромашка»" else None
            await add_tag(session, client_id=client.id or 0, tag=tag, staff_id=head.id)
            for person in who:
                await link_contact_to_client(session, contact_id=people[person], client_id=client.id or 0)
        await block_contact(session, contact_id=people["Спамер"], staff_id=None, at=utcnow())
        await session.commit()
    return head, people


async def test_only_the_clients_with_the_tag_are_asked_and_counted(db: Database) -> None:
    head, _ = await _clients(db)
    async with db.session() as session:
        everyone = await plan(session, _draft(), sender=head, now=utcnow())
        tagged = await plan(session, _draft(tag=" Усн "), sender=head, now=utcnow())
        with_group = await plan(session, _draft(tag="УСН", team=head.id), sender=head, now=utcnow())
    assert len(everyone.copies) == 5
    assert {c.contact.label(): c.skipped for c in tagged.copies} == {
        "Ольга": None,
        "Спамер": "blocked",
        "Иван": "whatsapp_window",
    }
    assert tagged.by_channel() == {"telegram": 1} and tagged.skipped() == {"blocked": 1, "whatsapp_window": 1}
    # a group's clients with the tag: Ромашка is Анна's, Сидоров nobody's
    assert sorted(c.contact.label() for c in with_group.copies) == ["Ольга", "Спамер"]
    # sent: the recipient rows and the audit say the same, and the broadcast keeps the tag's key
    queue = Deferred()
    broadcast_id, _ = await send(db, queue, _draft(tag="УСН"), key="k1", sender=head, now=utcnow())
    assert await write_copies(db, queue, broadcast_id, now=utcnow(), tz=NSK) == 1
    async with db.session() as session:
        row = await session.get(Broadcast, broadcast_id)
        recipients = (
            await session.execute(
                select(BroadcastRecipient.skipped).where(col(BroadcastRecipient.broadcast_id) == broadcast_id)
            )
        ).scalars()
        [audited] = (
            await session.execute(select(AuditLog).where(col(AuditLog.action) == "broadcast.send"))
        ).scalars()
    assert row is not None and row.audience["tag"] == "усн"
    assert sorted(str(r) for r in recipients) == ["None", "blocked", "whatsapp_window"]
    assert (audited.details["tag"], audited.details["sent"], audited.details["skipped"]) == (
        "усн",
        1,
        {"blocked": 1, "whatsapp_window": 1},
    )


async def test_a_tag_no_client_has_is_refused_before_anything_is_stored(db: Database) -> None:
    head, _ = await _clients(db)
    queue = Deferred()
    for tag in ("опт", "я" * 41):
        with pytest.raises(BroadcastError) as refused:
            await send(db, queue, _draft(tag=tag), key=f"k-{tag}", sender=head, now=utcnow())
        assert refused.value.reason == "unknown_tag"
    assert _draft(tag="  ").tag is None  # none chosen: everyone
    async with db.session() as session:
        assert (await session.execute(select(Broadcast))).first() is None
    assert queue.jobs == []


async def test_the_tag_stays_on_a_repeating_ones_next_occurrence_and_its_edits(db: Database) -> None:
    head, people = await _clients(db)
    queue = Deferred()
    at = datetime(utcnow().year + 1, 3, 2, 9, tzinfo=NSK)
    weekly = _draft(tag="УСН", send_at=at, now=at - timedelta(days=1), repeat="weekly")
    first, _ = await send(db, queue, weekly, key="k1", sender=head, now=at - timedelta(days=1))
    assert await write_copies(db, queue, first, now=at, tz=NSK) == 1  # Ольга
    async with db.session() as session:
        [following] = (
            await session.execute(select(Broadcast).where(col(Broadcast.previous_id) == first))
        ).scalars()
    assert following.audience["tag"] == "усн" and following.send_at is not None
    # changed to the «VIP» clients; then a tag nobody has is refused and the change stays
    now = at + timedelta(days=1)
    vip = _draft(tag="vip", send_at=following.send_at, now=now, repeat="weekly")
    assert await revise(db, queue, following.id or 0, vip, key="e1", staff=head, now=now)
    gone = _draft(tag="опт", send_at=following.send_at, now=now, repeat="weekly")
    with pytest.raises(BroadcastError) as refused:
        await revise(db, queue, following.id or 0, gone, key="e2", staff=head, now=now)
    assert (refused.value.reason, refused.value.value) == ("unknown_tag", "опт")
    async with db.session() as session:
        edited = await session.get(Broadcast, following.id)
        [edit] = (
            await session.execute(select(AuditLog).where(col(AuditLog.action) == "broadcast.edit"))
        ).scalars()
    assert edited is not None and edited.audience["tag"] == "vip" and edit.details["changed"] == ["audience"]
    assert await write_copies(db, queue, following.id or 0, now=following.send_at, tz=NSK) == 1  # Пётр
    async with db.session() as session:
        [third] = (
            await session.execute(select(Broadcast).where(col(Broadcast.previous_id) == following.id))
        ).scalars()
        got = await session.execute(
            select(BroadcastRecipient.contact_id).where(col(BroadcastRecipient.broadcast_id) == following.id)
        )
        assert list(got.scalars()) == [people["Пётр"]]
        # the tag taken off every client before the third goes: nobody is written to, and the job runs
        [lutik] = await clients_with(session, key="vip")
        await remove_tag(session, client_id=lutik, tag="VIP", staff_id=head.id)
        await session.commit()
    assert third.audience["tag"] == "vip" and third.send_at is not None
    assert await write_copies(db, queue, third.id or 0, now=third.send_at, tz=NSK) == 0
    async with db.session() as session:
        gone_by = await session.get(Broadcast, third.id)
    assert gone_by is not None and gone_by.written_at == third.send_at  # claimed, with no one to write to
