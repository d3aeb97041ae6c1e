"""«Рассылки» in the web: a supervisor writes a notice, checks who gets it where (and who does not, and why),
sends it once however often the button is pressed, and follows each copy; a manager marks a client who asked
for no broadcasts. Managers neither see nor send broadcasts."""

from __future__ import annotations

import html
import re
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import col, select

from intake.accept import accept
from storage.models import AuditLog, Broadcast, Contact, Outbox, Request
from storage.types import utcnow
from tests.factories import inbound
from tests.web.conftest import Seeded, SignIn
from workers.broadcasts import write_copies

pytestmark = pytest.mark.storage
TEXT = "{имя}, добрый день! До 20 декабря пришлите первичку за ноябрь."


async def _telegram_client(seeded: Seeded, sender: str, name: str) -> int:
    message = inbound(
        f"tg-{sender}", channel="telegram", account="clients", sender=sender, name=name, sent_at=utcnow()
    )
    await accept(seeded.live.services.db, message, policy=seeded.live.services.jobs.policy)
    async with seeded.live.services.db.session() as session:
        query = (
            select(Request.id)
            .where(col(Request.origin_channel) == "telegram")
            .order_by(col(Request.id).desc())
        )
        return int((await session.execute(query)).scalars().first() or 0)


def _form(**fields: str) -> list[tuple[str, str]]:
    values = {"text": TEXT, "subject": "", "whatsapp_template": "", "since_days": "30", "team": "", **fields}
    return [*values.items(), ("channels", "telegram"), ("channels", "whatsapp")]


async def test_a_supervisor_checks_sends_once_and_follows_a_broadcast(
    seeded: Seeded, sign_in: SignIn
) -> None:
    first = await _telegram_client(seeded, "701", "Ольга")
    await _telegram_client(seeded, "702", "Пётр")
    viktor = await sign_in("viktor@example.ru")
    status, page = await viktor.get("/ui/broadcasts")
    assert status == 200 and 'id="broadcast-form"' in page and "Рассылок ещё не было." in page
    assert 'href="/ui/broadcasts"' in page  # in the supervisor's menu
    # refused: nothing previewed, the form back as it was filled
    resp = await viktor.post("/ui/broadcasts/preview", _form(text="Заявка #{номер}"))
    body = await resp.text()
    assert resp.status == 422 and "{номер} в рассылке не подставить" in body
    assert ">Заявка #{номер}</textarea>" in body
    # the email box is ticked but nobody here writes by email: no subject is asked for
    resp = await viktor.post("/ui/broadcasts/preview", [*_form(), ("channels", "email")])
    preview = await resp.text()
    assert resp.status == 200 and "Получат 2:" in preview
    assert html.escape("Ольга, добрый день! До 20 декабря", quote=False) in preview
    assert "Отправить (2)" in preview and "Ромашка" not in preview  # the API channel's clients are not asked
    key = re.search(r'name="key" value="([^"]+)"', preview)
    assert key is not None
    # «Изменить»: the form again, filled
    resp = await viktor.post("/ui/broadcasts/edit", _form(text="Черновик"))
    assert resp.status == 200 and ">Черновик</textarea>" in await resp.text()
    sent = [await viktor.post("/ui/broadcasts", [*_form(), ("key", key.group(1))]) for _ in range(2)]
    assert [r.status for r in sent] == [303, 303]
    assert sent[0].headers["Location"] == sent[1].headers["Location"] == "/ui/broadcasts/1"
    await seeded.live.drain()
    async with seeded.live.services.db.session() as session:
        assert len((await session.execute(select(Broadcast))).scalars().all()) == 1
        outbox = (await session.execute(select(Outbox))).scalars().all()
        [audited] = (
            await session.execute(select(AuditLog).where(col(AuditLog.action) == "broadcast.send"))
        ).scalars()
    assert len(outbox) == 2 and audited.actor_id == seeded.supervisor_id
    _, page = await viktor.get("/ui/broadcasts/1")
    assert "Эта рассылка уже отправлена — повторно не отправляли." in page
    assert "не доставлено: <strong>2</strong>" in page  # no Telegram account here
    assert page.split('id="recipients"', 1)[1].count("<td>не доставлено") == 2
    assert "no account for telegram" in page
    _, listing = await viktor.get("/ui/broadcasts")
    assert 'href="/ui/broadcasts/1"' in listing and "не доставлено: 2" in listing
    # the copy is in the client's history, on their request's page
    _, request_page = await viktor.get(f"/ui/requests/{first}")
    assert "Ольга, добрый день! До 20 декабря пришлите первичку за ноябрь." in request_page


async def test_a_client_who_asked_for_none_is_passed_by(seeded: Seeded, sign_in: SignIn) -> None:
    request_id = await _telegram_client(seeded, "701", "Ольга")
    await _telegram_client(seeded, "702", "Пётр")
    anna = await sign_in("anna@example.ru")
    page_of = f"/ui/requests/{request_id}"
    _, page = await anna.get(page_of)
    assert 'id="broadcasts-form"' in page and "Не присылать рассылки" in page
    assert (await anna.post(f"{page_of}/broadcasts", {"off": "1"})).status == 303
    _, page = await anna.get(page_of)
    assert "Клиент отказался от рассылок" in page and "Снова присылать рассылки" in page
    viktor = await sign_in("viktor@example.ru")
    await viktor.get("/ui/broadcasts")
    preview = await (await viktor.post("/ui/broadcasts/preview", _form())).text()
    assert "Получат 1:" in preview and "отказался от рассылок: 1" in preview
    assert (await anna.post(f"{page_of}/broadcasts", {"off": "0"})).status == 303
    async with seeded.live.services.db.session() as session:
        request = await session.get(Request, request_id)
        assert request is not None
        contact = await session.get(Contact, request.contact_id)
        actions = (
            await session.execute(
                select(AuditLog.action).where(col(AuditLog.entity) == "contact").order_by(col(AuditLog.id))
            )
        ).scalars()
        assert contact is not None and contact.broadcasts_off_at is None
        assert list(actions) == ["contact.broadcasts_off", "contact.broadcasts_on"]


async def test_managers_neither_see_nor_send_broadcasts(seeded: Seeded, sign_in: SignIn) -> None:
    anna = await sign_in("anna@example.ru")
    status, page = await anna.get("/ui/")
    assert status == 200 and 'href="/ui/broadcasts"' not in page
    assert (await anna.get("/ui/broadcasts"))[0] == 403
    assert (await anna.post("/ui/broadcasts/preview", _form())).status == 403
    assert (await anna.post("/ui/broadcasts", [*_form(), ("key", "k")])).status == 403
    galina = await sign_in("galina@example.ru")  # the admin may
    assert (await galina.get("/ui/broadcasts"))[0] == 200


async def test_whatsapp_outside_the_window_needs_the_template(seeded: Seeded, sign_in: SignIn) -> None:
    message = inbound(
        "wamid.1", channel="whatsapp", account="main", sender="79161234567", name="Степан",
        sent_at=utcnow() - timedelta(hours=30),
    )  # fmt: skip
    await accept(seeded.live.services.db, message, policy=seeded.live.services.jobs.policy)
    viktor = await sign_in("viktor@example.ru")
    await viktor.get("/ui/broadcasts")
    preview = await (await viktor.post("/ui/broadcasts/preview", _form())).text()
    assert "Некому отправить" in preview and "WhatsApp: нужен шаблон: 1" in preview
    assert "Отправить (" not in preview
    resp = await viktor.post("/ui/broadcasts/preview", _form(whatsapp_template="два слова"))
    assert resp.status == 422 and "Шаблон WhatsApp не прочесть" in await resp.text()
    preview = await (
        await viktor.post("/ui/broadcasts/preview", _form(whatsapp_template="docs_reminder:ru | {имя}"))
    ).text()
    assert "Получат 1:" in preview and "/template docs_reminder:ru | Степан" in preview


async def test_a_subject_is_asked_for_when_a_client_gets_it_by_email(seeded: Seeded, sign_in: SignIn) -> None:
    message = inbound(
        "<m1@romashka.example>", channel="email", account="box", sender="olga@romashka.example",
        email="olga@romashka.example", name="Ольга", sent_at=utcnow(),
    )  # fmt: skip
    await accept(seeded.live.services.db, message, policy=seeded.live.services.jobs.policy)
    viktor = await sign_in("viktor@example.ru")
    await viktor.get("/ui/broadcasts")
    form = [*_form(), ("channels", "email")]
    resp = await viktor.post("/ui/broadcasts/preview", form)
    assert resp.status == 422 and "получит рассылку письмом: напишите тему письма" in await resp.text()
    resp = await viktor.post("/ui/broadcasts/preview", [*_form(subject="Сроки"), ("channels", "email")])
    assert resp.status == 200 and "Получат 1:" in await resp.text()


async def test_files_go_with_every_copy_that_can_carry_them(seeded: Seeded, sign_in: SignIn) -> None:
    await _telegram_client(seeded, "701", "Ольга")
    message = inbound(
        "wamid.1", channel="whatsapp", account="main", sender="79161234567", name="Степан",
        sent_at=utcnow() - timedelta(hours=30),
    )  # fmt: skip
    await accept(seeded.live.services.db, message, policy=seeded.live.services.jobs.policy)
    viktor = await sign_in("viktor@example.ru")
    _, page = await viktor.get("/ui/broadcasts")
    assert 'enctype="multipart/form-data"' in page and 'type="file" name="files"' in page
    pdf = b"%PDF-1.4 new bank details"
    form = _form(text="{имя}, новые реквизиты во вложении.", whatsapp_template="bank_details:ru | {имя}")
    resp = await viktor.post_files(
        "/ui/broadcasts/preview", form, [("Реквизиты.pdf", pdf, "application/pdf")]
    )
    preview = await resp.text()
    assert resp.status == 200 and "Получат 1:" in preview and "📎 Реквизиты.pdf" in preview
    # a template carries none of our files: Степан is passed by, saying why
    assert "WhatsApp: файлы доходят только в течение суток после сообщения клиента: 1" in preview
    kept = [html.unescape(a) for a in re.findall(r'name="attachment" value="([^"]+)"', preview)]
    key = re.search(r'name="key" value="([^"]+)"', preview)
    assert len(kept) == 2 and key is not None  # the send form's and «Изменить»'s
    # «Изменить» keeps the file, ticked
    resp = await viktor.post("/ui/broadcasts/edit", [*form, ("attachment", kept[0])])
    assert 'id="broadcast-files"' in await resp.text()
    # a reference the preview did not store is refused, nothing is sent
    forged = kept[0].replace(kept[0].split('"blob_key":"')[1][:64], "0" * 64)
    resp = await viktor.post("/ui/broadcasts", [*form, ("attachment", forged), ("key", key.group(1))])
    assert resp.status == 422 and "не найден среди загруженных" in await resp.text()
    # what the form may add beyond the preview's reference (a link Viber would be sent instead) is dropped
    edited = kept[0].replace('"filename":', '"url":"https://evil.example/x.pdf","filename":')
    resp = await viktor.post("/ui/broadcasts", [*form, ("attachment", edited), ("key", key.group(1))])
    assert resp.status == 303
    await seeded.live.drain()
    async with seeded.live.services.db.session() as session:
        [outbox] = (await session.execute(select(Outbox))).scalars().all()
        [row] = (await session.execute(select(Broadcast))).scalars().all()
    [attached] = outbox.payload["attachments"]
    assert attached["filename"] == "Реквизиты.pdf" and attached["size"] == len(pdf) and "url" not in attached
    assert await seeded.live.services.jobs.blobs.get(attached["blob_key"]) == pdf
    assert row.attachments == [attached]
    _, page = await viktor.get(f"/ui/broadcasts/{row.id}")
    assert "📎 Реквизиты.pdf" in page


async def test_a_broadcast_scheduled_for_later_can_be_called_off(seeded: Seeded, sign_in: SignIn) -> None:
    await _telegram_client(seeded, "701", "Ольга")
    viktor = await sign_in("viktor@example.ru")
    await viktor.get("/ui/broadcasts")
    resp = await viktor.post("/ui/broadcasts/preview", _form(send_at="2020-01-01T09:00"))
    assert resp.status == 422 and "Время отправки уже прошло" in await resp.text()
    later = (utcnow() + timedelta(days=2)).astimezone(ZoneInfo("Europe/Moscow"))
    form = _form(send_at=later.strftime("%Y-%m-%dT%H:%M"))
    preview = await (await viktor.post("/ui/broadcasts/preview", form)).text()
    assert 'id="broadcast-when"' in preview and "получатели будут выбраны в это время" in preview
    assert "Запланировать (1)" in preview and "Отправить (" not in preview
    key = re.search(r'name="key" value="([^"]+)"', preview)
    assert key is not None
    resp = await viktor.post("/ui/broadcasts", [*form, ("key", key.group(1))])
    assert resp.status == 303
    await seeded.live.drain()
    _, page = await viktor.get(resp.headers["Location"])
    assert "Рассылка запланирована." in page and 'id="broadcast-scheduled"' in page
    assert later.strftime("%d.%m") in page and 'id="broadcast-cancel"' in page
    async with seeded.live.services.db.session() as session:
        [row] = (await session.execute(select(Broadcast))).scalars().all()
        assert row.written_at is None and (await session.execute(select(Outbox))).first() is None
    assert row.send_at is not None and abs((row.send_at - later).total_seconds()) < 60
    assert (await viktor.post(f"/ui/broadcasts/{row.id}/cancel", {})).status == 303
    _, page = await viktor.get(f"/ui/broadcasts/{row.id}")
    assert "Рассылка отменена: никому не уйдёт." in page and 'id="broadcast-cancelled"' in page
    assert 'id="broadcast-cancel"' not in page
    assert (await viktor.post(f"/ui/broadcasts/{row.id}/cancel", {})).status == 303
    _, page = await viktor.get(f"/ui/broadcasts/{row.id}")
    assert "Отменить уже нельзя" in page
    _, listing = await viktor.get("/ui/broadcasts")
    assert "отменена" in listing.split('id="broadcasts"', 1)[1]
    anna = await sign_in("anna@example.ru")
    assert (await anna.post(f"/ui/broadcasts/{row.id}/cancel", {})).status == 403


def _later(days: int = 2) -> str:
    """«Отправить позже» as the form sends it: the member's (Moscow's) wall clock."""
    return (utcnow() + timedelta(days=days)).astimezone(ZoneInfo("Europe/Moscow")).strftime("%Y-%m-%dT%H:%M")


async def test_a_repeat_is_chosen_from_a_time_checked_kept_and_sent(seeded: Seeded, sign_in: SignIn) -> None:
    await _telegram_client(seeded, "701", "Ольга")
    viktor = await sign_in("viktor@example.ru")
    _, page = await viktor.get("/ui/broadcasts")
    select_ = page.split('<select name="repeat">', 1)[1].split("</select>", 1)[0]
    assert re.findall(r'<option value="(\w*)"[^>]*>([^<]+)<', select_) == [
        ("", "Не повторять"),
        ("weekly", "Каждую неделю"),
        ("monthly", "Каждый месяц"),
        ("quarterly", "Каждый квартал"),
        ("yearly", "Каждый год"),
    ]
    # a repeat runs from the first sending's time: without one it is refused, the choice kept
    resp = await viktor.post("/ui/broadcasts/preview", _form(repeat="monthly"))
    body = await resp.text()
    assert resp.status == 422 and "укажите в «Отправить позже», когда отправить её в первый раз" in body
    assert '<option value="monthly" selected>' in body
    resp = await viktor.post("/ui/broadcasts/preview", _form(repeat="daily", send_at=_later()))
    assert resp.status == 422 and "Повторять можно каждую неделю, месяц, квартал или год, а не «daily»" in (
        await resp.text()
    )
    form = _form(repeat="monthly", send_at=_later())
    preview = await (await viktor.post("/ui/broadcasts/preview", form)).text()
    assert 'id="broadcast-repeat"' in preview and "Повторяется каждый месяц" in preview
    assert preview.count('name="repeat" value="monthly"') == 2  # the send form's and «Изменить»'s
    edited = await (await viktor.post("/ui/broadcasts/edit", form)).text()
    assert '<option value="monthly" selected>' in edited
    key = re.search(r'name="key" value="([^"]+)"', preview)
    assert key is not None
    resp = await viktor.post("/ui/broadcasts", [*form, ("key", key.group(1))])
    assert resp.status == 303
    _, page = await viktor.get(resp.headers["Location"])
    assert "Повторяется каждый месяц" in page and 'id="broadcast-stop-repeat"' in page
    async with seeded.live.services.db.session() as session:
        [row] = (await session.execute(select(Broadcast))).scalars().all()
    assert row.repeat == "monthly" and row.send_at is not None and row.previous_id is None
    # English too
    assert (await viktor.post("/ui/profile/language", {"language": "en"})).status == 303
    _, page = await viktor.get("/ui/broadcasts")
    assert "Every month" in page and "Repeats every month" in page


async def test_each_occurrence_links_the_one_before_and_after_and_the_repeat_can_stop(
    seeded: Seeded, sign_in: SignIn
) -> None:
    await _telegram_client(seeded, "701", "Ольга")
    viktor = await sign_in("viktor@example.ru")
    await viktor.get("/ui/broadcasts")
    form = _form(repeat="weekly", send_at=_later())
    preview = await (await viktor.post("/ui/broadcasts/preview", form)).text()
    key = re.search(r'name="key" value="([^"]+)"', preview)
    assert key is not None
    assert (await viktor.post("/ui/broadcasts", [*form, ("key", key.group(1))])).status == 303
    services = seeded.live.services
    async with services.db.session() as session:
        [first] = (await session.execute(select(Broadcast))).scalars().all()
    assert first.send_at is not None
    # its time comes: the job writes it and schedules the next one
    assert services.inline is not None
    tz = services.jobs.policy.tz
    assert await write_copies(services.db, services.inline, first.id or 0, now=first.send_at, tz=tz) == 1
    async with services.db.session() as session:
        [following] = (
            await session.execute(select(Broadcast).where(col(Broadcast.previous_id) == first.id))
        ).scalars()
    assert following.send_at is not None
    next_at = following.send_at.astimezone(tz).strftime("%d.%m.%Y %H:%M")
    _, page = await viktor.get(f"/ui/broadcasts/{first.id}")
    assert f'href="/ui/broadcasts/{following.id}" id="broadcast-next">Следующая: {next_at} →' in page
    assert 'id="broadcast-previous"' not in page and 'id="broadcast-stop-repeat"' not in page  # it has gone
    _, page = await viktor.get(f"/ui/broadcasts/{following.id}")
    assert f'href="/ui/broadcasts/{first.id}" id="broadcast-previous">← Предыдущая:' in page
    assert "Повторяется каждую неделю" in page and 'id="broadcast-stop-repeat"' in page
    _, listing = await viktor.get("/ui/broadcasts")
    chain_of_first = listing.split(f'id="broadcast-{first.id}-chain">', 1)[1].split("</div>", 1)[0]
    chain_of_next = listing.split(f'id="broadcast-{following.id}-chain">', 1)[1].split("</div>", 1)[0]
    assert f'<a href="/ui/broadcasts/{following.id}">следующая →</a>' in chain_of_first
    assert f'<a href="/ui/broadcasts/{first.id}">← предыдущая</a>' in chain_of_next
    assert "Повторяется каждую неделю" in chain_of_next
    anna = await sign_in("anna@example.ru")
    assert (await anna.post(f"/ui/broadcasts/{following.id}/stop-repeat", {})).status == 403
    # «Больше не повторять»: it goes this once more, and repeats no more
    assert (await viktor.post(f"/ui/broadcasts/{following.id}/stop-repeat", {})).status == 303
    _, page = await viktor.get(f"/ui/broadcasts/{following.id}")
    assert "уйдёт в назначенное время последний раз" in page and 'id="broadcast-repeat"' not in page
    assert 'id="broadcast-cancel"' in page and 'id="broadcast-previous"' in page
    assert (await viktor.post(f"/ui/broadcasts/{following.id}/stop-repeat", {})).status == 303
    _, page = await viktor.get(f"/ui/broadcasts/{following.id}")
    assert "Здесь повтор уже не остановить" in page
    async with services.db.session() as session:
        stopped = (
            await session.execute(select(AuditLog).where(col(AuditLog.action) == "broadcast.stop_repeat"))
        ).scalars()
        assert [(a.actor_id, a.entity_id) for a in stopped] == [(seeded.supervisor_id, following.id)]


async def test_a_broadcast_still_to_go_is_changed_from_its_page(seeded: Seeded, sign_in: SignIn) -> None:
    """«Изменить рассылку»: the form filled from it (text, time in the member's zone, repeat, its file
    kept), the preview saves instead of sending, the same broadcast carries the change; once it has gone,
    the button is gone and the address says why."""
    await _telegram_client(seeded, "701", "Ольга")
    viktor = await sign_in("viktor@example.ru")
    await viktor.get("/ui/broadcasts")
    when = _later()
    form = _form(repeat="monthly", send_at=when)
    resp = await viktor.post_files(
        "/ui/broadcasts/preview", form, [("Памятка.pdf", b"%PDF-1.4", "application/pdf")]
    )
    preview = await resp.text()
    kept = [html.unescape(a) for a in re.findall(r'name="attachment" value="([^"]+)"', preview)]
    key = re.search(r'name="key" value="([^"]+)"', preview)
    assert key is not None and kept
    resp = await viktor.post("/ui/broadcasts", [*form, ("attachment", kept[0]), ("key", key.group(1))])
    assert resp.status == 303
    async with seeded.live.services.db.session() as session:
        [row] = (await session.execute(select(Broadcast))).scalars().all()
    _, page = await viktor.get(f"/ui/broadcasts/{row.id}")
    assert f'action="/ui/broadcasts/{row.id}/change" id="broadcast-change"' in page
    status, filled = await viktor.get(f"/ui/broadcasts/{row.id}/change")
    assert status == 200 and 'id="broadcast-editing"' in filled
    assert f'name="edit_of" value="{row.id}"' in filled and f'value="{when}"' in filled
    assert '<option value="monthly" selected>' in filled and "📎 Памятка.pdf" in filled
    assert f">{TEXT}</textarea>" in filled
    text = "{имя}, добрый день! До 25 декабря пришлите первичку за ноябрь."
    moved = _later(days=3)
    changed = _form(text=text, repeat="monthly", send_at=moved, edit_of=str(row.id))
    changed.append(("attachment", html.unescape(re.findall(r'name="attachment" value="([^"]+)"', filled)[0])))
    preview = await (await viktor.post("/ui/broadcasts/preview", changed)).text()
    assert "Сохранить изменения" in preview and "Запланировать (" not in preview
    assert preview.count(f'name="edit_of" value="{row.id}"') == 2  # the save form's and «Изменить»'s
    key = re.search(r'name="key" value="([^"]+)"', preview)
    assert key is not None
    for _ in range(2):  # a second press changes nothing more
        resp = await viktor.post("/ui/broadcasts", [*changed, ("key", key.group(1))])
        assert resp.status == 303 and resp.headers["Location"] == f"/ui/broadcasts/{row.id}"
    _, page = await viktor.get(f"/ui/broadcasts/{row.id}")
    assert "Рассылка изменена." in page and "25 декабря" in page and "📎 Памятка.pdf" in page
    services = seeded.live.services
    async with services.db.session() as session:
        [edited] = (await session.execute(select(Broadcast))).scalars().all()
        edits = (
            await session.execute(select(AuditLog).where(col(AuditLog.action) == "broadcast.edit"))
        ).scalars()
        assert [a.details["changed"] for a in edits] == [["text", "send_at"]]
    assert edited.id == row.id and edited.send_at is not None and edited.attachments == row.attachments
    assert edited.send_at.astimezone(ZoneInfo("Europe/Moscow")).strftime("%Y-%m-%dT%H:%M") == moved
    # its time comes: the new text goes; the broadcast can no longer be changed
    assert services.inline is not None
    tz = services.jobs.policy.tz
    assert await write_copies(services.db, services.inline, row.id or 0, now=edited.send_at, tz=tz) == 1
    _, page = await viktor.get(f"/ui/broadcasts/{row.id}")
    assert 'id="broadcast-change"' not in page
    status, body = await viktor.get(f"/ui/broadcasts/{row.id}/change")
    assert status == 303 and body == "303: See Other"
    _, page = await viktor.get(f"/ui/broadcasts/{row.id}")
    assert "Изменить уже нельзя" in page
    anna = await sign_in("anna@example.ru")
    assert (await anna.get(f"/ui/broadcasts/{row.id}/change"))[0] == 403
