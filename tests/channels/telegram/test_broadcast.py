"""A broadcast through the Bot API (the loopback sandbox): each client's copy arrives in their chat as a
message of its own (not a reply to what they wrote last); a client who blocked the bot fails with Telegram's
reason, is marked unreachable, and the next broadcast passes them by, saying why."""

from __future__ import annotations

import pytest
from sqlmodel import col, select

from intake.schema import AttachmentRef
from storage.models import BroadcastRecipient, Message, Request, Staff
from storage.types import utcnow
from tests.channels.telegram.conftest import TelegramLive
from tests.channels.telegram.test_client_bot import Client
from tests.channels.telegram.updates import IVAN, OLGA, private_chat
from workers.broadcasts import check_draft, send

pytestmark = pytest.mark.storage
TEXT = "{имя}, добрый день! 31 декабря и 1–8 января офис не работает."


async def _two_clients_and_the_sender(tg_live: TelegramLive) -> Staff:
    """Иван and Ольга write to the bot; the broadcast's sender, as stored."""
    ivan, olga = Client(tg_live), Client(tg_live)
    await ivan.send("Нужен акт сверки за ноябрь")
    olga.update_id = 2000
    await olga.send("Когда будет счёт?", **{"from": OLGA, "chat": private_chat(OLGA)})
    async with tg_live.services.db.session() as session:
        boss = await session.get(Staff, tg_live.staff_id)
        assert boss is not None
        return boss


async def test_copies_arrive_and_a_blocked_bot_is_passed_by_next_time(tg_live: TelegramLive) -> None:
    boss = await _two_clients_and_the_sender(tg_live)
    draft = check_draft(text=TEXT, channels=["telegram"], since_days=365)
    tg_live.sandbox.blocked_chats.add(int(str(OLGA["id"])))  # she blocked the bot since
    before = len(tg_live.sandbox.sent("sendMessage"))
    await send(tg_live.services.db, tg_live.services.queue, draft, key="k1", sender=boss, now=utcnow())
    await tg_live.drain()
    [copy] = tg_live.sandbox.sent("sendMessage")[before:]  # Ольга's was refused
    assert copy["chat_id"] in (IVAN["id"], str(IVAN["id"]))
    assert copy["text"] == "Иван Петров, добрый день! 31 декабря и 1–8 января офис не работает."
    assert "reply_parameters" not in copy
    async with tg_live.services.db.session() as session:
        query = select(Message).where(col(Message.direction) == "outbound").order_by(col(Message.id))
        statuses = {
            m.text.split(",")[0]: m.delivery_status
            for m in (await session.execute(query)).scalars()
            if m.text
        }
    assert statuses == {"Иван Петров": "sent", "Ольга Смирнова": "failed"}
    await send(tg_live.services.db, tg_live.services.queue, draft, key="k2", sender=boss, now=utcnow())
    await tg_live.drain()
    async with tg_live.services.db.session() as session:
        second = select(BroadcastRecipient.skipped).where(col(BroadcastRecipient.broadcast_id) == 2)
        assert sorted(str(s) for s in (await session.execute(second)).scalars()) == ["None", "unreachable"]


async def test_a_clients_stop_is_answered_once_and_ends_their_broadcasts(tg_live: TelegramLive) -> None:
    ivan = Client(tg_live)
    await ivan.send("Нужен акт сверки за ноябрь")
    async with tg_live.services.db.session() as session:
        boss = await session.get(Staff, tg_live.staff_id)
        assert boss is not None
    draft = check_draft(text="{имя}, офис закрыт 31 декабря.", channels=["telegram"], since_days=365)
    await send(tg_live.services.db, tg_live.services.queue, draft, key="k1", sender=boss, now=utcnow())
    await tg_live.drain()
    before = len(tg_live.sandbox.sent("sendMessage"))
    ivan.update_id = 1500  # his answer comes after the broadcast, by Telegram's clock too
    await ivan.send("СТОП", date=int(utcnow().timestamp()) + 5)
    await tg_live.drain()
    [answer] = tg_live.sandbox.sent("sendMessage")[before:]
    assert answer["text"] == "Вы отписались от рассылок. На ваши обращения будем отвечать, как прежде."
    async with tg_live.services.db.session() as session:
        requests = (await session.execute(select(Request))).scalars().all()
    assert len(requests) == 1  # «СТОП» opened none
    await send(tg_live.services.db, tg_live.services.queue, draft, key="k2", sender=boss, now=utcnow())
    await tg_live.drain()
    assert len(tg_live.sandbox.sent("sendMessage")) == before + 1  # nothing more to him


async def test_a_broadcasts_file_reaches_each_client_in_their_chat(tg_live: TelegramLive) -> None:
    boss = await _two_clients_and_the_sender(tg_live)
    pdf = b"%PDF-1.4 new bank details " + bytes(range(256)) * 4
    ref = AttachmentRef(
        kind="document",
        filename="Реквизиты.pdf",
        mime="application/pdf",
        size=len(pdf),
        blob_key=await tg_live.services.jobs.blobs.put(pdf),
    )
    draft = check_draft(
        text="{имя}, с 1 января у нас новые реквизиты.",
        channels=["telegram"],
        since_days=365,
        attachments=(ref,),
    )
    await send(tg_live.services.db, tg_live.services.queue, draft, key="k1", sender=boss, now=utcnow())
    await tg_live.drain()
    documents = tg_live.sandbox.sent("sendDocument")
    assert sorted(str(d["chat_id"]) for d in documents) == sorted([str(IVAN["id"]), str(OLGA["id"])])
    texts = sorted(m["text"] for m in tg_live.sandbox.sent("sendMessage"))
    assert texts == [
        "Иван Петров, с 1 января у нас новые реквизиты.",
        "Ольга Смирнова, с 1 января у нас новые реквизиты.",
    ]  # the text first, then the file, as a reply with files goes
    stored = [entry.data for entry in tg_live.sandbox.files.values() if entry.path == "uploads/Реквизиты.pdf"]
    assert stored and all(data == pdf for data in stored)
