"""The unified request: one per client across channels, a window, a lifecycle, fields with sources."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import col, select

from intake.accept import accept
from intake.policy import IntakePolicy
from intake.schema import CallInfo, InboundMessage
from okno.services import Services
from storage.db import Database
from storage.models import AuditLog, Request
from storage.repos.accounts import add_staff
from storage.repos.requests import (
    RequestTransitionError,
    change_status,
    record_staff_reply,
    set_field,
    wait_for_client,
)
from storage.types import utcnow
from tests.factories import NOW, inbound
from workers.outbound import queue_reply

pytestmark = pytest.mark.storage
POLICY = IntakePolicy(request_window=timedelta(hours=72))


async def requests(db: Database) -> list[Request]:
    async with db.session() as session:
        return list((await session.execute(select(Request).order_by(col(Request.id)))).scalars().all())


async def test_one_request_across_channels(db: Database) -> None:
    await accept(
        db,
        inbound(
            "w1",
            channel="whatsapp",
            account="main",
            sender="79161234567",
            phone="79161234567",
            text="Нужен акт сверки до пятницы",
        ),
        policy=POLICY,
    )
    await accept(
        db,
        inbound(
            "e1",
            channel="email",
            account="box",
            sender="irina@romashka.example",
            email="irina@romashka.example",
            phone="+79161234567",
            text="Акт во вложении",
            sent_at=NOW + timedelta(hours=2),
        ),
        policy=POLICY,
    )
    [request] = await requests(db)
    assert request.what == "Нужен акт сверки до пятницы"
    assert request.due_at is not None and request.field_sources["due_at"]["source"] == "parser"


async def test_what_to_do_leaves_the_greeting_and_the_introduction_to_their_fields(db: Database) -> None:
    text = "Добрый день! Это ООО «Ромашка», ИНН 7707083893. Нужно подготовить акт сверки до пятницы."
    await accept(db, inbound("w1", text=text), policy=POLICY)
    [request] = await requests(db)
    assert request.what == "Нужно подготовить акт сверки до пятницы."
    assert (request.company_name, request.inn) == ("ООО «Ромашка»", "7707083893")


async def test_after_done_or_outside_the_window_a_new_request_opens(db: Database) -> None:
    await accept(db, inbound("e1", text="Первый вопрос"), policy=POLICY)
    [first] = await requests(db)
    async with db.session() as session:
        row = await session.get(Request, first.id)
        assert row is not None
        await change_status(session, request=row, status="done", at=NOW + timedelta(minutes=5), staff_id=None)
        await session.commit()
    await accept(
        db, inbound("e2", text="Спасибо! И ещё вопрос", sent_at=NOW + timedelta(hours=1)), policy=POLICY
    )
    await accept(db, inbound("e3", text="Через 4 дня", sent_at=NOW + timedelta(days=5)), policy=POLICY)
    assert [r.status for r in await requests(db)] == ["done", "new", "new"]


async def test_first_response_time_and_status_flow(services: Services) -> None:
    db = services.db
    await accept(db, inbound("e1", text="Нужна справка"), policy=POLICY)
    async with db.session() as session:
        staff = await add_staff(session, name="Анна")
        await session.commit()
    [request] = await requests(db)
    assert request.status == "new" and request.first_response_at is None
    await queue_reply(db, services.queue, request_id=request.id or 0, staff_id=staff.id or 0, text="Готовим")
    [request] = await requests(db)
    assert request.status == "in_work" and request.assignee_id == staff.id
    assert request.first_response_at is not None and request.first_response_at >= request.created_at
    first = request.first_response_at
    await queue_reply(db, services.queue, request_id=request.id or 0, staff_id=staff.id or 0, text="Ещё")
    assert (await requests(db))[0].first_response_at == first  # only the first reply counts
    async with db.session() as session:
        row = await session.get(Request, request.id)
        assert row is not None
        await change_status(session, request=row, status="waiting_client", at=NOW, staff_id=staff.id)
        await session.commit()
    await accept(db, inbound("e2", text="Вот документы", sent_at=NOW + timedelta(minutes=30)), policy=POLICY)
    assert (await requests(db))[0].status == "in_work"  # the client answered: back in work


async def test_our_reminder_keeps_the_request_waiting_for_the_client(services: Services) -> None:
    """«Пришлите акты» puts a request to waiting_client; «напоминаем, ждём акты» is no answer from the
    client, so it keeps waiting and the wait counts from the reminder; the client's own message ends it."""
    db, now = services.db, utcnow()  # queue_reply stamps the reply with the real time
    await accept(db, inbound("e1", text="Нужна сверка за квартал", sent_at=now), policy=POLICY)
    async with db.session() as session:
        staff = await add_staff(session, name="Анна")
        row = (await session.execute(select(Request))).scalars().one()
        given = now + timedelta(days=7)
        await wait_for_client(session, request=row, at=now, staff_id=staff.id, until=given)
        await session.commit()
    [request] = await requests(db)
    assert (request.status, request.waiting_until, request.last_activity_at) == ("waiting_client", given, now)
    await queue_reply(
        db, services.queue, request_id=request.id or 0, staff_id=staff.id or 0, text="Ждём акты"
    )
    [request] = await requests(db)
    # still waiting, the client's date still ahead and kept; the first response and the assignee set
    assert (request.status, request.waiting_until) == ("waiting_client", given)
    assert request.assignee_id == staff.id and request.first_response_at is not None
    later = now + timedelta(days=2)
    async with db.session() as session:
        row = (await session.execute(select(Request))).scalars().one()
        await wait_for_client(session, request=row, at=later, staff_id=staff.id, until=None)
        await session.commit()
        actions = (await session.execute(select(AuditLog.action).where(AuditLog.entity == "request"))).all()
    [request] = await requests(db)  # waiting again: the wait starts over, on the company's days
    assert (request.status, request.waiting_until, request.last_activity_at) == (
        "waiting_client",
        None,
        later,
    )
    assert [a for (a,) in actions].count("request.wait") == 1
    await accept(db, inbound("e2", text="Вот акты", sent_at=now + timedelta(days=3)), policy=POLICY)
    [request] = await requests(db)
    assert (request.status, request.waiting_until) == ("in_work", None)


async def test_a_reminder_after_the_clients_date_starts_the_wait_over(db: Database) -> None:
    await accept(db, inbound("e1", text="Нужна сверка"), policy=POLICY)
    async with db.session() as session:
        row = (await session.execute(select(Request))).scalars().one()
        await change_status(
            session,
            request=row,
            status="waiting_client",
            at=NOW,
            staff_id=None,
            waiting_until=NOW + timedelta(1),
        )
        await record_staff_reply(session, request=row, at=NOW + timedelta(days=2), staff_id=None)
        assert (row.status, row.waiting_until) == ("waiting_client", None)  # the company's days, from now
        await change_status(session, request=row, status="in_work", at=NOW, staff_id=None)
        await change_status(
            session, request=row, status="done", at=NOW, staff_id=None, waiting_until=NOW + timedelta(1)
        )
        assert row.waiting_until is None  # a date to wait until belongs to waiting_client only


async def test_forbidden_transition_is_refused(db: Database) -> None:
    await accept(db, inbound("e1"), policy=POLICY)
    async with db.session() as session:
        row = (await session.execute(select(Request))).scalars().one()
        await change_status(session, request=row, status="cancelled", at=NOW, staff_id=None)
        with pytest.raises(RequestTransitionError):
            await change_status(session, request=row, status="waiting_client", at=NOW, staff_id=None)


async def test_manager_value_is_never_overwritten_by_the_parser(db: Database) -> None:
    await accept(db, inbound("e1", text="Нужен отчёт до пятницы"), policy=POLICY)
    async with db.session() as session:
        row = (await session.execute(select(Request))).scalars().one()
        manual = NOW + timedelta(days=10)
        assert set_field(row, field="due_at", value=manual, source="manager", at=NOW)
        await session.commit()
    await accept(db, inbound("e2", text="Лучше завтра", sent_at=NOW + timedelta(minutes=1)), policy=POLICY)
    [request] = await requests(db)
    assert request.due_at == manual and request.field_sources["due_at"]["source"] == "manager"


async def test_bad_inn_checksum_is_noted_not_stored(db: Database) -> None:
    await accept(db, inbound("e1", text="Наш ИНН 7728168972"), policy=POLICY)
    [request] = await requests(db)
    assert request.inn is None
    assert request.notes[0] == {"kind": "invalid_inn", "value": "7728168972", "at": NOW.isoformat()}


async def test_out_of_order_processing_gives_the_same_request(db: Database) -> None:
    """Jobs run concurrently: the first message may be accepted after the second. The form must not care."""
    later = inbound(
        "e2", text="И ещё: нужна копия договора до понедельника", sent_at=NOW + timedelta(minutes=5)
    )
    first = inbound("e1", text="Нужен счёт за ноябрь до пятницы", sent_at=NOW)
    await accept(db, later, policy=POLICY)
    await accept(db, first, policy=POLICY)
    [request] = await requests(db)
    assert request.what == "Нужен счёт за ноябрь до пятницы"
    assert request.created_at == NOW and request.sla_due_at == NOW + POLICY.sla_first_response
    assert (
        request.due_at is not None and request.due_at.isoformat() == "2026-11-27T15:00:00+00:00"
    )  # Friday 18:00


async def test_a_message_older_than_the_window_before_a_request_does_not_join_it(db: Database) -> None:
    """The demo's PBX handed over a call from 12 days before the client's WhatsApp question: it joined the
    question's request and took its start back, and the first response read 17,926 minutes."""
    await accept(db, inbound("e1", text="Когда будет готова декларация?", sent_at=NOW), policy=POLICY)
    old = NOW - POLICY.request_window - timedelta(minutes=1)
    await accept(db, inbound("e0", text="Звонок о счёте", sent_at=old), policy=POLICY)
    assert [(r.what, r.created_at) for r in await requests(db)] == [
        ("Когда будет готова декларация?", NOW),
        ("Звонок о счёте", old),
    ]
    # within the window it is the same request, begun earlier (the out-of-order case below)
    near = NOW - POLICY.request_window + timedelta(minutes=1)
    await accept(db, inbound("e-1", text="Ещё вопрос", sent_at=near), policy=POLICY)
    assert [r.created_at for r in await requests(db)] == [near, old]


async def test_a_reply_goes_to_the_last_written_message_not_to_a_call(services: Services) -> None:
    from intake.schema import CallInfo
    from storage.models import Outbox

    db = services.db
    await accept(
        db,
        inbound(
            "w1",
            channel="whatsapp",
            account="main",
            sender="79161234567",
            phone="79161234567",
            text="Нужна справка",
        ),
        policy=POLICY,
    )
    call = inbound(
        "c1",
        channel="telephony",
        account="pbx",
        sender="+79161234567",
        phone="+79161234567",
        kind="call",
        text=None,
        sent_at=NOW + timedelta(minutes=5),
        call=CallInfo(direction="inbound", from_number="+79161234567", started_at=NOW),
    )
    await accept(db, call, policy=POLICY)
    async with db.session() as session:
        staff = await add_staff(session, name="Анна")
        await session.commit()
    [request] = await requests(db)
    outbox = await queue_reply(
        db, services.queue, request_id=request.id or 0, staff_id=staff.id or 0, text="Справка готова"
    )
    async with db.session() as session:
        row = await session.get(Outbox, outbox.id)
    assert row is not None and (row.channel, row.conversation_key) == ("whatsapp", "79161234567")


def _mail(event_id: str, address: str, text: str, hours: int = 0) -> InboundMessage:
    return inbound(
        event_id,
        channel="email",
        account="box",
        sender=address,
        email=address,
        text=text,
        sent_at=NOW + timedelta(hours=hours),
    )


async def test_a_colleague_at_the_clients_mail_domain_writes_for_that_client(db: Database) -> None:
    """The accountant named the client by INN; the director's first letter, from his own address at the
    same company, names none: it is the same client's request, and he is now its contact."""
    await accept(
        db, _mail("a1", "irina@romashka.example", "ООО «Ромашка», ИНН 7707083893. Нужен акт."), policy=POLICY
    )
    await accept(
        db, _mail("d1", "Director@Romashka.example", "Пришлите проект договора на 2027 год."), policy=POLICY
    )
    first, second = await requests(db)
    assert first.client_id is not None and second.client_id == first.client_id
    # a public mail service is nobody's company; an INN names its own client whatever the domain
    await accept(db, _mail("a2", "anna@mail.ru", "ООО «Вектор», ИНН 7736207543. Нужен счёт."), policy=POLICY)
    await accept(db, _mail("p1", "petrov@mail.ru", "Нужна консультация по НДС."), policy=POLICY)
    await accept(
        db, _mail("o1", "olga@romashka.example", "ИП Смирнов, ИНН 500100732259. Нужен счёт."), policy=POLICY
    )
    *_, vector, stranger, own = await requests(db)
    assert vector.client_id not in (None, first.client_id)
    assert stranger.client_id is None
    assert own.client_id not in (None, first.client_id, vector.client_id)


async def test_a_domain_two_clients_share_names_neither(db: Database) -> None:
    """A holding's companies write from one domain: the domain alone cannot tell which one a letter is for."""
    await accept(
        db, _mail("a1", "irina@holding.example", "ООО «Ромашка», ИНН 7707083893. Нужен акт."), policy=POLICY
    )
    await accept(
        db, _mail("b1", "olga@holding.example", "АО «Вектор», ИНН 7736207543. Нужен счёт."), policy=POLICY
    )
    await accept(db, _mail("c1", "boss@holding.example", "Пришлите отчёт за ноябрь."), policy=POLICY)
    *_, unknown = await requests(db)
    assert unknown.client_id is None


async def test_the_clients_answer_joins_the_request_waiting_for_it_past_the_window(db: Database) -> None:
    """Acts asked for on Thursday, sent on Monday after a reminder: past the 72-hour window, still the answer
    the request waits for; an in-work request that long quiet is not joined."""
    await accept(db, inbound("e1", text="Нужна сверка"), policy=POLICY)
    await accept(db, inbound("o1", sender="u2", text="Нужен счёт"), policy=POLICY)
    async with db.session() as session:
        waiting, in_work = (await session.execute(select(Request).order_by(col(Request.id)))).scalars().all()
        await wait_for_client(session, request=waiting, at=NOW, staff_id=None, until=None)
        await change_status(session, request=in_work, status="in_work", at=NOW, staff_id=None)
        await session.commit()
    late = NOW + timedelta(days=4)
    await accept(db, inbound("e2", text="Вот акты", sent_at=late), policy=POLICY)
    await accept(db, inbound("o2", sender="u2", text="И ещё вопрос", sent_at=late), policy=POLICY)
    first, second, third = await requests(db)
    assert (first.status, first.last_activity_at) == ("in_work", late)  # the acts joined the waiting request
    assert second.last_activity_at == NOW and third.status == "new"  # past the window: a new request


async def test_our_call_keeps_the_request_waiting_and_the_clients_call_ends_the_wait(db: Database) -> None:
    """«Не могут дозвониться»: the manager calling the client about the acts is a reminder, not the client's
    answer — the request keeps waiting and the wait counts from the call; the client calling back ends it."""
    phone = "+79165551234"
    await accept(
        db, inbound("e1", channel="telephony", sender=phone, phone=phone, text="Нужна сверка"), policy=POLICY
    )
    async with db.session() as session:
        row = (await session.execute(select(Request))).scalars().one()
        await wait_for_client(session, request=row, at=NOW, staff_id=None, until=NOW + timedelta(hours=1))
        await session.commit()

    def call(event: str, direction: str, hours: float) -> InboundMessage:
        at = NOW + timedelta(hours=hours)
        info = CallInfo(direction=direction, from_number=phone, started_at=at)
        return inbound(
            event, kind="call", channel="telephony", sender=phone, phone=phone, sent_at=at, call=info
        )

    await accept(db, call("c1", "outbound", 2), policy=POLICY)  # nobody picked up
    [request] = await requests(db)
    assert (request.status, request.waiting_until) == ("waiting_client", None)  # the date passed: counts anew
    assert request.last_activity_at == NOW + timedelta(hours=2)
    await accept(db, call("c2", "inbound", 3), policy=POLICY)
    [request] = await requests(db)
    assert request.status == "in_work"
