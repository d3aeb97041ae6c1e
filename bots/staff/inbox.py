"""One inbox in Telegram: in the staff supergroup each client conversation has a topic (bots/staff/mirror.py
creates it and mirrors the client's messages). A staff member's message in a topic goes to the client through
the original channel (the Outbox, workers/outbound.queue_reply: first response, in_work); /note is an
internal note, never sent; /done, /assign Имя, /due 01.12, /wait 10.12 (waiting for the client) act on the
topic's request; /spam blocks its contact. A document or photo posted there goes to the client too."""

from __future__ import annotations

import logging
from zoneinfo import ZoneInfo

import aiohttp
from aiogram import F, Router
from aiogram.exceptions import TelegramAPIError
from aiogram.filters import Command, CommandObject
from aiogram.types import Message

from assistant.due_dates import resolve_due
from assistant.staff_names import resolve_staff
from bots.staff.texts import say
from intake.schema import AttachmentRef
from intake.sla import client_wait_due
from storage.models import Request, Staff
from storage.repos.audit import audit
from storage.repos.blocking import block_contact
from storage.repos.company_settings import sla_settings
from storage.repos.notes import add_note
from storage.repos.requests import RequestTransitionError, change_status, set_field, wait_for_client
from storage.repos.staff_bot import active_staff, topic_by_thread
from workers.context import JobContext
from workers.outbound import NothingToReplyTo, queue_reply
from workers.staffbot_config import StaffBotSettings

log = logging.getLogger(__name__)
TOPIC_FILE_BYTES = 20 * 1024 * 1024  # what getFile lets a bot download


async def topic_request_id(message: Message, app: JobContext) -> int | None:
    """The request of the client topic this message was written in; None outside okno's topics."""
    if message.message_thread_id is None:
        return None
    async with app.db.session() as session:
        topic = await topic_by_thread(session, chat_id=message.chat.id, thread_id=message.message_thread_id)
    return topic.request_id if topic is not None else None


async def asked_request(message: Message, app: JobContext, lang: str) -> int | None:
    """The topic's request for a command about it; None, and the member told so, outside a client's topic."""
    request_id = await topic_request_id(message, app)
    if request_id is None:
        await message.reply(say("topic_no_request", lang))
    return request_id


async def note(message: Message, command: CommandObject, staff: Staff, app: JobContext, lang: str) -> None:
    request_id = await topic_request_id(message, app)
    if request_id is None or not (command.args or "").strip():
        await message.reply(say("topic_no_request", lang))
        return
    async with app.db.session() as session:
        await add_note(
            session,
            request_id=request_id,
            text=command.args or "",
            author_staff_id=staff.id,
            source="telegram",
        )
        await session.commit()
    await message.reply(say("topic_note", lang))


async def done(message: Message, staff: Staff, app: JobContext, lang: str) -> None:
    request_id = await asked_request(message, app, lang)
    if request_id is None:
        return
    async with app.db.session() as session:
        request = await session.get(Request, request_id)
        assert request is not None
        try:
            await change_status(session, request=request, status="done", at=app.clock(), staff_id=staff.id)
        except RequestTransitionError as exc:
            await message.reply(say("topic_bad_status", lang, reason=str(exc)))
            return
        await session.commit()
    await message.reply(say("topic_done", lang, id=request_id))


async def assign(message: Message, command: CommandObject, staff: Staff, app: JobContext, lang: str) -> None:
    request_id, wanted = await asked_request(message, app, lang), (command.args or "").strip().lstrip("@")
    if request_id is None:
        return
    async with app.db.session() as session:
        people = list(await active_staff(session))
        found = resolve_staff(wanted, [p.name for p in people], author=staff.name)
        target = next((p for p in people if p.name == found.staff), None)
        if target is None:
            if found.candidates:
                people_named = ", ".join(found.candidates[:8]) + ("…" if len(found.candidates) > 8 else "")
                await message.reply(say("topic_assign_which", lang, name=wanted[:60], people=people_named))
            else:
                await message.reply(say("topic_assign_unknown", lang, name=wanted[:60]))
            return
        request = await session.get(Request, request_id)
        assert request is not None
        request.assignee_id = target.id
        await audit(
            session,
            actor_kind="staff",
            actor_id=staff.id,
            action="request.assign",
            entity="request",
            entity_id=request_id,
            details={"assignee_id": target.id, "via": "staff_bot"},
        )
        await session.commit()
    await message.reply(say("topic_assigned", lang, id=request_id, name=target.name))


async def due(
    message: Message, command: CommandObject, staff: Staff, app: JobContext, lang: str, tz: ZoneInfo
) -> None:
    request_id = await asked_request(message, app, lang)
    if request_id is None:
        return
    now = app.clock()
    when = resolve_due(command.args or "", now.astimezone(tz))
    if when is None:
        await message.reply(say("topic_due_bad", lang))
        return
    async with app.db.session() as session:
        request = await session.get(Request, request_id)
        assert request is not None
        set_field(request, field="due_at", value=when.at, source="manager", at=now, note="staff bot")
        await audit(
            session,
            actor_kind="staff",
            actor_id=staff.id,
            action="request.due",
            entity="request",
            entity_id=request_id,
            details={"due_at": when.at.isoformat(), "via": "staff_bot"},
        )
        await session.commit()
    await message.reply(
        say("topic_due", lang, id=request_id, due=when.at.astimezone(tz).strftime("%d.%m.%Y %H:%M"))
    )


async def wait(
    message: Message, command: CommandObject, staff: Staff, app: JobContext, lang: str, tz: ZoneInfo
) -> None:
    """/wait: the client owes us an answer (until a date, "/wait 10.12", "/wait до пятницы"); again on a
    waiting request, the wait starts over. Past the date the staff member is told the client is silent."""
    request_id = await asked_request(message, app, lang)
    if request_id is None:
        return
    now = app.clock()
    until = None
    if phrase := (command.args or "").strip():
        when = resolve_due(phrase, now.astimezone(tz))
        if when is None:
            await message.reply(say("topic_wait_bad", lang))
            return
        if when.at <= now:
            await message.reply(
                say("topic_wait_past", lang, due=when.at.astimezone(tz).strftime("%d.%m %H:%M"))
            )
            return
        until = when.at
    async with app.db.session() as session:
        request = await session.get(Request, request_id)
        assert request is not None
        try:
            await wait_for_client(session, request=request, at=now, staff_id=staff.id, until=until)
        except RequestTransitionError as exc:
            await message.reply(say("topic_bad_status", lang, reason=str(exc)))
            return
        due = client_wait_due(request, await sla_settings(session), app.policy.tz)  # the company's days
        await session.commit()
    if due is None:
        await message.reply(say("topic_wait_off", lang, id=request_id))
    else:
        await message.reply(
            say("topic_wait", lang, id=request_id, due=due.astimezone(tz).strftime("%d.%m %H:%M"))
        )


async def spam(message: Message, staff: Staff, app: JobContext, lang: str) -> None:
    """/spam: the topic's contact is blocked as spam and their open requests cancelled; what they send later
    is stored but opens nothing and is not mirrored here (storage/repos/blocking.py)."""
    request_id = await asked_request(message, app, lang)
    if request_id is None:
        return
    async with app.db.session() as session:
        request = await session.get(Request, request_id)
        assert request is not None
        cancelled = await block_contact(
            session, contact_id=request.contact_id, staff_id=staff.id, at=app.clock()
        )
        await session.commit()
    ids = ", ".join(f"#{r.id}" for r in cancelled) or "—"
    await message.reply(say("topic_spam", lang, ids=ids))


async def reply(message: Message, staff: Staff, app: JobContext, lang: str) -> None:
    """Anything else a staff member writes in a client's topic is the answer to that client."""
    request_id = await topic_request_id(message, app)
    if request_id is None:
        return  # a topic okno did not create: staff talk among themselves
    await answer_client(message, staff, app, lang, request_id=request_id, text=message.text or "")


async def reply_file(message: Message, staff: Staff, app: JobContext, lang: str) -> None:
    """A document or photo a staff member posts in a client's topic goes to the client, its caption as the
    text: the Bot API hands a bot files of up to 20 MB, which is also okno's limit for a reply's file."""
    request_id = await topic_request_id(message, app)
    if request_id is None or message.bot is None:
        return
    handle = message.document or (message.photo[-1] if message.photo else None)
    if handle is None:
        return
    name = message.document.file_name if message.document else None
    mime = (message.document.mime_type if message.document else "image/jpeg") or "application/octet-stream"
    if handle.file_size is not None and handle.file_size > TOPIC_FILE_BYTES:
        await message.reply(say("topic_file_too_large", lang, most=str(TOPIC_FILE_BYTES // (1024 * 1024))))
        return
    try:
        got = await message.bot.download(handle.file_id)
    except (TelegramAPIError, aiohttp.ClientError, TimeoutError) as exc:
        await message.reply(say("topic_reply_failed", lang, reason=str(exc)))
        return
    data = got.read() if got is not None else b""
    ref = AttachmentRef(
        kind="document" if message.document else "image",
        filename=name or ("photo.jpg" if message.photo else "file"),
        mime=mime,
        size=len(data),
        blob_key=await app.blobs.put(data),
    )
    await answer_client(
        message, staff, app, lang, request_id=request_id, text=message.caption or "", attachments=(ref,)
    )


async def answer_client(
    message: Message,
    staff: Staff,
    app: JobContext,
    lang: str,
    *,
    request_id: int,
    text: str,
    attachments: tuple[AttachmentRef, ...] = (),
) -> bool:
    """The member's answer, written in the topic, to the client; False, and the member told why, when it
    cannot go. The topic shows it already, so it is not mirrored back there (`shown_in`)."""
    try:
        await queue_reply(
            app.db,
            app.queue,
            request_id=request_id,
            staff_id=staff.id or 0,
            text=text,
            shown_in=(message.chat.id, message.message_id),
            attachments=attachments,
        )
    except NothingToReplyTo as exc:
        await message.reply(say("topic_reply_failed", lang, reason=str(exc)))
        return False
    return True


def inbox_router(cfg: StaffBotSettings) -> Router:
    router = Router(name="staff-inbox")
    if cfg.forum_chat_id is None:
        return router
    router.message.filter(F.chat.id == cfg.forum_chat_id, F.message_thread_id)
    router.message.register(note, Command("note"))
    router.message.register(done, Command("done"))
    router.message.register(assign, Command("assign"))
    router.message.register(due, Command("due"))
    router.message.register(wait, Command("wait"))
    router.message.register(spam, Command("spam"))
    router.message.register(reply, F.text, ~F.text.startswith("/"))
    router.message.register(reply_file, F.document | F.photo)
    return router
