"""The client rates the work when the request is done, over a real HTTP connection: the API channel's client
writes, a manager answers and closes the request, ten minutes later okno asks once in the client's channel
(the sandbox receiver gets the signed webhook), and the client's «4 — …» lands on the done request as its
rating — no new request — while «5 актов ещё» later is a new request as before. Nothing is asked where the
company has not turned it on, about a request done days ago, or one reopened meanwhile."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func
from sqlmodel import col, select

from intake.accept import accept
from intake.schema import InboundMessage
from okno.services import Services
from storage.models import Message, Outbox, Request
from storage.repos.company_settings import ClientNotices, save_client_notices
from storage.types import utcnow
from tests.conftest import Live
from tests.factories import api_body, inbound
from workers.survey import send_surveys, thank_for_rating

pytestmark = pytest.mark.storage
ASK = "Нужен акт сверки за ноябрь. ООО «Ромашка», ИНН 7707083893"


async def _post(live: Live, body: dict[str, Any]) -> None:
    headers = {**live.api_headers(), "Content-Type": "application/json"}
    async with live.http.post(f"{live.url}/api/v1/inbound", data=json.dumps(body), headers=headers) as resp:
        assert resp.status == 202, await resp.text()
    await live.drain()


async def _staff(live: Live, path: str, body: dict[str, Any]) -> None:
    async with live.http.post(f"{live.url}{path}", json=body, headers=live.staff_headers()) as resp:
        assert resp.status in (200, 202), await resp.text()
    await live.drain()


async def _requests(live: Live) -> list[Request]:
    async with live.services.db.session() as session:
        return list((await session.execute(select(Request).order_by(col(Request.id)))).scalars())


async def _done_request(live: Live, *, enabled: bool = True) -> int:
    async with live.services.db.session() as session:
        await save_client_notices(session, ClientNotices(ask_rating=enabled), staff_id=None)
        await session.commit()
    await _post(live, api_body("c1", text=ASK))
    [request] = await _requests(live)
    await _staff(live, f"/api/v1/requests/{request.id}/reply", {"text": "Акт отправили на почту."})
    await _staff(live, f"/api/v1/requests/{request.id}/status", {"status": "done"})
    return request.id or 0


def _after_the_question(event_id: str, text: str) -> dict[str, Any]:
    """The client's message, written after okno asked (the tests move okno's clock eleven minutes on)."""
    return api_body(event_id, text=text, sent_at=(utcnow() + timedelta(minutes=12)).isoformat())


def _texts(live: Live) -> list[str]:
    return [str(item.body.get("text")) for item in live.receiver.received]


async def test_the_client_is_asked_once_and_the_answer_rates_the_done_request(live: Live) -> None:
    request_id = await _done_request(live)
    app = live.services.jobs
    assert await send_surveys(app) == 0  # just closed: it may be reopened within minutes
    app.clock = lambda: utcnow() + timedelta(minutes=11)
    assert await send_surveys(app) == 1 and await send_surveys(app) == 0  # once
    await live.drain()
    question = f"Заявка #{request_id} выполнена. Оцените, пожалуйста, нашу работу от 1 до 5"
    assert _texts(live)[-1].startswith(question)
    [request] = await _requests(live)
    assert request.survey_sent_at is not None and request.status == "done"
    await _post(live, _after_the_question("c2", "4 — всё сделали, но пришлось напоминать"))
    [request] = await _requests(live)  # no new request: the answer is the done request's rating
    assert (request.status, request.rating, request.rating_comment) == (
        "done",
        4,
        "всё сделали, но пришлось напоминать",
    )
    assert request.rated_at is not None
    assert _texts(live)[-1] == "Спасибо за оценку!"  # the client hears back, once
    assert await thank_for_rating({"okno": live.services.jobs}, request_id) != "thanked"  # once
    await live.drain()
    assert sum(text.startswith("Спасибо за оценку") for text in _texts(live)) == 1
    url = f"{live.url}/api/v1/requests/{request_id}"
    async with live.http.get(url, headers=live.staff_headers()) as resp:
        shown = await resp.json()
    assert (shown["rating"], shown["rating_comment"]) == (4, "всё сделали, но пришлось напоминать")
    async with live.services.db.session() as session:
        answer = select(Message).where(col(Message.text).startswith("4 —"))
        rated = (await session.execute(answer)).scalars().one()
    assert rated.request_id == request_id  # in the request's history, under its question
    await _post(live, _after_the_question("c3", "5 актов ещё нужно, и счёт"))
    requests = await _requests(live)
    assert len(requests) == 2 and requests[0].rating == 4 and requests[1].status == "new"


async def test_a_second_digit_after_the_rating_is_a_new_message_not_a_new_score(live: Live) -> None:
    await _done_request(live)
    live.services.jobs.clock = lambda: utcnow() + timedelta(minutes=11)
    await send_surveys(live.services.jobs)
    await live.drain()
    await _post(live, api_body("c0", text="5"))  # written before okno asked: a message, not the answer
    await _post(live, _after_the_question("c2", "5"))
    await _post(live, _after_the_question("c3", "3"))
    requests = await _requests(live)
    assert requests[0].rating == 5 and len(requests) == 2  # «3» after it joins the «5» before the question
    assert requests[1].status == "new"


async def test_nothing_is_asked_unless_turned_on_nor_about_an_old_or_reopened_request(live: Live) -> None:
    request_id = await _done_request(live, enabled=False)
    app = live.services.jobs
    app.clock = lambda: utcnow() + timedelta(minutes=11)
    assert await send_surveys(app) == 0
    async with live.services.db.session() as session:
        await save_client_notices(session, ClientNotices(ask_rating=True), staff_id=None)
        await session.commit()
    app.clock = lambda: utcnow() + timedelta(days=3)  # done three days ago: too late to ask
    assert await send_surveys(app) == 0
    await _staff(live, f"/api/v1/requests/{request_id}/status", {"status": "in_work"})
    app.clock = lambda: utcnow() + timedelta(minutes=11)
    assert await send_surveys(app) == 0  # reopened: not done any more
    async with live.services.db.session() as session:
        rated = select(func.count()).select_from(Request).where(col(Request.rating).is_not(None))
        assert await session.scalar(rated) == 0
    await live.drain()
    assert not any("Оцените" in text for text in _texts(live))


async def test_a_whatsapp_client_is_asked_only_while_the_24_hour_window_is_open(services: Services) -> None:
    """WhatsApp refuses free text a day after the client's last message: okno waits (within the two days it
    may ask) for the client to write again rather than queue a send the platform will refuse."""
    app, now = services.jobs, utcnow()
    async with services.db.session() as session:
        await save_client_notices(session, ClientNotices(ask_rating=True), staff_id=None)
        await session.commit()

    def whatsapp(event: str, text: str, at: datetime) -> InboundMessage:
        return inbound(event, text=text, channel="whatsapp", account="main", sender="79161234567", sent_at=at)

    first = await accept(services.db, whatsapp("w1", ASK, now - timedelta(hours=30)), policy=app.policy)
    async with services.db.session() as session:
        request = await session.get(Request, first.request_id)
        assert request is not None
        request.status, request.done_at = "done", now - timedelta(minutes=20)
        await session.commit()
    assert await send_surveys(app) == 0  # the window closed six hours ago
    async with services.db.session() as session:
        assert await session.scalar(select(func.count()).select_from(Outbox)) == 0
    await accept(
        services.db, whatsapp("w2", "И ещё счёт, пожалуйста", now - timedelta(minutes=5)), policy=app.policy
    )
    assert await send_surveys(app) == 1  # the client wrote again: the window is open
    async with services.db.session() as session:
        [outbox] = (await session.execute(select(Outbox))).scalars().all()
        request = await session.get(Request, first.request_id)
    assert outbox.channel == "whatsapp" and str(outbox.payload["text"]).startswith(
        f"Заявка #{first.request_id}"
    )
    assert request is not None and request.survey_sent_at is not None and request.survey_sent_at >= now


async def test_after_a_low_rating_the_client_hears_that_the_head_has_their_words(live: Live) -> None:
    await _done_request(live)
    live.services.jobs.clock = lambda: utcnow() + timedelta(minutes=11)
    await send_surveys(live.services.jobs)
    await _post(live, _after_the_question("c2", "2. Акт прислали только после третьего напоминания"))
    [request] = await _requests(live)
    assert (request.rating, request.rating_comment) == (2, "Акт прислали только после третьего напоминания")
    assert _texts(live)[-1] == (
        "Спасибо за оценку. Нам жаль, что не всё прошло хорошо: ваш отзыв передан руководителю."
    )


async def test_one_question_at_a_time_and_the_next_once_it_is_answered(live: Live) -> None:
    """Two requests of one client done the same hour: one question, so their «5» answers one of them; the
    next goes once they have answered."""
    first = await _done_request(live)
    await _post(live, api_body("c1b", text="И счёт за декабрь, пожалуйста"))
    second = max(r.id or 0 for r in await _requests(live))
    await _staff(live, f"/api/v1/requests/{second}/reply", {"text": "Счёт выставили."})
    await _staff(live, f"/api/v1/requests/{second}/status", {"status": "done"})
    app = live.services.jobs
    app.clock = lambda: utcnow() + timedelta(minutes=11)
    assert await send_surveys(app) == 1 and await send_surveys(app) == 0
    await live.drain()
    assert _texts(live)[-1].startswith(f"Заявка #{first} выполнена")
    await _post(live, _after_the_question("c2", "5"))
    assert await send_surveys(app) == 1
    await live.drain()
    assert _texts(live)[-1].startswith(f"Заявка #{second} выполнена")
    await _post(live, api_body("c3", text="4", sent_at=(utcnow() + timedelta(minutes=13)).isoformat()))
    assert {r.id: r.rating for r in await _requests(live)} == {first: 5, second: 4}
