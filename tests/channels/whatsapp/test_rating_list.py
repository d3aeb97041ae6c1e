"""A WhatsApp client rates finished work with a tap: okno's question arrives as a list with the scores 1–5,
the tapped row comes back through the signed webhook as the client's own «4» (so intake reads it as the done
request's rating, as a typed digit), and okno thanks them in the same chat."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from sandbox.whatsapp import GraphApiStandIn
from storage.models import Request
from storage.repos.company_settings import ClientNotices, save_client_notices
from storage.types import utcnow
from tests.channels.whatsapp.conftest import WaLive
from workers.survey import send_surveys

pytestmark = pytest.mark.storage
WA_ID = "79161234567"
NAME = "Ирина Соколова"


async def test_the_client_taps_a_score_on_the_list_and_it_rates_the_done_request(
    wa_live: WaLive, graph: GraphApiStandIn
) -> None:
    text = {"type": "text", "text": {"body": "Нужен акт сверки за ноябрь"}}
    await graph.client_writes(WA_ID, NAME, text)
    await wa_live.drain()
    async with wa_live.services.db.session() as session:
        await save_client_notices(session, ClientNotices(ask_rating=True), staff_id=None)
        request = (await session.execute(select(Request))).scalars().one()
        request.status, request.done_at = "done", utcnow() - timedelta(minutes=11)
        await session.commit()
    assert await send_surveys(wa_live.services.jobs) == 1
    await wa_live.drain()

    [question] = graph.sent
    assert question["to"] == WA_ID and question["type"] == "interactive"
    listed = question["interactive"]
    assert listed["type"] == "list" and "Оцените" in listed["body"]["text"]
    assert listed["action"]["button"] == "Выбрать"
    [section] = listed["action"]["sections"]
    assert [row["title"] for row in section["rows"]] == ["1", "2", "3", "4", "5"]

    # a minute later (WhatsApp stamps whole seconds: a tap in the question's own second reads as before it)
    await graph.client_taps(WA_ID, NAME, question["_wamid"], "4", at=utcnow() + timedelta(minutes=1))
    assert graph.deliveries[-1].status == 200
    await wa_live.drain()
    async with wa_live.services.db.session() as session:
        [rated] = (await session.execute(select(Request))).scalars().all()  # no new request
    assert (rated.status, rated.rating, rated.rating_comment) == ("done", 4, None)
    thanks = graph.sent[-1]
    assert (thanks["type"], thanks["text"]["body"]) == ("text", "Спасибо за оценку!")
