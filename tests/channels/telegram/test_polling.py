"""Polling mode end to end: getUpdates on the loopback Bot API -> RawEvent -> request -> reply -> sendMessage.
The offset moves only after an update is stored, so a storage failure loses nothing."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Mapping

import aiohttp
import pytest
from sqlmodel import col, select

from channels.base import RawEventSink
from channels.telegram.polling import PollingLoop
from storage.models import Message, RawEvent, Request
from tests.channels.telegram.conftest import TelegramLive, account_view
from tests.channels.telegram.updates import IVAN, text_update
from workers.outbound import queue_reply

pytestmark = pytest.mark.storage


async def until(predicate: object, timeout: float = 10.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not predicate():  # type: ignore[operator]
        assert asyncio.get_running_loop().time() < deadline, "timed out"
        await asyncio.sleep(0.02)


async def test_polling_update_in_reply_out(tg_live: TelegramLive) -> None:
    token = tg_live.account.secrets["bot_token"]
    loop = PollingLoop(account_view(str(tg_live.account.config["api_base"]), mode="polling"), timeout_s=1)
    task = asyncio.create_task(loop.run(tg_live.services.sink))
    try:
        tg_live.sandbox.inject(token, text_update(300, 21, "Добрый день, нужна справка 2-НДФЛ"))
        tg_live.sandbox.inject(token, text_update(301, 22, "И ещё акт сверки"))
        await until(lambda: loop.stored == 2)
        await until(lambda: tg_live.sandbox.bots[token].pending == [])  # confirmed by the next offset
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    await tg_live.drain()
    async with tg_live.services.db.session() as session:
        keys = (await session.execute(select(Message.message_key).order_by(col(Message.id)))).scalars().all()
        request = (await session.execute(select(Request))).scalars().one()
    assert sorted(keys) == [f"{IVAN['id']}:21", f"{IVAN['id']}:22"]  # ingest jobs run concurrently
    await queue_reply(
        tg_live.services.db,
        tg_live.services.queue,
        request_id=request.id or 0,
        staff_id=tg_live.staff_id,
        text="Справку пришлём сегодня",
    )
    await tg_live.drain()
    [sent] = tg_live.sandbox.sent("sendMessage")
    assert (int(sent["chat_id"]), sent["text"]) == (IVAN["id"], "Справку пришлём сегодня")


class FailingOnce:
    """A sink whose storage is down for the first delivery."""

    def __init__(self, inner: RawEventSink) -> None:
        self.inner = inner
        self.failures = 1

    async def store(
        self,
        *,
        channel: str,
        account: str,
        headers: Mapping[str, str],
        body: bytes,
        status: str = "pending",
        reason: str | None = None,
    ) -> int:
        if self.failures:
            self.failures -= 1
            raise ConnectionError("database is down")
        return await self.inner.store(
            channel=channel, account=account, headers=headers, body=body, status=status, reason=reason
        )


async def test_storage_failure_does_not_advance_the_offset(tg_live: TelegramLive) -> None:
    token = tg_live.account.secrets["bot_token"]
    loop = PollingLoop(account_view(str(tg_live.account.config["api_base"]), mode="polling"), timeout_s=0)
    sink = FailingOnce(tg_live.services.sink)
    tg_live.sandbox.inject(token, text_update(400, 31, "Не потеряйте меня"))
    async with aiohttp.ClientSession() as http:
        with pytest.raises(ConnectionError):
            await loop.poll_once(http, sink)
        assert loop.offset is None
        await loop.poll_once(http, sink)  # asks again from the same offset: the update is still there
        assert loop.offset == 401
        await loop.poll_once(http, sink)
    await tg_live.drain()
    assert await tg_live.count(RawEvent) == 1 and await tg_live.count(Message) == 1
    assert tg_live.sandbox.bots[token].pending == []


async def test_polling_removes_a_webhook_that_blocks_it(tg_live: TelegramLive) -> None:
    token = tg_live.account.secrets["bot_token"]
    tg_live.sandbox.bots[token].webhook_url = "https://example.invalid/hook"
    loop = PollingLoop(account_view(str(tg_live.account.config["api_base"]), mode="polling"), timeout_s=0)
    task = asyncio.create_task(loop.run(tg_live.services.sink))
    try:
        await until(lambda: any(c.method == "deleteWebhook" for c in tg_live.sandbox.calls))
        tg_live.sandbox.inject(token, text_update(500, 41, "После вебхука"))
        await until(lambda: loop.stored == 1)
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
