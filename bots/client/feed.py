"""The ingest path feeds the client dialogue: the stored Update goes through the aiogram dispatcher, and what
it says becomes Outbox rows (plus outbound messages in the conversation), sent by send_outbox."""

from __future__ import annotations

import json
import logging
from typing import Any
from zoneinfo import ZoneInfo

from aiogram import Bot, Dispatcher
from aiogram.fsm.storage.memory import MemoryStorage
from aiogram.types import Update
from pydantic import ValidationError

from bots.client.desk import ClientDesk, StoredDesk
from bots.client.dialogue import client_router
from bots.client.outbox_session import OutboxSession, Said
from channels.base import AccountView
from channels.telegram.bots import bot_token
from storage.models import Message, Outbox
from storage.repos.blocking import is_blocked
from storage.repos.clients import identity_by_external_id
from storage.repos.conversations import conversation_by_key
from storage.repos.outbox import add_outbox
from storage.repos.raw_events import get_raw_event
from storage.types import utcnow
from workers.context import JobContext, services
from workers.outbound import enqueue_send

log = logging.getLogger(__name__)
CHANNEL = "telegram"
KEY = "client_bot"


class ClientBot:
    """One dispatcher per process; FSM state in memory (a form in progress is lost on restart)."""

    def __init__(self) -> None:
        self.dispatcher = Dispatcher(storage=MemoryStorage())
        self.dispatcher.include_router(client_router())

    async def feed(
        self, account: AccountView, update: Update, *, desk: ClientDesk, tz: ZoneInfo
    ) -> list[Said]:
        session = OutboxSession()
        bot = Bot(bot_token(account), session=session)
        await self.dispatcher.feed_update(bot, update, desk=desk, account=account.name, tz=tz)
        return session.said


def _client_bot(app: JobContext) -> ClientBot:
    bot = app.extras.get(KEY)
    if not isinstance(bot, ClientBot):
        bot = app.extras[KEY] = ClientBot()
    return bot


async def client_bot_update(ctx: dict[str, Any], raw_event_id: int) -> int:
    """Run after the update's ingest (so the client's identity and request exist); returns replies queued."""
    app = services(ctx)
    async with app.db.session() as session:
        raw = await get_raw_event(session, raw_event_id=raw_event_id)
    if raw is None or raw.channel != CHANNEL:
        return 0
    try:
        update = Update.model_validate(json.loads(raw.body), context={})
    except (ValueError, ValidationError):
        return 0  # the ingest job already kept it as anomalous
    account = await app.accounts.by_name(CHANNEL, raw.account)
    if account is None or await _blocked(app, raw.account, update):
        return 0
    said = await _client_bot(app).feed(account, update, desk=StoredDesk(app.db), tz=app.policy.tz)
    for outbox in await _write(app, account.name, said):
        await enqueue_send(app.queue, outbox)
    return len(said)


async def _blocked(app: JobContext, account: str, update: Update) -> bool:
    """A sender blocked as spam gets no answers from the bot either (their messages are stored by intake)."""
    event = update.message or update.edited_message or update.callback_query
    user = event.from_user if event is not None else None
    if user is None:
        return False
    async with app.db.session() as session:
        identity = await identity_by_external_id(
            session, channel=CHANNEL, account=account, external_id=str(user.id)
        )
        return identity is not None and await is_blocked(session, contact_id=identity.contact_id)


async def _write(app: JobContext, account: str, said: list[Said]) -> list[Outbox]:
    rows = []
    async with app.db.session() as session:
        for line in said:
            key = f"{line.chat_id}:{line.thread_id}" if line.thread_id else line.chat_id
            outbox = await add_outbox(
                session,
                channel=CHANNEL,
                account=account,
                conversation_key=key,
                payload={"text": line.text, "recipient_id": line.chat_id},
            )
            conversation = await conversation_by_key(
                session, channel=CHANNEL, account=account, conversation_key=key
            )
            if conversation is not None:  # keep the bot's words in the conversation history
                message = Message(
                    conversation_id=conversation.id or 0,
                    channel=CHANNEL,
                    account=account,
                    message_key=f"okno-out:{outbox.id}",
                    direction="outbound",
                    kind="text",
                    text=line.text,
                    sent_at=utcnow(),
                )
                session.add(message)
                await session.flush()
                outbox.message_id = message.id
            rows.append(outbox)
        await session.commit()
    return rows
