"""Replies go out through the Outbox: written with the action, sent by `send_outbox` with retries."""

from __future__ import annotations

import logging
import uuid
from datetime import datetime, timedelta
from typing import Any

from arq.worker import Retry
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from channels.base import SendFailed
from intake.schema import AttachmentRef, OutboundMessage
from storage.db import Database
from storage.models import (
    Attachment,
    ChannelIdentity,
    ContactMerge,
    Conversation,
    Message,
    Outbox,
    Request,
    Staff,
    StaffNotice,
)
from storage.repos.clients import mark_reachable
from storage.repos.outbox import add_outbox, record_delivery
from storage.repos.requests import record_staff_reply
from storage.types import utcnow
from workers.context import JobContext, services
from workers.metrics import OUTBOX_SENT
from workers.queue import JobQueue
from workers.staff_delivery import staffbot_settings

log = logging.getLogger(__name__)


def stuck_after(app: JobContext) -> timedelta:
    """A send that started longer ago than this died with its process; it may be retried (and counted)."""
    return timedelta(seconds=app.outbox_stuck_after_s)


class NothingToReplyTo(LookupError):
    pass


async def queue_reply(
    db: Database,
    queue: JobQueue,
    *,
    request_id: int,
    staff_id: int,
    text: str,
    shown_in: tuple[int, int] | None = None,
    attachments: tuple[AttachmentRef, ...] = (),
) -> Outbox:
    """A staff reply on a request, in the channel the client last wrote from: text, files (in blob
    storage, `blob_key`) or both. `shown_in` (chat id, Telegram message id): written in the staff group's
    topic, so it is there already and not mirrored into it again (the mirror of a sent reply,
    bots/staff/mirror.mirror_reply, goes by the same key)."""
    async with db.session() as session:
        request = await session.get(Request, request_id)
        if request is None:
            raise NothingToReplyTo(f"request {request_id} does not exist")
        staff = await session.get(Staff, staff_id)
        assert staff is not None
        now = utcnow()
        outbox = await _outbound(session, request, text=text, author=staff, at=now, attachments=attachments)
        await record_staff_reply(session, request=request, at=now, staff_id=staff_id)
        if shown_in is not None:
            chat_id, telegram_message_id = shown_in
            session.add(
                StaffNotice(
                    key=mirror_key(outbox.message_id or 0), kind="mirror", chat_id=chat_id, status="sent",
                    telegram_message_id=telegram_message_id, sent_at=now,
                )
            )  # fmt: skip
        await session.commit()
    await enqueue_send(queue, outbox)
    return outbox


def mirror_key(message_id: int) -> str:
    """The staff notice key of a message mirrored into the staff group's topic."""
    return f"mirror:{message_id}"


async def _mirror(app: JobContext, row: Outbox) -> None:
    """A reply on a request that settled (sent, or failed for good) is shown in the staff group's topic, so
    the Telegram side reads the answers given from the web, the API and by okno itself; not the client bot's
    own dialogue (no request)."""
    if row.message_id is not None and staffbot_settings(app).forum_chat_id is not None:
        await app.queue.enqueue("mirror_reply", row.message_id, job_id=f"mirror_reply:{row.message_id}")


async def queue_survey(
    db: Database, *, request_id: int, text: str, at: datetime, choices: tuple[str, ...] = ()
) -> Outbox | None:
    """okno's own question to the client once their request is done: sent as a reply is, written by no staff
    member, changing nothing of the request but when it asked. None when it was asked already (another
    process) or the request is no longer done. The caller enqueues the send."""
    async with db.session() as session:
        claimed = await session.execute(
            update(Request)
            .where(col(Request.id) == request_id, col(Request.status) == "done")
            .where(col(Request.survey_sent_at).is_(None))
            .values(survey_sent_at=at)
        )
        request = await session.get(Request, request_id)
        if not claimed.rowcount or request is None:  # type: ignore[attr-defined]
            return None
        try:
            outbox = await _outbound(session, request, text=text, author=None, at=at, choices=choices)
        except NothingToReplyTo:  # only calls: there is nowhere to write
            await session.rollback()
            return None
        await session.commit()
    return outbox


async def queue_notice(db: Database, *, request_id: int, text: str, at: datetime, key: str) -> Outbox | None:
    """okno's own short message to the client on a request (a thank-you for their rating): written by no
    staff member, changing nothing of the request, stored under `key`: once per key (None when it was
    written already, or the client only called). The caller enqueues."""
    async with db.session() as session:
        request = await session.get(Request, request_id)
        written = select(Message.id).where(
            col(Message.request_id) == request_id, col(Message.message_key) == key
        )
        if request is None or (await session.execute(written)).first() is not None:
            return None
        try:
            outbox = await _outbound(session, request, text=text, author=None, at=at, key=key)
        except NothingToReplyTo:
            return None
        await session.commit()
    return outbox


async def _outbound(
    session: AsyncSession,
    request: Request,
    *,
    text: str,
    author: Staff | None,
    at: datetime,
    key: str | None = None,
    choices: tuple[str, ...] = (),
    attachments: tuple[AttachmentRef, ...] = (),
) -> Outbox:
    """The outbound message and its Outbox row, in the conversation the client last wrote in; its key is
    `key` when given, else the Outbox row's."""
    request_id = request.id or 0
    inbound = await _last_inbound(session, request_id)
    return await write_outbound(
        session,
        inbound,
        request_id=request_id,
        text=text,
        author=author,
        at=at,
        key=key,
        choices=choices,
        attachments=attachments,
        reply_to_key=inbound.message_key,
        # Email threads on these: "Re: <subject> [#R-<request>]", In-Reply-To and References.
        thread_hints={"subject": inbound.subject, "request_token": f"R-{request_id}"},
    )


async def write_outbound(
    session: AsyncSession,
    to: Message,
    *,
    request_id: int | None,
    text: str,
    author: Staff | None,
    at: datetime,
    reply_to_key: str | None,
    thread_hints: dict[str, Any],
    key: str | None = None,
    choices: tuple[str, ...] = (),
    attachments: tuple[AttachmentRef, ...] = (),
) -> Outbox:
    """A message to the writer of client message `to`, in its conversation, and its Outbox row: a reply on a
    request, or a broadcast's copy (no request, answering nothing). Its files get Attachment rows, so the
    timeline shows and serves what was sent as it does a client's. The caller commits and enqueues."""
    conversation = await session.get(Conversation, to.conversation_id)
    assert conversation is not None
    message = Message(
        conversation_id=conversation.id or 0,
        request_id=request_id,
        channel=conversation.channel,
        account=conversation.account,
        message_key=f"okno-out:pending:{uuid.uuid4().hex}",  # renamed below once the Outbox row has its id
        direction="outbound",
        author_staff_id=author.id if author else None,
        kind="text",
        text=text or None,  # a file-only reply has no text
        sent_at=at,
        reply_to_key=reply_to_key,
    )
    session.add(message)
    await session.flush()
    for position, ref in enumerate(attachments):
        session.add(
            Attachment(
                message_id=message.id or 0, position=position, kind=ref.kind, filename=ref.filename,
                mime=ref.mime, size=ref.size, blob_sha256=ref.blob_key,
            )
        )  # fmt: skip
    outbox = await add_outbox(
        session,
        channel=conversation.channel,
        account=conversation.account,
        conversation_key=conversation.conversation_key,
        message_id=message.id,
        payload={
            "text": text or None,
            "attachments": [ref.model_dump(mode="json", exclude_none=True) for ref in attachments],
            "reply_to_key": reply_to_key,
            "author_name": author.name if author else None,
            "recipient_id": await _recipient(session, to),
            "choices": list(choices),  # buttons where the channel has them (OutboundMessage.choices)
            "thread_hints": thread_hints,
        },
    )
    message.message_key = key or f"okno-out:{outbox.id}"
    return outbox


async def enqueue_send(queue: JobQueue, outbox: Outbox) -> None:
    try:
        await queue.enqueue("send_outbox", outbox.id, job_id=f"send_outbox:{outbox.id}:{outbox.attempts}")
    except Exception:
        log.warning("outbox %s stored, enqueue failed; the sweeper will send it", outbox.id, exc_info=True)


async def last_written(session: AsyncSession, request_id: int) -> Message | None:
    """The client's last written message on the request, which a reply answers in its channel: a call or a
    service message cannot be answered in writing."""
    query = (
        select(Message)
        .where(col(Message.request_id) == request_id, col(Message.direction) == "inbound")
        .where(col(Message.kind).not_in(("call", "system")))
        .order_by(col(Message.sent_at).desc())
    )
    return (await session.execute(query)).scalars().first()


async def _last_inbound(session: AsyncSession, request_id: int) -> Message:
    message = await last_written(session, request_id)
    if message is None:
        raise NothingToReplyTo(
            f"request {request_id} has no written client message to answer (calls are answered by phone)"
        )
    return message


async def _recipient(session: AsyncSession, message: Message) -> str | None:
    """Who wrote `message`, as the platform addresses them: their identity there, which went with them if
    they were merged into another contact since (ContactMerge.moved names it: the survivor may have more
    than one address on the same channel)."""
    where = (col(ChannelIdentity.channel) == message.channel, col(ChannelIdentity.account) == message.account)
    own = select(ChannelIdentity.external_id).where(
        *where, col(ChannelIdentity.contact_id) == message.author_contact_id
    )
    found = (await session.execute(own)).scalars().first()
    if found is not None or message.author_contact_id is None:
        return found
    merges = select(ContactMerge.moved).where(
        col(ContactMerge.merged_id) == message.author_contact_id, col(ContactMerge.undone_at).is_(None)
    )
    moved = [i for m in (await session.execute(merges)).scalars() for i in (m or {}).get("identity_ids", [])]
    went = select(ChannelIdentity.external_id).where(*where, col(ChannelIdentity.id).in_(moved))
    return (await session.execute(went)).scalars().first()


async def send_outbox(ctx: dict[str, Any], outbox_id: int) -> str:
    app = services(ctx)
    row = await _claim(app, outbox_id)
    if row is None:
        return "skipped"  # sent already, given up, or another sender holds it
    account = await app.accounts.by_name(row.channel, row.account)
    sender = app.senders.get(row.channel)
    if account is None or sender is None:
        return await _give_up(app, row, f"no {'account' if account is None else 'sender'} for {row.channel}")
    message = OutboundMessage(
        channel=row.channel,
        account=row.account,
        conversation_key=row.conversation_key,
        outbox_id=outbox_id,
        **row.payload,
    )
    try:
        result = await sender.send(account, message)
    except SendFailed as exc:
        if exc.unreachable and message.recipient_id:
            await _mark_unreachable(app, row, message.recipient_id)
        if exc.retry_after is None or row.attempts >= app.max_tries:
            return await _give_up(app, row, exc.reason)
        return await _retry_later(app, row, exc.retry_after, exc.reason)
    except Exception as exc:  # network trouble: back off and try again
        if row.attempts >= app.max_tries:
            return await _give_up(app, row, repr(exc))
        return await _retry_later(app, row, min(300.0, 2.0**row.attempts), repr(exc))
    await _update(
        app,
        outbox_id,
        status="sent",
        sent_at=app.clock(),
        sending_started_at=None,
        platform_message_id=result.platform_message_id,
        last_error=None,
        delivery="sent",
    )
    OUTBOX_SENT.labels(row.channel, "sent").inc()
    await _mirror(app, row)
    return "sent"


async def _claim(app: JobContext, outbox_id: int) -> Outbox | None:
    """Take the row atomically; a row left mid-send by a crash is taken again and the repeat counted."""
    now = app.clock()
    async with app.db.session() as session:
        row = await session.get(Outbox, outbox_id)
        if row is None or row.status != "pending":
            return None
        held = row.sending_started_at is not None
        if held and row.sending_started_at is not None and row.sending_started_at > now - stuck_after(app):
            return None
        claimed = await session.execute(
            update(Outbox)
            .where(col(Outbox.id) == outbox_id, col(Outbox.status) == "pending")
            .where(col(Outbox.attempts) == row.attempts)
            .values(
                sending_started_at=now,
                attempts=row.attempts + 1,
                repeated_sends=row.repeated_sends + (1 if held else 0),
            )
        )
        if not claimed.rowcount:  # type: ignore[attr-defined]
            return None
        await session.commit()
        await session.refresh(row)
        if held:
            log.warning("outbox %d: previous send died mid-way; sending again (may repeat once)", outbox_id)
        return row


async def _mark_unreachable(app: JobContext, row: Outbox, recipient_id: str) -> None:
    async with app.db.session() as session:
        await mark_reachable(
            session,
            channel=row.channel,
            account=row.account,
            external_id=recipient_id,
            reachable=False,
            at=app.clock(),
        )
        await session.commit()


async def _retry_later(app: JobContext, row: Outbox, delay: float, reason: str) -> str:
    await _update(
        app,
        row.id or 0,
        sending_started_at=None,
        last_error=reason,
        next_attempt_at=app.clock() + timedelta(seconds=delay),
    )
    OUTBOX_SENT.labels(row.channel, "retry").inc()
    raise Retry(defer=delay)


async def _give_up(app: JobContext, row: Outbox, reason: str) -> str:
    log.warning("outbox %s failed for good: %s", row.id, reason)
    await _update(
        app, row.id or 0, status="failed", sending_started_at=None, last_error=reason, delivery="failed"
    )
    OUTBOX_SENT.labels(row.channel, "failed").inc()
    await _mirror(app, row)
    return "failed"


async def _update(app: JobContext, outbox_id: int, *, delivery: str | None = None, **values: Any) -> None:
    """The row's new values, and its timeline message's delivery when the send settled."""
    async with app.db.session() as session:
        await session.execute(update(Outbox).where(col(Outbox.id) == outbox_id).values(**values))
        if delivery is not None:
            row = await session.get(Outbox, outbox_id)
            await record_delivery(session, message_id=row.message_id if row else None, status=delivery)
        await session.commit()
