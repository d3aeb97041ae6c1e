"""The staff UI in Debian's Chromium (DevTools protocol): sign in, inbox, conversation, reply, status, task,
merge, dashboard, and client content that must stay inert. Each test saves a screenshot."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import pytest
from sqlmodel import col, select

from storage.models import Contact, Request, Task
from tests.web.browser import CHROMIUM, Browser
from tests.web.conftest import PASSWORD, Seeded

SHOTS = Path(__file__).parent / "screenshots"
pytestmark = [
    pytest.mark.storage,
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="/usr/bin/chromium is absent (apt-get install chromium)"
    ),
    pytest.mark.timeout(120),
]


async def sign_in(browser: Browser, seeded: Seeded, login: str = "anna@example.ru") -> None:
    await browser.goto(seeded.url + "/ui/")
    assert (await browser.path).startswith("/ui/login")
    await browser.fill("input[name=login]", login)
    await browser.fill("input[name=password]", PASSWORD)
    await browser.click("form[action='/ui/login'] button")
    assert await browser.path == "/ui/"


async def test_sign_in_and_see_the_inbox_queues(browser: Browser, seeded: Seeded) -> None:
    await browser.goto(seeded.url + "/ui/")
    await browser.fill("input[name=login]", "anna@example.ru")
    await browser.screenshot(SHOTS / "01_login.png")
    await browser.fill("input[name=password]", PASSWORD)
    await browser.click("form[action='/ui/login'] button")
    queues = await browser.text("nav.queues")
    assert "Неотвеченные 2" in queues and "В работе 0" in queues
    assert await browser.count("table.inbox tbody tr") == 2
    assert "ООО «Ромашка»" in await browser.text("table.inbox")
    assert await browser.count("tr.overdue") == 1  # Анна's own request is past its SLA
    await browser.screenshot(SHOTS / "02_inbox.png")
    await browser.viewport(390, 844, mobile=True)
    await browser.goto(seeded.url + "/ui/")
    await browser.screenshot(SHOTS / "03_inbox_phone.png")
    assert await browser.eval("document.documentElement.scrollWidth <= window.innerWidth + 1")


async def test_conversation_reply_reaches_the_platform(browser: Browser, seeded: Seeded) -> None:
    await sign_in(browser, seeded)
    await browser.click(f"tr[data-request='{seeded.own_request_id}'] a")
    assert "Нужна справка 2-НДФЛ к пятнице" in await browser.text("#timeline")
    assert "Когда будет акт" in await browser.text(".alerts")  # the alert inline, with its quote
    await browser.screenshot(SHOTS / "04_conversation.png")
    await browser.fill("#reply textarea", "Добрый день! Справку пришлём в четверг.")
    await browser.click("#reply button")
    await seeded.live.drain()
    assert any("Справку пришлём в четверг" in str(item) for item in seeded.live.receiver.received)
    assert "Справку пришлём в четверг" in await browser.text("#timeline")
    await browser.screenshot(SHOTS / "05_reply_sent.png")


async def test_change_the_request_status(browser: Browser, seeded: Seeded) -> None:
    await sign_in(browser, seeded)
    await browser.goto(f"{seeded.url}/ui/requests/{seeded.own_request_id}")
    await browser.fill("#request-form input[name=company_name]", "ООО «Ромашка»")
    await browser.fill("#request-form select[name=status]", "waiting_client")
    await browser.click("#request-form button")
    assert "Сохранено" in await browser.text(".notice")
    await browser.screenshot(SHOTS / "06_status_changed.png")
    async with seeded.live.services.db.session() as session:
        row = await session.get(Request, seeded.own_request_id)
        assert row is not None and row.status == "waiting_client" and row.company_name == "ООО «Ромашка»"
    await browser.goto(seeded.url + "/ui/?queue=waiting_client")
    assert await browser.count(f"tr[data-request='{seeded.own_request_id}']") == 1


async def test_create_a_task(browser: Browser, seeded: Seeded) -> None:
    await sign_in(browser, seeded)
    await browser.goto(seeded.url + "/ui/tasks")
    assert await browser.count(".column[data-column=open] .task.overdue") == 1
    await browser.fill("#task-form input[name=title]", "Ежемесячный отчёт по НДС для «Ромашки»")
    await browser.fill("#task-form select[name=client_id]", str(seeded.client_id))
    await browser.fill("#task-form select[name=recurrence]", "monthly")
    await browser.fill("#task-form input[name=due]", "2030-01-25")
    await browser.click("#task-form button")
    assert "Ежемесячный отчёт по НДС" in await browser.text(".column[data-column=open]")
    await browser.screenshot(SHOTS / "07_tasks.png")
    async with seeded.live.services.db.session() as session:
        task = (await session.execute(select(Task).where(col(Task.recurrence) == "monthly"))).scalars().one()
        assert task.client_id == seeded.client_id and task.author_id == seeded.manager_id


async def test_merge_two_contacts(browser: Browser, seeded: Seeded) -> None:
    await sign_in(browser, seeded)
    await browser.goto(f"{seeded.url}/ui/clients/{seeded.client_id}")
    assert await browser.count(".contacts > li") == 2
    survivor, merged = seeded.contact_ids
    await browser.fill("#merge-form select[name=survivor_id]", str(survivor))
    await browser.fill("#merge-form select[name=merged_id]", str(merged))
    await browser.click("#merge-form button")
    assert await browser.count(".contacts > li") == 1
    assert await browser.count(".merges form") == 1  # the un-merge button
    await browser.screenshot(SHOTS / "08_contacts_merged.png")
    async with seeded.live.services.db.session() as session:
        contact = await session.get(Contact, merged)
        assert contact is not None and contact.merged_into_id == survivor


async def test_supervisor_dashboard(browser: Browser, seeded: Seeded) -> None:
    await sign_in(browser, seeded)  # Анна answers first, so there is a first-response time to chart
    await browser.goto(f"{seeded.url}/ui/requests/{seeded.own_request_id}")
    await browser.fill("#reply textarea", "Принято, работаем.")
    await browser.click("#reply button")
    await seeded.live.drain()
    await browser.click("form[action='/ui/logout'] button")
    await sign_in(browser, seeded, "viktor@example.ru")
    await browser.click("a[href='/ui/dashboard']")
    assert await browser.count("svg.chart") >= 3
    assert "Когда будет акт" in await browser.text("body")
    await browser.screenshot(SHOTS / "09_dashboard.png")


async def test_client_content_stays_inert_in_the_browser(browser: Browser, seeded: Seeded) -> None:
    await sign_in(browser, seeded)
    await browser.goto(f"{seeded.url}/ui/requests/{seeded.unassigned_request_id}")
    await browser.eval("document.querySelectorAll('details').forEach(d => d.open = true)")
    await browser.eval("new Promise(r => setTimeout(r, 500))")
    assert '<script>alert("x")</script>' in await browser.text("#timeline")  # shown as text
    assert "Добрый день, счёт во вложении." in await browser.text(".email-html")
    await browser.screenshot(SHOTS / "10_inert_content.png")
    assert browser.dialogs == []
    assert await browser.count("#timeline script, #timeline img:not([src^='/ui/files/'])") == 0
    hosts = {urlsplit(url).hostname for url in browser.requests if url.startswith("http")}
    assert hosts == {"127.0.0.1"}, hosts


async def test_staff_judge_an_alert_and_mark_a_missed_conflict(browser: Browser, seeded: Seeded) -> None:
    await sign_in(browser, seeded)
    await browser.goto(f"{seeded.url}/ui/requests/{seeded.own_request_id}")
    assert "Сигналы: недовольство" in await browser.text(".alerts")
    await browser.screenshot(SHOTS / "09_alert_verdict.png")
    await browser.eval("document.querySelector('.alerts select[name=category]').value = 'missed_deadline'")
    await browser.click(".alerts form[action$='/verdict'] button")
    alerts = await browser.text(".alerts")
    assert "Сигналы: сорван срок" in alerts and "отмечено: конфликт" in alerts
    await browser.goto(f"{seeded.url}/ui/requests/{seeded.unassigned_request_id}")
    await browser.click("details.mark summary", navigates=False)
    await browser.screenshot(SHOTS / "10_mark_missed_conflict.png")
    await browser.eval("document.querySelector('details.mark select').value = 'rudeness'")
    await browser.click("details.mark button")
    assert "Сигналы: грубость" in await browser.text(".alerts")
    assert await browser.count("details.mark") == 0
