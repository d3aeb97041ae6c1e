"""A Telegram client rates finished work with a tap: okno's question carries the buttons 1–5, a press comes
back through the webhook as the client's own «5» (so intake reads it as the done request's rating, as a typed
digit), and okno answers the press at once in the webhook's reply, which Telegram (here the sandbox) calls, so
the client's spinner stops."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlmodel import select

from storage.models import Request
from storage.repos.company_settings import ClientNotices, save_client_notices
from storage.types import utcnow
from tests.channels.telegram.conftest import TOKEN, TelegramLive
from tests.channels.telegram.test_client_bot import Client
from tests.channels.telegram.updates import IVAN
from workers.survey import send_surveys

pytestmark = pytest.mark.storage


def _press(update_id: int, data: str, on: dict[str, Any]) -> dict[str, Any]:
    return {
        "update_id": update_id,
        "callback_query": {
            "id": f"4{update_id}",
            "from": IVAN,
            "chat_instance": "-7001",
            "data": data,
            "message": {**on, "from": {"id": 1, "is_bot": True, "first_name": "bot"}, "date": 1795503700},
        },
    }


async def test_the_client_taps_a_score_and_it_rates_the_done_request(tg_live: TelegramLive) -> None:
    await Client(tg_live).send("Нужен акт сверки за ноябрь")
    async with tg_live.services.db.session() as session:
        await save_client_notices(session, ClientNotices(ask_rating=True), staff_id=None)
        request = (await session.execute(select(Request))).scalars().one()
        request.status, request.done_at = "done", utcnow() - timedelta(minutes=11)
        await session.commit()
    assert await send_surveys(tg_live.services.jobs) == 1
    await tg_live.drain()
    [question] = [p for p in tg_live.sandbox.sent("sendMessage") if "Оцените" in p["text"]]
    buttons = question["reply_markup"]["inline_keyboard"]
    assert [[b["text"] for b in row] for row in buttons] == [["1", "2", "3", "4", "5"]]
    assert [b["callback_data"] for b in buttons[0]] == ["okno:1", "okno:2", "okno:3", "okno:4", "okno:5"]
    shown = {"message_id": 77, "chat": {"id": IVAN["id"], "type": "private", "first_name": "Иван"}}
    # Telegram pushes the press to the webhook, and makes the call okno's reply names (answerCallbackQuery)
    bot = tg_live.sandbox.bots[TOKEN]
    bot.webhook_url, bot.webhook_secret = tg_live.webhook_url, tg_live.account.secrets["webhook_secret"]
    tg_live.sandbox.inject(TOKEN, _press(3001, "okno:5", shown))
    await tg_live.sandbox.flush()
    assert tg_live.sandbox.sent("answerCallbackQuery") == [
        {"callback_query_id": "43001"}
    ]  # the spinner stops
    await tg_live.drain()
    async with tg_live.services.db.session() as session:
        [rated] = (await session.execute(select(Request))).scalars().all()  # no new request
    assert (rated.status, rated.rating, rated.rating_comment) == ("done", 5, None)
    assert tg_live.sandbox.sent("sendMessage")[-1]["text"] == "Спасибо за оценку!"
    # a press of some other bot's button is still only a note in the history, as before
    assert await tg_live.post_update(_press(3002, "menu:prices", shown)) == 200
    await tg_live.drain()
    async with tg_live.services.db.session() as session:
        assert len((await session.execute(select(Request))).scalars().all()) == 1
