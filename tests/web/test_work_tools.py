"""The staff UI's work tools over HTTP: internal notes, search, the client's responsible manager and summary,
task watchers and recurrence, the WhatsApp template picker, folded email quotes, and the admin pages for
channels and SLA — each behind its role and CSRF token."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlmodel import col, select

from intake.accept import accept
from intake.schema import ThreadHints
from storage.models import ChannelAccount, Client, ClientSummary, Message, Outbox, Request, RequestNote, Task
from storage.repos.company_settings import assignment_settings, sla_settings
from storage.types import utcnow
from tests.factories import inbound as inbound_message
from tests.web.conftest import Seeded, SignIn, email_request, whatsapp_request

pytestmark = pytest.mark.storage


async def first_message_id(seeded: Seeded, request_id: int) -> int:
    async with seeded.live.services.db.session() as session:
        query = select(Message.id).where(col(Message.request_id) == request_id).order_by(col(Message.id))
        return int((await session.execute(query)).scalars().first() or 0)


async def test_notes_are_listed_in_the_timeline_and_never_sent(seeded: Seeded, sign_in: SignIn) -> None:
    anna = await sign_in("anna@example.ru")
    path = f"/ui/requests/{seeded.own_request_id}"
    await anna.get(path)
    resp = await anna.post(f"{path}/notes", {"text": "Клиент просил звонить после 15:00 <b>"})
    assert resp.status == 303
    _, page = await anna.get(path)
    assert page.count("Клиент просил звонить после 15:00 &lt;b&gt;") == 2  # in the timeline and the panel
    assert 'class="note"' in page
    assert (await anna.post(f"{path}/notes", {"text": "   "})).status == 303  # refused, nothing stored
    assert (await anna.post(f"/ui/requests/{seeded.others_request_id}/notes", {"text": "x"})).status == 404
    assert (await anna.post(f"{path}/notes", {"text": "x"}, csrf=False)).status == 403
    async with seeded.live.services.db.session() as session:
        notes = (await session.execute(select(RequestNote))).scalars().all()
        assert [(n.request_id, n.author_staff_id) for n in notes] == [
            (seeded.own_request_id, seeded.manager_id)
        ]
        assert (await session.execute(select(Outbox))).scalars().first() is None


async def test_search_shows_a_manager_only_what_they_may_see(seeded: Seeded, sign_in: SignIn) -> None:
    anna, boss = await sign_in("anna@example.ru"), await sign_in("viktor@example.ru")
    status, page = await anna.get("/ui/search?q=СПРАВКА")
    assert status == 200 and f'href="/ui/requests/{seeded.own_request_id}#m' in page and "<mark>" in page
    _, page = await anna.get("/ui/search?q=акт+сверки")  # Борис's request
    assert "data-message" not in page
    assert f"/ui/requests/{seeded.others_request_id}#m" not in page
    _, page = await boss.get("/ui/search?q=акт+сверки")
    assert f"/ui/requests/{seeded.others_request_id}#m" in page
    for query in ("Ромашка", "7736207543"):
        _, page = await anna.get(f"/ui/search?q={query}")
        assert f'href="/ui/clients/{seeded.client_id}"' in page, query
    _, page = await anna.get("/ui/search?q=%3Cscript%3Ealert(1)%3C/script%3E")
    assert "<script>alert" not in page and "&lt;script&gt;" in page


async def test_a_manager_cannot_open_a_client_of_another_manager(seeded: Seeded, sign_in: SignIn) -> None:
    anna = await sign_in("anna@example.ru")
    async with seeded.live.services.db.session() as session:
        other = await session.get(Request, seeded.others_request_id)
        assert other is not None
        client = Client(name="ИП Белова", responsible_staff_id=seeded.other_manager_id)
        session.add(client)
        await session.flush()
        other.client_id = client.id
        await session.commit()
        client_id = client.id
    assert (await anna.get(f"/ui/clients/{client_id}"))[0] == 404
    assert (await anna.get(f"/ui/clients/{seeded.client_id}"))[0] == 200
    _, page = await anna.get("/ui/search?q=Белова")
    assert f"/ui/clients/{client_id}" not in page


async def test_supervisor_sets_the_responsible_manager(seeded: Seeded, sign_in: SignIn) -> None:
    anna, boss = await sign_in("anna@example.ru"), await sign_in("viktor@example.ru")
    await anna.get(f"/ui/clients/{seeded.client_id}")
    path = f"/ui/clients/{seeded.client_id}/responsible"
    assert (await anna.post(path, {"staff_id": str(seeded.manager_id)})).status == 403
    _, card = await boss.get(f"/ui/clients/{seeded.client_id}")
    assert "responsible-form" in card
    assert (await boss.post(path, {"staff_id": str(seeded.other_manager_id)}, csrf=False)).status == 403
    assert (await boss.post(path, {"staff_id": str(seeded.other_manager_id)})).status == 303
    async with seeded.live.services.db.session() as session:
        client = await session.get(Client, seeded.client_id)
        assert client is not None and client.responsible_staff_id == seeded.other_manager_id
    # The client's next new request goes to Борис.
    await accept(
        seeded.live.services.db,
        inbound_message("later", sender="own", text="Новый вопрос", sent_at=utcnow() + timedelta(days=5)),
        policy=seeded.live.services.jobs.policy,
    )
    async with seeded.live.services.db.session() as session:
        newest = (await session.execute(select(Request).order_by(col(Request.id).desc()))).scalars().first()
        assert newest is not None and newest.client_id == seeded.client_id
        assert newest.assignee_id == seeded.other_manager_id


async def test_client_card_shows_the_summary_with_citations(seeded: Seeded, sign_in: SignIn) -> None:
    own_message = await first_message_id(seeded, seeded.own_request_id)
    hidden_message = await first_message_id(seeded, seeded.others_request_id)
    async with seeded.live.services.db.session() as session:
        session.add(
            ClientSummary(
                client_id=seeded.client_id,
                points=[
                    {"section": "requests", "text": "Ждёт справку 2-НДФЛ", "cites": [own_message]},
                    {"section": "risks", "text": "Торопит", "cites": [hidden_message]},
                ],
                last_message_id=own_message,
            )
        )
        await session.commit()
    anna = await sign_in("anna@example.ru")
    _, card = await anna.get(f"/ui/clients/{seeded.client_id}")
    assert "Ждёт справку 2-НДФЛ" in card
    assert f'href="/ui/requests/{seeded.own_request_id}#m{own_message}"' in card
    assert f"#m{hidden_message}" not in card  # a message of another manager's request is not linked
    resp = await anna.post(f"/ui/clients/{seeded.client_id}/summary", {})
    assert resp.status == 303
    _, card = await anna.get(f"/ui/clients/{seeded.client_id}")
    assert "Ассистент выключен" in card  # the demo settings leave the assistant off: said, not pretended


async def test_watchers_see_the_task_and_a_done_monthly_task_recurs(seeded: Seeded, sign_in: SignIn) -> None:
    anna, boris = await sign_in("anna@example.ru"), await sign_in("boris@example.ru")
    async with seeded.live.services.db.session() as session:
        task = (await session.execute(select(Task))).scalars().one()
        task.recurrence = "monthly"
        await session.commit()
        task_id, due = task.id, task.due_at
    assert due is not None
    _, board = await boris.get(f"/ui/tasks?assignee={seeded.other_manager_id}")
    assert f'data-task="{task_id}"' not in board
    await anna.get("/ui/tasks")
    path = f"/ui/tasks/{task_id}/watchers"
    assert (await anna.post(path, {"staff_id": str(seeded.other_manager_id), "action": "add"})).status == 303
    assert (await anna.post(path, {"staff_id": "x", "action": "add"})).status == 400
    _, board = await boris.get(f"/ui/tasks?assignee={seeded.other_manager_id}")
    assert f'data-task="{task_id}"' in board and "наблюдаю" in board
    assert (await anna.post(f"/ui/tasks/{task_id}/status", {"status": "done"})).status == 303
    async with seeded.live.services.db.session() as session:
        tasks = (await session.execute(select(Task).order_by(col(Task.id)))).scalars().all()
    assert [(t.status, t.recurrence) for t in tasks] == [("done", None), ("open", "monthly")]
    follower = tasks[1]
    assert follower.watcher_ids == [seeded.other_manager_id] and follower.due_at is not None
    assert follower.due_at > utcnow() and follower.due_at.astimezone(due.tzinfo).time() == due.time()
    assert (
        await anna.post(path, {"staff_id": str(seeded.other_manager_id), "action": "remove"})
    ).status == 303


async def test_whatsapp_template_picker_when_the_window_is_closed(seeded: Seeded, sign_in: SignIn) -> None:
    live = seeded.live
    request_id = await whatsapp_request(live)
    anna = await sign_in("anna@example.ru")
    _, page = await anna.get(f"/ui/requests/{request_id}")
    assert "window-closed" in page and 'id="template-form"' in page
    assert re.findall(r'<option value="(okno_followup|invoice_ready)"', page) == [
        "okno_followup",
        "invoice_ready",
    ]
    reply = f"/ui/requests/{request_id}/reply"
    assert (await anna.post(reply, {"template": "made_up", "text": ""})).status == 303
    resp = await anna.post(
        reply, {"template": "invoice_ready", "template_params": "Иван | 25.11", "text": ""}
    )
    assert resp.status == 303
    async with live.services.db.session() as session:
        sent = (await session.execute(select(Outbox))).scalars().all()
    assert [o.payload["text"] for o in sent] == ["/template invoice_ready | Иван | 25.11"]


async def test_quoted_email_history_is_folded(seeded: Seeded, sign_in: SignIn) -> None:
    request_id = await email_request(seeded.live)
    anna = await sign_in("anna@example.ru")
    _, page = await anna.get(f"/ui/requests/{request_id}")
    fresh = page.index("Спасибо, акт получили.")
    folded = re.search(
        r'<details class="quoted"><summary>[^<]+</summary><div class="text">12\.11\.2026 Анна', page
    )
    assert folded is not None and folded.start() > fresh
    assert "&gt; Высылаю акт сверки" in page


async def test_an_email_shows_its_subject_once_and_who_wrote_it(seeded: Seeded, sign_in: SignIn) -> None:
    """The parser puts the subject first in the text the assistant reads; the page showed it twice, and
    every client message read «клиент» where a client's accountant and its director both write."""
    live = seeded.live
    message = inbound_message(
        "<s1@romashka.example>",
        channel="email",
        account="box",
        sender="irina@romashka.example",
        email="irina@romashka.example",
        name="Ирина Соколова",
        thread_hints=ThreadHints(subject="Акт сверки за 3 квартал"),
        text="Акт сверки за 3 квартал\n\nНужен акт сверки до пятницы.",
    )
    await accept(live.services.db, message, policy=live.services.jobs.policy)
    async with live.services.db.session() as session:
        query = select(Message).where(col(Message.message_key) == "<s1@romashka.example>")
        mail = (await session.execute(query)).scalars().one()
        request_id = mail.request_id
        session.add(  # an automatic answer in the same conversation (the client bot's, an autoresponder)
            Message(
                conversation_id=mail.conversation_id,
                request_id=request_id,
                channel="email",
                account="box",
                message_key="okno-auto-1",
                direction="outbound",
                kind="text",
                text="Спасибо, письмо получено.",
                sent_at=mail.sent_at,
            )
        )
        await session.commit()
    _, page = await (await sign_in("anna@example.ru")).get(f"/ui/requests/{request_id}")
    assert '<div class="subject">Акт сверки за 3 квартал</div>' in page
    assert '<div class="text">Нужен акт сверки до пятницы.</div>' in page
    assert re.search(r'<div class="meta">[^<]*<span[^>]*>@</span> клиент · Ирина Соколова · ', page)
    assert "мы · Ирина Соколова" not in page  # our own automatic answer is not hers


async def test_admin_connects_a_channel_and_never_sees_its_secret(seeded: Seeded, sign_in: SignIn) -> None:
    anna, admin = await sign_in("anna@example.ru"), await sign_in("galina@example.ru")
    assert (await anna.get("/ui/admin/channels"))[0] == 403
    assert (await anna.post("/ui/admin/channels", {"channel": "telegram", "name": "x"})).status == 403
    await admin.get("/ui/admin/channels")
    form = {
        "channel": "telegram",
        "name": "support-bot",
        "config": "mode=polling",
        "secrets": "token=123:SECRET-XYZ",
    }
    assert (await admin.post("/ui/admin/channels", form, csrf=False)).status == 403
    assert (await admin.post("/ui/admin/channels", {**form, "config": "no equals sign"})).status == 303
    assert (await admin.post("/ui/admin/channels", form)).status == 303
    status, page = await admin.get("/ui/admin/channels")
    assert status == 200 and "support-bot" in page and "SECRET-XYZ" not in page
    assert "token" in page  # which secrets are set, by name only
    async with seeded.live.services.db.session() as session:
        account = (
            (await session.execute(select(ChannelAccount).where(col(ChannelAccount.name) == "support-bot")))
            .scalars()
            .one()
        )
        assert "SECRET-XYZ" not in account.secrets_encrypted and account.config == {"mode": "polling"}
        assert (
            len((await session.execute(select(ChannelAccount))).scalars().all()) == 2
        )  # the bad form: nothing
    assert (await admin.post(f"/ui/admin/channels/{account.id}/active", {"active": "0"})).status == 303
    async with seeded.live.services.db.session() as session:
        assert (await session.get(ChannelAccount, account.id)).active is False  # type: ignore[union-attr]


async def test_admin_sets_sla_and_round_robin_a_manager_cannot(seeded: Seeded, sign_in: SignIn) -> None:
    anna, admin = await sign_in("anna@example.ru"), await sign_in("galina@example.ru")
    assert (await anna.get("/ui/admin/sla"))[0] == 403
    await admin.get("/ui/admin/sla")
    good = {
        "first_response_minutes": "30",
        "hours_on": "1",
        "start": "09:00",
        "end": "18:00",
        "round_robin": "1",
        "holidays": "31.12.2026, 2027-01-01",
    }
    for bad in ({**good, "start": "19:00"}, {**good, "holidays": "32.12.2026"}):
        assert (await admin.post("/ui/admin/sla", bad)).status == 303
        async with seeded.live.services.db.session() as session:
            assert (await sla_settings(session)).first_response_minutes is None  # refused: nothing saved
    resp = await admin.http.post(
        admin.base + "/ui/admin/sla",
        data=[*good.items(), ("days", "0"), ("days", "2"), ("csrf", admin.csrf)],
        allow_redirects=False,
    )
    assert resp.status == 303
    async with seeded.live.services.db.session() as session:
        sla = await sla_settings(session)
        assert sla.first_response_minutes == 30 and sla.business_hours is not None
        assert sla.business_hours.days == (0, 2) and (await assignment_settings(session)).round_robin
        assert sla.business_hours.holidays == {date(2026, 12, 31), date(2027, 1, 1)}
    _, page = await admin.get("/ui/admin/sla")
    assert 'value="30"' in page and "31.12.2026, 01.01.2027" in page


async def test_a_task_repeats_every_quarter_from_the_board(seeded: Seeded, sign_in: SignIn) -> None:
    """The quarterly VAT return set once from the board: offered, stored, shown, and its next occurrence a
    quarter on when it is done."""
    anna = await sign_in("anna@example.ru")
    _, board = await anna.get("/ui/tasks")
    options = board.split('name="recurrence"', 1)[1].split("</select>", 1)[0]
    assert '<option value="quarterly">ежеквартально</option>' in options
    assert '<option value="yearly">ежегодно</option>' in options
    due = date.today() + timedelta(days=3)
    form = {"title": "Декларация по НДС", "recurrence": "quarterly", "due": due.isoformat()}
    assert (await anna.post("/ui/tasks", form)).status == 303
    async with seeded.live.services.db.session() as session:
        query = select(Task).where(col(Task.recurrence) == "quarterly")
        task = (await session.execute(query)).scalars().one()
    assert task.due_at is not None
    _, board = await anna.get("/ui/tasks")
    assert "ежеквартально" in board.split(f'data-task="{task.id}"', 1)[1].split("</li>", 1)[0]
    assert (await anna.post(f"/ui/tasks/{task.id}/status", {"status": "done"})).status == 303
    async with seeded.live.services.db.session() as session:
        [follower] = (
            await session.execute(select(Task).where(col(Task.recurrence).like("quarterly%")))
        ).scalars()
    assert follower.due_at is not None and follower.id != task.id
    tz = seeded.live.services.jobs.policy.tz
    first, then = task.due_at.astimezone(tz), follower.due_at.astimezone(tz)
    assert (then.year * 12 + then.month) - (first.year * 12 + first.month) == 3
    assert then.time() == first.time()
