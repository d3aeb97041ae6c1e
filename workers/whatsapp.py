"""WhatsApp work that needs storage: fetching client media into blob storage, and the last-message time that
the 24-hour window is computed from (channels/whatsapp stays storage-free, DESIGN.md)."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

import aiohttp
from arq.worker import Retry
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from channels.base import SendFailed
from channels.media import MediaRefused
from channels.whatsapp.graph import GraphAccount, GraphError
from channels.whatsapp.media import ALLOWED_PREFIXES, download_media
from channels.whatsapp.send import WhatsAppSender
from channels.whatsapp.window import WINDOW
from storage.db import Database
from storage.models import Attachment, Conversation, Message
from storage.repos.conversations import last_inbound_at
from workers.attachments import keep_fetched, retry_fetch
from workers.context import JobContext, services

log = logging.getLogger(__name__)
JOB = "whatsapp_media"
SWEEP_JOB = "whatsapp_media_sweep"
RETRY_BASE_S = 5.0  # the n-th retry waits n times this, at most five minutes
# What a client writes opens the 24-hour window; system notes do not.
CLIENT_KINDS = ("text", "media")


async def fetch_whatsapp_media(ctx: dict[str, Any], attachment_id: int) -> str:
    """Media id -> blob; a failure is retried, and the media id stays on the attachment whatever happens."""
    app = services(ctx)
    found = await _load(app, attachment_id)
    if found is None:
        return "missing"
    attachment, account_name = found
    if attachment.blob_sha256:
        return "done"  # fetched already: a repeated job changes nothing
    account = await app.accounts.by_name("whatsapp", account_name)
    if account is None or not attachment.platform_ref:
        return "no-account" if account is None else "no-media-id"
    try:
        got = await download_media(GraphAccount.of(account), attachment.platform_ref, attachment.kind)
    except (MediaRefused, SendFailed) as exc:
        log.warning(
            "whatsapp media %s (attachment %d) not stored: %s", attachment.platform_ref, attachment_id, exc
        )
        return "refused"
    except (aiohttp.ClientError, TimeoutError, GraphError) as exc:
        again = retry_fetch(ctx, app, base_s=RETRY_BASE_S)
        if again is None:
            log.warning("whatsapp media %s: giving up: %r", attachment.platform_ref, exc)
            return "failed"
        raise again from exc
    return await keep_fetched(app, attachment, got.data, got.mime)


async def _load(app: JobContext, attachment_id: int) -> tuple[Attachment, str] | None:
    query = (
        select(Attachment, Message.account)
        .join(Message, col(Message.id) == col(Attachment.message_id))
        .where(col(Attachment.id) == attachment_id, col(Message.channel) == "whatsapp")
    )
    async with app.db.session() as session:
        row = (await session.execute(query)).first()
    return (row[0], str(row[1])) if row else None


async def sweep_whatsapp_media(ctx: dict[str, Any], limit: int = 200) -> int:
    """Queue a fetch for every WhatsApp attachment that has a media id and no blob yet."""
    app = services(ctx)
    query = (
        select(Attachment.id)
        .join(Message, col(Message.id) == col(Attachment.message_id))
        .where(
            col(Message.channel) == "whatsapp",
            col(Attachment.blob_sha256).is_(None),
            col(Attachment.platform_ref).is_not(None),
            col(Attachment.kind).in_(tuple(ALLOWED_PREFIXES)),
        )
        .order_by(col(Attachment.id))
        .limit(limit)
    )
    async with app.db.session() as session:
        ids = [int(i) for i in (await session.execute(query)).scalars().all()]
    queued = 0
    for attachment_id in ids:
        queued += await app.queue.enqueue(JOB, attachment_id, job_id=f"{JOB}:{attachment_id}", queue="io")
    return queued


async def mark_whatsapp_read(ctx: dict[str, Any], message_id: int) -> str:
    """Enqueued when a manager opens a client's message; does something only where config.mark_read is on."""
    app = services(ctx)
    async with app.db.session() as session:
        message = await session.get(Message, message_id)
    if message is None or message.channel != "whatsapp" or message.direction != "inbound":
        return "skipped"
    account = await app.accounts.by_name("whatsapp", message.account)
    sender = app.senders.get("whatsapp")
    if (
        account is None
        or account.config.get("mark_read") is not True
        or not isinstance(sender, WhatsAppSender)
    ):
        return "off"
    try:
        await sender.mark_read(account, message.message_key)
    except SendFailed as exc:
        if exc.retry_after is None or int(ctx.get("job_try", 1)) >= app.max_tries:
            log.info("whatsapp read mark for %s not sent: %s", message.message_key, exc.reason)
            return "failed"
        raise Retry(defer=exc.retry_after) from exc
    return "marked"


class StoredLastInbound:
    """channels.whatsapp.window.LastInbound read from storage: the client's last message to this number."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def __call__(self, *, account: str, wa_id: str) -> datetime | None:
        async with self.db.session() as session:
            return await last_inbound_at(
                session, channel="whatsapp", account=account, conversation_key=wa_id, kinds=CLIENT_KINDS
            )


async def window_closes_at(session: AsyncSession, inbound: Message) -> datetime | None:
    """When WhatsApp's 24-hour window closes for the conversation of this client message, counted as the
    sender counts it (StoredLastInbound); None when the client never wrote in it. Free text goes only
    before."""
    conversation = await session.get(Conversation, inbound.conversation_id)
    if conversation is None:
        return None
    last = await last_inbound_at(
        session,
        channel="whatsapp",
        account=inbound.account,
        conversation_key=conversation.conversation_key,
        kinds=CLIENT_KINDS,
    )
    return last + WINDOW if last else None
