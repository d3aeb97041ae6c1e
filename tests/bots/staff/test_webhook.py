"""The staff bot's webhook: Telegram's secret-token header is checked (403 without it, nothing fed), the
update goes to the staff bot and never into intake (no RawEvent, no client message)."""

from __future__ import annotations

import aiohttp
import pytest
from sqlalchemy import func
from sqlmodel import select

from bots.staff.bot import staff_bot_of
from bots.staff.webhook import StaffPolling, StaffWebhookRegistration, staff_loops
from okno.app import build_app
from storage.models import Message, RawEvent
from tests.bots.staff.conftest import DATE, TOKEN, StaffDesk
from tests.conftest import start_app

pytestmark = pytest.mark.storage
PATH = "/telegram_staff/staff/webhook"


async def test_the_webhook_checks_the_secret_and_bypasses_intake(desk: StaffDesk) -> None:
    runner, url = await start_app(build_app(desk.services, sweep=False))
    update = {
        "update_id": 1,
        "message": {
            "message_id": 1,
            "from": desk.user(7001),
            "chat": {"id": 7001, "type": "private"},
            "date": DATE,
            "text": "/help",
            "entities": [{"type": "bot_command", "offset": 0, "length": 5}],
        },
    }
    async with aiohttp.ClientSession() as http:
        async with http.post(url + PATH, json=update) as response:
            assert response.status == 403
        headers = {"X-Telegram-Bot-Api-Secret-Token": "wrong"}
        async with http.post(url + PATH, json=update, headers=headers) as response:
            assert response.status == 403
        headers = {"X-Telegram-Bot-Api-Secret-Token": "staff-hook-secret"}
        async with http.post(url + PATH, data=b"{not json", headers=headers) as response:
            assert response.status == 400
        async with http.post(url + PATH, json=update, headers=headers) as response:
            assert response.status == 200
    await staff_bot_of(desk.app).drain()
    [answer] = desk.api.sent("sendMessage")
    assert "/client" in answer["text"]
    async with desk.services.db.session() as session:
        assert await session.scalar(select(func.count()).select_from(RawEvent)) == 0
        assert await session.scalar(select(func.count()).select_from(Message)) == 0
    await staff_bot_of(desk.app).drain()
    await runner.cleanup()


async def test_polling_feeds_updates_and_confirms_them(desk: StaffDesk) -> None:
    """mode=polling (no public URL): `okno listen` long-polls the staff bot's updates, never into intake."""
    message = {
        "message_id": 1,
        "from": desk.user(7002),
        "chat": {"id": 7002, "type": "private"},
        "date": DATE,
        "text": "/my",
        "entities": [{"type": "bot_command", "offset": 0, "length": 3}],
    }
    desk.api.inject(TOKEN, {"message": message})
    polling = StaffPolling(desk.app, timeout_s=0)
    assert await polling.poll_once() == 1
    assert [p["text"] for p in desk.api.sent("sendMessage")] == ["У вас нет открытых задач и заявок."]
    assert await polling.poll_once() == 0  # the offset confirmed it: not fed twice
    async with desk.services.db.session() as session:
        assert await session.scalar(select(func.count()).select_from(RawEvent)) == 0


async def test_listen_registers_the_webhook_with_its_secret(desk: StaffDesk) -> None:
    [registration] = await staff_loops(desk.app, "https://okno.example/")
    assert isinstance(registration, StaffWebhookRegistration) and await registration.register()
    [call] = desk.api.sent("setWebhook")
    assert call["url"] == "https://okno.example/telegram_staff/staff/webhook"
    assert call["secret_token"] == "staff-hook-secret"
    assert await staff_loops(desk.app, None) == []  # no public URL: set by hand (a warning says so)
