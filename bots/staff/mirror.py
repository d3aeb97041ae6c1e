"""Client messages from every channel mirrored into the staff forum: a job enqueued after accept (follow-up
`mirror_to_topic:<message id>`), one topic per client conversation (createForumTopic on the first message),
idempotent per message through its StaffNotice key. Client text goes as plain text: data, not commands.
The answers join the topic once they settle (`mirror_reply`, enqueued by the Outbox's sender): a colleague's
reply from the web or the API, okno's own words to the client (the rating question, the out-of-hours notice),
and a reply the client did not get, with why — so the topic holds the whole conversation, not half of it."""

from __future__ import annotations

import logging
from typing import Any

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from storage.models import (
    Attachment,
    Client,
    Contact,
    Conversation,
    ForumTopic,
    Message,
    Outbox,
    Request,
    Staff,
)
from storage.models.requests import OPEN_STATUSES
from storage.repos.calls import call_transcript
from storage.repos.staff_bot import notice_status, topic_of_conversation
from workers.context import JobContext, services
from workers.notify_texts import say
from workers.outbound import mirror_key
from workers.staff_delivery import deliver, staff_bot, staffbot_settings

log = logging.getLogger(__name__)
ICONS = {"telegram": "✈️", "whatsapp": "🟢", "viber": "🟣", "email": "✉️", "telephony": "📞", "api": "🔌"}
MAX_FILE = 20 * 1024 * 1024
MAX_TRANSCRIPT = 3000


async def mirror_to_topic(ctx: dict[str, Any], message_id: int) -> str:
    app = services(ctx)
    cfg = staffbot_settings(app)
    if cfg.forum_chat_id is None:
        return "no forum"
    if await _already(app, message_id):
        return "mirrored"
    bot = await staff_bot(app)
    if bot is None:
        return "no staff bot"
    async with app.db.session() as session:  # one session at a time: SQLite transactions take the lock
        message = await session.get(Message, message_id)
        conversation = await session.get(Conversation, message.conversation_id) if message else None
    if message is None or conversation is None or message.direction != "inbound":
        return "skipped"
    text, files = await _body(app, message, cfg.language)
    topic = await _topic(app, bot, conversation, message, cfg.forum_chat_id, cfg.language)
    if topic is None:
        return "no topic"
    sent = await deliver(
        app,
        key=mirror_key(message_id),
        kind="mirror",
        chat_id=topic.chat_id,
        thread_id=topic.message_thread_id,
        text=text,
        files=files,
    )
    return "mirrored" if sent is not None else "not sent"


async def mirror_reply(ctx: dict[str, Any], message_id: int) -> str:
    """An answer on a request into its conversation's topic, once sent (not when it was written in the topic:
    workers/outbound.queue_reply's `shown_in` holds its key) or failed for good (always: whoever wrote it must
    learn the client did not get it). No topic is made for an answer."""
    app = services(ctx)
    cfg = staffbot_settings(app)
    if cfg.forum_chat_id is None:
        return "no forum"
    async with app.db.session() as session:
        message = await session.get(Message, message_id)
        if message is None or message.direction != "outbound" or message.request_id is None:
            return "skipped"  # the client bot's own dialogue belongs to no request
        topic = await topic_of_conversation(session, conversation_id=message.conversation_id)
        author = await session.get(Staff, message.author_staff_id) if message.author_staff_id else None
        outbox = (
            (await session.execute(select(Outbox).where(col(Outbox.message_id) == message_id)))
            .scalars()
            .first()
        )
        of_message = col(Attachment.message_id) == message_id
        sent_files = (await session.execute(select(Attachment.filename).where(of_message))).scalars().all()
    if topic is None:
        return "no topic"
    files = [say("mirror_file", cfg.language, name=f or "—", note="") for f in sent_files]
    failed = message.delivery_status == "failed"
    key = f"mirror-failed:{message_id}" if failed else mirror_key(message_id)
    if not failed and await _already(app, message_id):
        return "mirrored"
    values = {
        "author": author.name if author else "okno",
        "channel": message.channel,
        "id": message.request_id,
    }
    head = (
        say(
            "mirror_reply_failed",
            cfg.language,
            reason=(outbox.last_error if outbox else None) or "—",
            **values,
        )
        if failed
        else say("mirror_reply", cfg.language, **values)
    )
    sent = await deliver(
        app,
        key=key,
        kind="mirror",
        chat_id=topic.chat_id,
        thread_id=topic.message_thread_id,
        # a file-only reply is read by its files' names (the files are on the request's page)
        text="\n".join([head, message.text or "", *files] if not files or message.text else [head, *files]),
    )
    return "mirrored" if sent is not None else "not sent"


async def _already(app: JobContext, message_id: int) -> bool:
    async with app.db.session() as session:
        return await notice_status(session, key=mirror_key(message_id)) in ("sent", "failed")


async def _label(app: JobContext, conversation: Conversation) -> str:
    async with app.db.session() as session:
        client = await session.get(Client, conversation.client_id) if conversation.client_id else None
        contact = await session.get(Contact, conversation.contact_id)
    if client is not None:
        return client.name
    if contact is not None:
        return contact.label()
    return conversation.conversation_key


async def _topic(
    app: JobContext, bot: Bot, conversation: Conversation, message: Message, chat_id: int, lang: str
) -> ForumTopic | None:
    """The conversation's topic, made on its first message; it follows the latest request (not back to a
    done one: the client's rating of it must leave the topic on the request open now)."""
    async with app.db.session() as session:
        topic = await topic_of_conversation(session, conversation_id=conversation.id or 0)
        if topic is not None:
            joined = (
                await session.get(Request, message.request_id) if message.request_id is not None else None
            )
            if (
                joined is not None
                and topic.request_id != joined.id
                and (joined.status in OPEN_STATUSES or (joined.id or 0) > (topic.request_id or 0))
            ):
                topic.request_id = joined.id
                await session.commit()
            return topic
    name = say("topic_name", lang, client=await _label(app, conversation), channel=conversation.channel)[:128]
    try:
        created = await bot.create_forum_topic(chat_id=chat_id, name=name)
    except TelegramAPIError as exc:
        log.warning("forum topic for conversation %s not created: %s", conversation.id, exc.message)
        return None
    async with app.db.session() as session:
        topic = ForumTopic(
            conversation_id=conversation.id or 0,
            request_id=message.request_id,
            chat_id=chat_id,
            message_thread_id=created.message_thread_id,
            name=name,
        )
        session.add(topic)
        try:
            await session.commit()
        except IntegrityError:  # a concurrent mirror of the same conversation made one first: use it
            await session.rollback()
            return await topic_of_conversation(session, conversation_id=conversation.id or 0)
    return topic


async def _body(app: JobContext, message: Message, lang: str) -> tuple[str, list[tuple[str, bytes]]]:
    async with app.db.session() as session:
        contact = await session.get(Contact, message.author_contact_id) if message.author_contact_id else None
        attachments = (
            (await session.execute(select(Attachment).where(col(Attachment.message_id) == message.id)))
            .scalars()
            .all()
        )
        call, segments = await call_transcript(session, message_id=message.id or 0)
    author = (contact.display_name or contact.phone or contact.email) if contact else None
    icon = ICONS.get(message.channel, "💬")
    lines = [say("mirror_head", lang, icon=icon, author=author or "—", channel=message.channel)]
    if message.subject:
        lines.append(message.subject)
    if message.text:
        lines.append(message.text)
    if call is not None:
        duration = f" {call.duration_s} с" if call.duration_s else ""
        lines.append(say("mirror_call", lang, duration=duration))
        if segments:
            lines.append(say("mirror_transcript", lang))
            lines.append("\n".join(f"{s.speaker}: {s.text}" for s in segments)[:MAX_TRANSCRIPT])
    files: list[tuple[str, bytes]] = []
    for attachment in attachments:
        name = attachment.filename or f"{attachment.kind}-{attachment.id}"
        note = f" ({attachment.fetch_note})" if attachment.fetch_note else ""
        lines.append(say("mirror_file", lang, name=name, note=note))
        if attachment.blob_sha256 and (attachment.size or 0) <= MAX_FILE:
            try:
                files.append((name, await app.blobs.get(attachment.blob_sha256)))
            except (OSError, KeyError):
                log.warning("attachment %s: blob missing, mirrored by name only", attachment.id)
    return "\n".join(lines), files
