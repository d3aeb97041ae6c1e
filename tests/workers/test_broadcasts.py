"""Broadcasts: who gets a copy and where (each person once, in the channel they last wrote from, a group chat
once), who does not and why (blocked, asked for none, unreachable, WhatsApp's closed window without a
template, a placeholder without a value), what each copy says, and that a second press sends nothing."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlmodel import col, select

from channels.whatsapp.templates import Template
from intake.accept import accept
from intake.policy import IntakePolicy
from intake.schema import AttachmentRef
from storage.db import Database
from storage.models import (
    Attachment,
    AuditLog,
    Broadcast,
    BroadcastRecipient,
    ChannelIdentity,
    Message,
    Outbox,
    Request,
    Staff,
)
from storage.repos.accounts import add_staff
from storage.repos.blocking import block_contact
from storage.repos.broadcasts import set_broadcasts_off
from storage.repos.clients import add_client, link_contact_to_client, mark_reachable, merge_contacts
from storage.repos.forget import forget_person
from storage.repos.privacy import find_person
from storage.types import utcnow
from tests.factories import inbound
from workers.broadcasts import (
    BroadcastError,
    Draft,
    cancel,
    check_draft,
    plan,
    send,
    unwritten,
    write_copies,
)
from workers.queue import InlineQueue

pytestmark = pytest.mark.storage
POLICY = IntakePolicy()
TEXT = "{Имя}, добрый день! До 20 декабря пришлите первичку за ноябрь. Ваш менеджер {менеджер}."


async def _write(
    db: Database, event: str, *, channel: str, sender: str, hours_ago: float, **fields: Any
) -> int:
    """A client message written that many hours ago; the contact's id."""
    account = {"telegram": "clients", "whatsapp": "main", "email": "box", "api": "site", "viber": "shop"}[
        channel
    ]
    message = inbound(
        event,
        channel=channel,
        account=account,
        sender=sender,
        sent_at=utcnow() - timedelta(hours=hours_ago),
        **fields,
    )
    await accept(db, message, policy=POLICY)
    async with db.session() as session:
        query = select(ChannelIdentity.contact_id).where(col(ChannelIdentity.external_id) == sender)
        return int((await session.execute(query)).scalars().one())


async def _sender(db: Database) -> Staff:
    async with db.session() as session:
        staff = await add_staff(session, name="Виктор", role="supervisor")
        await session.commit()
        return staff


async def _sent(db: Database, draft: Draft, *, key: str, sender: Staff) -> int:
    """Sent as the web sends it, and its job run (here, with no worker to send the copies)."""
    queue = InlineQueue({}, ctx={})
    broadcast_id, _ = await send(db, queue, draft, key=key, sender=sender, now=utcnow())
    await write_copies(db, queue, broadcast_id, now=utcnow(), tz=POLICY.tz)
    return broadcast_id


def _draft(**fields: object) -> Draft:
    values: dict[str, object] = {
        "text": TEXT,
        "channels": ["telegram", "whatsapp", "email"],
        "since_days": 30,
        "subject": "Сроки сдачи отчётности",
    }
    values.update(fields)
    return check_draft(**values)  # type: ignore[arg-type]


async def test_each_person_gets_one_copy_where_they_last_wrote(db: Database) -> None:
    olga_tg = await _write(db, "t1", channel="telegram", sender="501", hours_ago=50, name="Ольга")
    olga_mail = await _write(
        db, "<m1@x>", channel="email", sender="olga@romashka.ru", hours_ago=3, name="Ольга Смирнова",
        email="olga@romashka.ru",
    )  # fmt: skip
    async with db.session() as session:
        await merge_contacts(session, survivor_id=olga_tg, merged_id=olga_mail, reason="the same person")
        await session.commit()
    # a group chat where two of a client's people write: it hears the notice once
    await _write(
        db, "g1", channel="telegram", sender="601", hours_ago=5, name="Пётр", conversation_key="-100777"
    )
    await _write(
        db, "g2", channel="telegram", sender="602", hours_ago=4, name="Мария", conversation_key="-100777"
    )
    await _write(
        db, "a1", channel="api", sender="site-1", hours_ago=1, name="С сайта"
    )  # not a broadcast channel
    await _write(
        db, "t9", channel="telegram", sender="509", hours_ago=24 * 40, name="Давно"
    )  # before the period
    sender = await _sender(db)
    async with db.session() as session:
        the_plan = await plan(session, _draft(), sender=sender, now=utcnow())
    got = sorted(
        (c.contact.display_name, c.to.channel, c.to.conversation_id is not None) for c in the_plan.sending
    )
    assert [(name, channel) for name, channel, _ in got] == [("Мария", "telegram"), ("Ольга", "email")]
    olga = next(c for c in the_plan.copies if c.to.channel == "email")
    assert olga.contact.id == olga_tg  # the survivor, written to where she wrote last
    assert olga.text == "Ольга, добрый день! До 20 декабря пришлите первичку за ноябрь. Ваш менеджер Виктор."
    assert the_plan.skipped() == {} and the_plan.by_channel() == {"email": 1, "telegram": 1}
    async with db.session() as session:
        only_telegram = await plan(session, _draft(channels=["telegram"]), sender=sender, now=utcnow())
    assert sorted(c.contact.display_name or "" for c in only_telegram.sending) == ["Мария", "Ольга"]
    # her address went with her into the contact she was merged into: the mail has a recipient
    await _sent(db, _draft(), key="k", sender=sender)
    async with db.session() as session:
        mail = (await session.execute(select(Outbox).where(col(Outbox.channel) == "email"))).scalars().one()
    assert mail.payload["recipient_id"] == "olga@romashka.ru"


async def test_who_gets_nothing_and_why(db: Database) -> None:
    blocked = await _write(db, "t1", channel="telegram", sender="501", hours_ago=2, name="Спамер")
    asked = await _write(db, "t2", channel="telegram", sender="502", hours_ago=2, name="Отписался")
    await _write(db, "t3", channel="telegram", sender="503", hours_ago=2, name="Удалил бота")
    await _write(db, "w1", channel="whatsapp", sender="79161234567", hours_ago=30, name="Степан")
    await _write(db, "w2", channel="whatsapp", sender="79161234568", hours_ago=2, name="Семён")
    await _write(db, "t4", channel="telegram", sender="504", hours_ago=2, name=None)
    async with db.session() as session:
        await block_contact(session, contact_id=blocked, staff_id=None, at=utcnow())
        await set_broadcasts_off(session, contact_id=asked, off=True, staff_id=None, at=utcnow())
        await mark_reachable(
            session, channel="telegram", account="clients", external_id="503", reachable=False, at=utcnow()
        )
        await session.commit()
    sender = await _sender(db)
    async with db.session() as session:
        the_plan = await plan(session, _draft(), sender=sender, now=utcnow())
        with_template = await plan(
            session, _draft(whatsapp_template="docs_reminder:ru | {имя} | 20.12"), sender=sender, now=utcnow()
        )
    why = {c.contact.label(): c.skipped for c in the_plan.copies}
    assert why == {
        "Спамер": "blocked",
        "Отписался": "opted_out",
        "Удалил бота": "unreachable",
        "Степан": "whatsapp_window",  # wrote 30 hours ago: free text is refused there
        "Семён": None,
        next(
            c.contact.label() for c in the_plan.copies if c.contact.display_name is None
        ): "unfilled",  # {имя}
    }
    assert the_plan.skipped() == {
        "blocked": 1,
        "opted_out": 1,
        "unreachable": 1,
        "whatsapp_window": 1,
        "unfilled": 1,
    }
    texts = {c.contact.label(): c.text for c in with_template.sending}
    assert texts["Степан"] == "/template docs_reminder:ru | Степан | 20.12"
    assert texts["Семён"] is not None and texts["Семён"].startswith("Семён, добрый день!")


async def test_a_person_erased_on_request_gets_nothing(db: Database) -> None:
    await _write(db, "t1", channel="telegram", sender="501", hours_ago=2, name="Ольга")
    await _write(db, "t2", channel="telegram", sender="502", hours_ago=2, name="Пётр")
    async with db.session() as session:
        await forget_person(session, await find_person(session, who="telegram:clients:502"))
        await session.commit()
    sender = await _sender(db)
    async with db.session() as session:
        the_plan = await plan(session, _draft(text="Офис закрыт 31 декабря."), sender=sender, now=utcnow())
    assert [c.contact.label() for c in the_plan.copies] == ["Ольга"]


async def test_a_group_gets_its_clients_and_the_company_and_manager_are_theirs(db: Database) -> None:
    ours = await _write(db, "t1", channel="telegram", sender="501", hours_ago=2, name="Ольга")
    handled = await _write(db, "t2", channel="telegram", sender="502", hours_ago=2, name="Пётр")
    await _write(db, "t3", channel="telegram", sender="503", hours_ago=2, name="Чужой")
    async with db.session() as session:
        head = await add_staff(session, name="Виктор", role="supervisor")
        anna = await add_staff(session, name="Анна Петрова", role="manager")
        anna.head_id = head.id
        client = await add_client(session, name="ООО «Ромашка»", inn="7736207543")
        client.responsible_staff_id = anna.id
        await link_contact_to_client(session, contact_id=ours, client_id=client.id or 0)
        request = (
            (await session.execute(select(Request).where(col(Request.contact_id) == handled))).scalars().one()
        )
        request.assignee_id = anna.id
        await session.commit()
    text = "{имя}, {компания}: сверка до 25.12. {менеджер}"
    async with db.session() as session:
        the_plan = await plan(session, _draft(text=text, team=head.id), sender=head, now=utcnow())
    texts = {c.contact.label(): (c.text, c.skipped) for c in the_plan.copies}
    assert texts == {
        "Ольга": ("Ольга, ООО «Ромашка»: сверка до 25.12. Анна Петрова", None),  # her manager, not the sender
        "Пётр": (None, "unfilled"),  # Анна handles his request, but he names no company
    }


def test_the_form_is_checked() -> None:
    refused: dict[str, dict[str, object]] = {
        "empty": {"text": "  "},
        "unknown_placeholder": {"text": "{клиент}, добрый день"},
        "number": {"text": "Заявка #{номер}"},
        "no_channels": {"channels": ["api", "telephony"]},
        "bad_days": {"since_days": "год"},
        "bad_template": {"whatsapp_template": "два слова"},
    }
    for reason, fields in refused.items():
        with pytest.raises(BroadcastError) as caught:
            _draft(**fields)
        assert caught.value.reason == reason
    draft = _draft(
        channels=["email", "telegram"], subject=" Сроки ", whatsapp_template="/template x:ru | {имя}"
    )
    assert (draft.channels, draft.subject, draft.whatsapp_template) == (
        ("telegram", "email"),
        "Сроки",
        "x:ru | {имя}",
    )
    assert _draft(channels=["telegram"], subject="ignored").subject is None
    now = utcnow()
    for reason, when in (("when_past", now - timedelta(minutes=1)), ("when_far", now + timedelta(days=367))):
        with pytest.raises(BroadcastError) as caught:
            _draft(send_at=when, now=now)
        assert caught.value.reason == reason
    assert _draft(send_at=now + timedelta(days=2), now=now).send_at == now + timedelta(days=2)


async def test_a_subject_is_asked_for_only_when_someone_gets_it_by_email(db: Database) -> None:
    await _write(db, "t1", channel="telegram", sender="501", hours_ago=2, name="Ольга")
    sender = await _sender(db)
    queue = InlineQueue({}, ctx={})
    no_subject = _draft(subject=" ")
    assert no_subject.subject is None
    await send(
        db, queue, no_subject, key="k1", sender=sender, now=utcnow()
    )  # Telegram only: no subject needed
    await _write(db, "m1", channel="email", sender="petr@x.ru", hours_ago=1, name="Пётр", email="petr@x.ru")
    with pytest.raises(BroadcastError) as caught:
        await send(db, queue, no_subject, key="k2", sender=sender, now=utcnow())
    assert caught.value.reason == "no_subject"
    async with db.session() as session:
        assert [b.key for b in (await session.execute(select(Broadcast))).scalars()] == [
            "k1"
        ]  # nothing written


async def test_sent_once_kept_in_history_and_audited(db: Database) -> None:
    await _write(db, "t1", channel="telegram", sender="501", hours_ago=2, name="Ольга")
    await _write(db, "m1", channel="email", sender="petr@x.ru", hours_ago=2, name="Пётр", email="petr@x.ru")
    await _write(db, "w1", channel="whatsapp", sender="79161234567", hours_ago=30, name="Степан")
    sender = await _sender(db)
    queued: list[int] = []

    async def send_outbox(_ctx: dict[str, object], outbox_id: int) -> None:  # what a worker would send
        queued.append(outbox_id)

    async def send_broadcast(
        _ctx: dict[str, object], broadcast_id: int
    ) -> int:  # the job, as a worker runs it
        return await write_copies(db, queue, broadcast_id, now=utcnow(), tz=POLICY.tz)

    queue = InlineQueue({"send_outbox": send_outbox, "send_broadcast": send_broadcast}, ctx={})
    draft = _draft()
    first = await send(db, queue, draft, key="k1", sender=sender, now=utcnow())
    again = await send(db, queue, draft, key="k1", sender=sender, now=utcnow())
    assert first[1] is True and again == (first[0], False)
    await queue.drain(timeout=10)
    assert (
        await write_copies(db, queue, first[0], now=utcnow(), tz=POLICY.tz) == 0
    )  # written once: a second run writes none
    async with db.session() as session:
        [row] = (await session.execute(select(Broadcast))).scalars().all()
        recipients = (await session.execute(select(BroadcastRecipient))).scalars().all()
        sent = (
            (await session.execute(select(Message).where(col(Message.direction) == "outbound")))
            .scalars()
            .all()
        )
        outbox = (await session.execute(select(Outbox).order_by(col(Outbox.id)))).scalars().all()
        [audited] = (
            await session.execute(select(AuditLog).where(col(AuditLog.action) == "broadcast.send"))
        ).scalars()
    assert row.audience == {"channels": ["telegram", "whatsapp", "email"], "since_days": 30, "team": None}
    assert sorted((r.channel, r.skipped, r.message_id is not None) for r in recipients) == [
        ("email", None, True),
        ("telegram", None, True),
        ("whatsapp", "whatsapp_window", False),
    ]
    # no request of theirs is touched: the copies are in the clients' conversations, answering nothing
    assert [(m.request_id, m.author_staff_id, m.reply_to_key) for m in sent] == [(None, sender.id, None)] * 2
    assert all(m.message_key == f"okno-out:{o.id}" for m, o in zip(sent, outbox, strict=True))
    assert sorted(queued) == [o.id for o in outbox]  # each copy queued once, the second press queued none
    by_channel = {o.channel: o.payload for o in outbox}
    assert by_channel["email"]["thread_hints"] == {"subject": "Сроки сдачи отчётности"}
    assert by_channel["email"]["recipient_id"] == "petr@x.ru" and by_channel["email"]["reply_to_key"] is None
    assert by_channel["telegram"]["text"].startswith("Ольга, добрый день!")
    assert audited.details["sent"] == 2 and audited.details["skipped"] == {"whatsapp_window": 1}


async def test_a_clients_stop_in_answer_to_a_broadcast_ends_their_broadcasts(db: Database) -> None:
    olga = await _write(db, "t1", channel="telegram", sender="501", hours_ago=3, name="Ольга")
    await _write(db, "t2", channel="telegram", sender="502", hours_ago=3, name="Пётр")
    sender = await _sender(db)
    await _sent(db, _draft(), key="k1", sender=sender)
    stop = inbound(
        "t3", channel="telegram", account="clients", sender="501", text=" Стоп! ", sent_at=utcnow()
    )
    result = await accept(db, stop, policy=POLICY)
    assert result.outcome == "created" and result.request_id is None  # kept, nothing to do
    async with db.session() as session:
        the_plan = await plan(session, _draft(), sender=sender, now=utcnow())
        [audited] = (
            await session.execute(select(AuditLog).where(col(AuditLog.action) == "contact.broadcasts_off"))
        ).scalars()
    assert {c.contact.label(): c.skipped for c in the_plan.copies} == {"Ольга": "opted_out", "Пётр": None}
    assert (audited.actor_kind, audited.entity_id) == ("system", olga)


async def test_stop_with_no_broadcast_before_it_is_an_ordinary_message(db: Database) -> None:
    """«Стоп» may be a client's own word (stop the shipment): only after a broadcast is it the opt-out."""
    await _write(db, "t1", channel="telegram", sender="501", hours_ago=3, name="Ольга")
    stop = inbound("t2", channel="telegram", account="clients", sender="501", text="Стоп", sent_at=utcnow())
    assert (await accept(db, stop, policy=POLICY)).request_id is not None
    sender = await _sender(db)
    async with db.session() as session:
        the_plan = await plan(session, _draft(), sender=sender, now=utcnow())
    assert [c.skipped for c in the_plan.copies] == [None]


class Deferred:
    """A queue that only notes what was queued and for when (a scheduled job must wait in it)."""

    def __init__(self) -> None:
        self.jobs: list[tuple[str, tuple[Any, ...], float | None]] = []

    async def enqueue(
        self, job: str, *args: Any, job_id: str, queue: str = "io", defer_s: float | None = None
    ) -> bool:
        self.jobs.append((job, args, defer_s))
        return True

    async def close(self) -> None:
        return None


async def test_a_scheduled_broadcast_waits_for_its_time_and_picks_its_recipients_then(db: Database) -> None:
    await _write(db, "t1", channel="telegram", sender="501", hours_ago=2, name="Ольга")
    sender = await _sender(db)
    queue = Deferred()
    now = utcnow()
    at = now + timedelta(hours=20)
    broadcast_id, _ = await send(db, queue, _draft(send_at=at, now=now), key="k1", sender=sender, now=now)
    [(job, args, defer_s)] = queue.jobs
    assert (job, args) == ("send_broadcast", (broadcast_id,)) and defer_s == pytest.approx(20 * 3600)
    # before its time: nothing written
    assert await write_copies(db, queue, broadcast_id, now=now, tz=POLICY.tz) == 0
    async with db.session() as session:
        assert await unwritten(session, older_than=now + timedelta(minutes=2)) == []  # not lost: waiting
        assert await unwritten(session, older_than=at + timedelta(minutes=2)) == [broadcast_id]
    # Пётр writes after it was scheduled and before it goes: he gets it too
    await _write(db, "m1", channel="email", sender="petr@x.ru", hours_ago=1, name="Пётр", email="petr@x.ru")
    assert await write_copies(db, queue, broadcast_id, now=at, tz=POLICY.tz) == 2
    async with db.session() as session:
        [row] = (await session.execute(select(Broadcast))).scalars().all()
        assert await unwritten(session, older_than=at + timedelta(minutes=2)) == []
    assert row.written_at == at


async def test_a_broadcast_called_off_before_it_goes_sends_nothing(db: Database) -> None:
    await _write(db, "t1", channel="telegram", sender="501", hours_ago=2, name="Ольга")
    sender = await _sender(db)
    queue = Deferred()
    now = utcnow()
    at = now + timedelta(days=3)
    broadcast_id, _ = await send(db, queue, _draft(send_at=at, now=now), key="k1", sender=sender, now=now)
    assert await cancel(db, broadcast_id, staff=sender, now=now) is True
    assert await cancel(db, broadcast_id, staff=sender, now=now) is False  # once
    assert await write_copies(db, queue, broadcast_id, now=at, tz=POLICY.tz) == 0
    async with db.session() as session:
        assert await unwritten(session, older_than=at + timedelta(hours=1)) == []  # the sweeper leaves it
        [row] = (await session.execute(select(Broadcast))).scalars().all()
        assert (await session.execute(select(Outbox))).first() is None
        [audited] = (
            await session.execute(select(AuditLog).where(col(AuditLog.action) == "broadcast.cancel"))
        ).scalars()
    assert row.cancelled_at == now and row.cancelled_by_id == sender.id and audited.entity_id == broadcast_id
    # one already written cannot be called off
    sent_id, _ = await send(db, queue, _draft(), key="k2", sender=sender, now=now)
    assert await write_copies(db, queue, sent_id, now=now, tz=POLICY.tz) == 1
    assert await cancel(db, sent_id, staff=sender, now=now) is False


async def test_files_go_with_each_copy_and_who_cannot_take_them_is_passed_by(db: Database) -> None:
    await _write(db, "t1", channel="telegram", sender="501", hours_ago=2, name="Ольга")
    await _write(db, "m1", channel="email", sender="petr@x.ru", hours_ago=2, name="Пётр", email="petr@x.ru")
    await _write(db, "w1", channel="whatsapp", sender="79161234567", hours_ago=30, name="Степан")
    await _write(db, "w2", channel="whatsapp", sender="79161234568", hours_ago=2, name="Семён")
    await _write(db, "v1", channel="viber", sender="01234567890A=", hours_ago=2, name="Тарас")
    sender = await _sender(db)
    ref = AttachmentRef(
        kind="document", filename="Реквизиты.pdf", mime="application/pdf", size=10, blob_key="a" * 64
    )
    draft = _draft(
        channels=["telegram", "whatsapp", "email", "viber"],
        whatsapp_template="bank:ru | {имя}",
        attachments=(ref,),
    )
    broadcast_id = await _sent(db, draft, key="k1", sender=sender)
    async with db.session() as session:
        recipients = (
            await session.execute(
                select(BroadcastRecipient).where(col(BroadcastRecipient.broadcast_id) == broadcast_id)
            )
        ).scalars()
        skipped = sorted((r.channel, str(r.skipped)) for r in recipients)
        outbox = (await session.execute(select(Outbox))).scalars().all()
        files = (await session.execute(select(Attachment))).scalars().all()
    assert skipped == [
        ("email", "None"),
        ("telegram", "None"),
        ("viber", "viber_files"),  # Viber takes files only by a public link
        ("whatsapp", "None"),
        ("whatsapp", "whatsapp_files"),  # Степан, outside the window: a template carries no file
    ]
    assert [o.payload["attachments"] for o in outbox] == [
        [ref.model_dump(mode="json", exclude_none=True)]
    ] * 3
    # each copy's message holds the file, as a reply's does: the timeline shows and serves it
    assert len(files) == 3 and {f.blob_sha256 for f in files} == {"a" * 64}
    # with okno's public address Viber fetches the file by its link: Тарас gets it too
    async with db.session() as session:
        linked = await plan(session, draft, sender=sender, now=utcnow(), viber_files=True)
    assert {c.to.channel: c.skipped for c in linked.copies}["viber"] is None


def test_a_synced_template_is_checked_for_its_parameters() -> None:
    known = {
        "invoice_ready:ru": Template("invoice_ready", "ru", "UTILITY", "{{1}}, счёт {{2}}", ("1", "2")),
        "contract_scan:ru": Template(
            "contract_scan", "ru", "UTILITY", "{{1}}", ("1",), reason="media_header"
        ),
    }
    for template, reason, value in (
        ("invoice_ready:ru | {имя}", "template_count", "invoice_ready:ru: 2"),
        ("invoice_ready:ru | {имя} | 17 | лишний", "template_count", "invoice_ready:ru: 2"),
        ("contract_scan:ru | {имя}", "template_unusable", "contract_scan:ru"),
    ):
        with pytest.raises(BroadcastError) as caught:
            _draft(whatsapp_template=template, known_templates=known)
        assert (caught.value.reason, caught.value.value) == (reason, value)
    right = _draft(whatsapp_template="invoice_ready:ru | {имя} | 17", known_templates=known)
    assert right.whatsapp_template == "invoice_ready:ru | {имя} | 17"
    # a template okno never synced is Meta's to judge, as before
    assert (
        _draft(whatsapp_template="docs:ru | {имя}", known_templates=known).whatsapp_template
        == "docs:ru | {имя}"
    )
