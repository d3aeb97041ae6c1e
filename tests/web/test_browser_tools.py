"""The staff UI's work tools in Debian's Chromium: notes, header search, the client summary's citations,
task watchers, the WhatsApp template picker, folded email quotes, the admin pages, and every page on a phone.
Each test saves a screenshot."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import col, select

from intake.accept import accept
from storage.models import ClientSummary, Message, Outbox, Request, Task
from storage.repos.requests import record_rating
from storage.repos.saved_replies import save_saved_reply
from storage.types import utcnow
from tests.factories import inbound
from tests.web.browser import CHROMIUM, Browser
from tests.web.conftest import Seeded, email_request, whatsapp_request
from tests.web.test_browser import SHOTS, sign_in

pytestmark = [
    pytest.mark.storage,
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="/usr/bin/chromium is absent (apt-get install chromium)"
    ),
    pytest.mark.timeout(120),
]
NO_SIDEWAYS_SCROLL = "document.documentElement.scrollWidth <= window.innerWidth + 1"


async def test_an_internal_note_joins_the_timeline(browser: Browser, seeded: Seeded) -> None:
    await sign_in(browser, seeded)
    await browser.goto(f"{seeded.url}/ui/requests/{seeded.own_request_id}")
    await browser.fill("#note-form textarea", "Клиент просил звонить после 15:00")
    await browser.click("#note-form button")
    assert "Клиент просил звонить после 15:00" in await browser.text("#timeline li.note")
    assert "Клиент просил звонить после 15:00" in await browser.text("#notes")
    await browser.screenshot(SHOTS / "11_internal_note.png")
    async with seeded.live.services.db.session() as session:
        assert (await session.execute(select(Outbox))).scalars().first() is None  # never sent


async def test_search_from_the_header(browser: Browser, seeded: Seeded) -> None:
    await sign_in(browser, seeded)
    await browser.fill("header form.search input[name=q]", "справку")
    await browser.click("header form.search button")
    assert (await browser.path).startswith("/ui/search?q=")
    assert await browser.text(".messages-hits mark") == "справка"
    await browser.click(".messages-hits a")
    assert await browser.path == f"/ui/requests/{seeded.own_request_id}"
    await browser.goto(seeded.url + "/ui/search?q=7736207543")
    assert "ООО «Ромашка»" in await browser.text(".hits.clients")
    await browser.screenshot(SHOTS / "12_search.png")


async def test_summary_citations_lead_into_the_timeline(browser: Browser, seeded: Seeded) -> None:
    async with seeded.live.services.db.session() as session:
        query = select(Message.id).where(col(Message.request_id) == seeded.own_request_id)
        cited = int((await session.execute(query)).scalars().first() or 0)
        text = "Ждёт справку 2-НДФЛ к пятнице"
        session.add(
            ClientSummary(
                client_id=seeded.client_id,
                points=[{"section": "requests", "text": text, "cites": [cited]}],
                last_message_id=cited,
            )
        )
        await session.commit()
    await sign_in(browser, seeded)
    await browser.goto(f"{seeded.url}/ui/clients/{seeded.client_id}")
    assert "Ждёт справку 2-НДФЛ" in await browser.text("#summary")
    await browser.screenshot(SHOTS / "13_client_summary.png")
    await browser.click("#summary a.cite")
    assert await browser.eval("location.hash") == f"#m{cited}"
    assert await browser.count(f"li#m{cited}") == 1


async def test_task_watchers(browser: Browser, seeded: Seeded) -> None:
    await sign_in(browser, seeded)
    await browser.goto(seeded.url + "/ui/tasks")
    await browser.fill(".task .watch-add select", str(seeded.other_manager_id))
    await browser.click(".task .watch-add button")
    assert "Борис" in await browser.text(".task .watchers")
    await browser.screenshot(SHOTS / "14_task_watchers.png")
    async with seeded.live.services.db.session() as session:
        task = (await session.execute(select(Task))).scalars().one()
        assert task.watcher_ids == [seeded.other_manager_id]


async def test_whatsapp_template_picker(browser: Browser, seeded: Seeded) -> None:
    request_id = await whatsapp_request(seeded.live)
    await sign_in(browser, seeded)
    await browser.goto(f"{seeded.url}/ui/requests/{request_id}")
    assert "закрыто" in await browser.text("#wa-window")
    await browser.fill("#template-form select[name=template]", "invoice_ready")
    await browser.fill("#template-form input[name=template_params]", "Степан | 25.11")
    await browser.screenshot(SHOTS / "15_whatsapp_template.png")
    await browser.click("#template-form button")
    async with seeded.live.services.db.session() as session:
        sent = (await session.execute(select(Outbox))).scalars().one()
    assert sent.payload["text"] == "/template invoice_ready | Степан | 25.11"


async def test_quoted_email_is_folded(browser: Browser, seeded: Seeded) -> None:
    request_id = await email_request(seeded.live)
    await sign_in(browser, seeded)
    await browser.goto(f"{seeded.url}/ui/requests/{request_id}")
    assert await browser.eval("document.querySelector('details.quoted').open") is False
    visible = await browser.text("#timeline")
    assert "Спасибо, акт получили." in visible and "Высылаю акт сверки" not in visible
    await browser.screenshot(SHOTS / "16_email_quote_folded.png")


async def test_admin_channels_and_sla_pages(browser: Browser, seeded: Seeded) -> None:
    await sign_in(browser, seeded, "galina@example.ru")
    await browser.goto(seeded.url + "/ui/admin/channels")
    await browser.fill("#channel-form select[name=channel]", "telegram")
    await browser.fill("#channel-form input[name=name]", "support-bot")
    await browser.fill("#channel-form textarea[name=secrets]", "token=123:SECRET-XYZ")
    await browser.click("#channel-form button")
    page = await browser.text("body")
    assert "support-bot" in page and "SECRET-XYZ" not in page
    await browser.screenshot(SHOTS / "17_admin_channels.png")
    await browser.goto(seeded.url + "/ui/admin/sla")
    await browser.fill("#sla-form input[name=first_response_minutes]", "45")
    await browser.click("#sla-form button")
    assert "сохранены" in await browser.text(".notice")
    await browser.screenshot(SHOTS / "18_admin_sla.png")


async def test_every_page_fits_a_phone(browser: Browser, seeded: Seeded) -> None:
    await sign_in(browser, seeded, "galina@example.ru")  # the admin sees every page
    await browser.viewport(390, 844, mobile=True)
    pages = {
        "inbox": "/ui/",
        "conversation": f"/ui/requests/{seeded.unassigned_request_id}",
        "client": f"/ui/clients/{seeded.client_id}",
        "tasks": "/ui/tasks",
        "dashboard": "/ui/dashboard",
        "search": "/ui/search?q=справка",
        "staff": "/ui/admin/staff",
        "channels": "/ui/admin/channels",
        "sla": "/ui/admin/sla",
        "audit": "/ui/admin/audit",
        "profile": "/ui/profile",
        "replies": "/ui/replies",
        "broadcasts": "/ui/broadcasts",
    }
    too_wide = []
    for name, path in pages.items():
        await browser.goto(seeded.url + path)
        if not await browser.eval(NO_SIDEWAYS_SCROLL):
            too_wide.append(name)
        if name in ("conversation", "tasks", "client", "profile"):
            await browser.screenshot(SHOTS / f"19_phone_{name}.png")
    assert too_wide == []


async def test_the_clients_rating_the_requests_history_and_the_audit_log(
    browser: Browser, seeded: Seeded
) -> None:
    async with seeded.live.services.db.session() as session:
        request = await session.get(Request, seeded.own_request_id)
        assert request is not None
        request.status = "done"
        await record_rating(
            session, request=request, score=2, comment="акт прислали после третьего напоминания", at=utcnow()
        )
        await session.commit()
    await sign_in(browser, seeded, "galina@example.ru")
    await browser.goto(f"{seeded.url}/ui/profile")
    await browser.fill("#zone-form select[name=timezone]", "Asia/Krasnoyarsk")
    await browser.click("#zone-form button")
    assert "Красноярск (UTC+07:00)" in await browser.text("#my-zone")
    await browser.screenshot(SHOTS / "20_profile_time_zone.png")
    await browser.goto(f"{seeded.url}/ui/requests/{seeded.own_request_id}")
    assert "★★☆☆☆ 2/5" in await browser.text("#rating")
    assert "оценка клиента: 2 из 5" in await browser.text("#history")
    await browser.screenshot(SHOTS / "21_rating_and_history.png")
    await browser.goto(f"{seeded.url}/ui/dashboard?team=all")
    assert "акт прислали после третьего напоминания" in await browser.text("#dash-ratings")
    await browser.screenshot(SHOTS / "22_dashboard_ratings.png")
    await browser.goto(f"{seeded.url}/ui/admin/audit")
    assert "request.rated" in await browser.text("#audit") and "staff.timezone" in await browser.text(
        "#audit"
    )
    await browser.screenshot(SHOTS / "23_audit_log.png")


async def test_a_saved_reply_picked_goes_into_the_reply_box_filled_in(
    browser: Browser, seeded: Seeded
) -> None:
    async with seeded.live.services.db.session() as session:
        text = "{имя}, добрый день! Справку 2-НДФЛ по заявке #{номер} пришлём к пятнице. {менеджер}"
        await save_saved_reply(session, code="ндфл", text=text, staff_id=seeded.supervisor_id)
        await session.commit()
    number = seeded.own_request_id
    filled = f"Ольга Смирнова, добрый день! Справку 2-НДФЛ по заявке #{number} пришлём к пятнице. Анна"
    await sign_in(browser, seeded)
    await browser.goto(f"{seeded.url}/ui/requests/{seeded.own_request_id}")
    await browser.fill("#reply textarea", "Ольга, здравствуйте.")
    await browser.eval(
        "(() => { const s = document.querySelector('#saved-replies'); s.value = 'ндфл';"
        " s.dispatchEvent(new Event('change')); })()"
    )
    # added under what was written, to be read (and changed) before it goes
    assert (
        await browser.eval("document.querySelector('#reply textarea').value")
        == f"Ольга, здравствуйте.\n\n{filled}"
    )
    assert await browser.eval("document.querySelector('#saved-replies').value") == ""
    await browser.screenshot(SHOTS / "24_saved_reply_picked.png")
    await browser.click("#reply button")
    await seeded.live.drain()
    assert any(filled in str(item) for item in seeded.live.receiver.received)
    await browser.goto(f"{seeded.url}/ui/replies")
    assert "/ндфл" in await browser.text("#replies") and await browser.count("#reply-form") == 0
    await browser.screenshot(SHOTS / "25_saved_replies.png")


async def test_a_manager_loads_her_own_replies_from_an_excel_csv(
    browser: Browser, seeded: Seeded, tmp_path: Path
) -> None:
    sheet = tmp_path / "мои ответы.csv"
    sheet.write_bytes("Код;Текст\nспасибо;Спасибо, {имя}! Обращайтесь.\n".encode("cp1251"))
    await sign_in(browser, seeded)
    await browser.goto(f"{seeded.url}/ui/replies")
    assert await browser.count("#import-form") == 0  # the company's upload is a supervisor's
    await browser.pick_file("#my-import-form input[type=file]", sheet)
    await browser.click("#my-import-form button")
    assert "Добавлено 1, заменено 0." in await browser.text(".notice")
    assert "/спасибо" in await browser.text("#my-replies")
    await browser.screenshot(SHOTS / "28_saved_replies_from_a_file.png")


async def test_a_broadcast_checked_then_sent_from_the_browser(browser: Browser, seeded: Seeded) -> None:
    for sender, name in (("701", "Ольга"), ("702", "Пётр")):
        message = inbound(f"tg-{sender}", channel="telegram", account="clients", sender=sender, name=name)
        await accept(seeded.live.services.db, message, policy=seeded.live.services.jobs.policy)
    await sign_in(browser, seeded, "viktor@example.ru")
    await browser.goto(f"{seeded.url}/ui/broadcasts")
    await browser.fill("#broadcast-form textarea", "{имя}, добрый день! 31 декабря офис не работает.")
    await browser.fill("#broadcast-form input[name=since_days]", "3660")
    await browser.click("#broadcast-form button[type=submit]")
    assert "Получат 2:" in await browser.text("#broadcast-preview")
    assert "Ольга, добрый день! 31 декабря офис не работает." in await browser.text("#broadcast-preview")
    await browser.screenshot(SHOTS / "26_broadcast_checked.png")
    await browser.click("#broadcast-send button")
    assert (await browser.path).startswith("/ui/broadcasts/")
    await seeded.live.drain()
    await browser.goto(seeded.url + await browser.path)
    assert "Ольга" in await browser.text("#recipients") and "Пётр" in await browser.text("#recipients")
    await browser.screenshot(SHOTS / "27_broadcast_sent.png")
