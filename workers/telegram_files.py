"""Jobs that bring Telegram attachments into blob storage (sha256-deduplicated). Files over the Bot API's
20 MB limit keep their file_id and are logged and counted as kept, never lost or retried forever."""

from __future__ import annotations

import logging
from typing import Any

from aiogram.exceptions import TelegramNetworkError, TelegramServerError
from arq.worker import Retry
from sqlalchemy import update
from sqlmodel import col, select

from channels.telegram.bots import BotPool
from channels.telegram.download import MAX_DOWNLOAD, download
from channels.telegram.send import TelegramSender
from storage.models import Attachment, Message
from workers.context import JobContext, services

log = logging.getLogger(__name__)
CHANNEL = "telegram"
DOWNLOADABLE = ("image", "video", "audio", "voice", "document", "sticker", "other")
POOL_KEY = "telegram.bots"


def _pool(app: JobContext) -> BotPool:
    """The sender's bots (closed with the services), else a pool of this process's own."""
    sender = app.senders.get(CHANNEL)
    if isinstance(sender, TelegramSender):
        return sender.pool
    pool = app.extras.get(POOL_KEY)
    if not isinstance(pool, BotPool):
        pool = app.extras[POOL_KEY] = BotPool()
    return pool


def _pending() -> Any:
    return (
        select(Attachment, Message.account)
        .join(Message, col(Message.id) == col(Attachment.message_id))
        .where(
            col(Message.channel) == CHANNEL,
            col(Attachment.blob_sha256).is_(None),
            col(Attachment.platform_ref).is_not(None),
            col(Attachment.kind).in_(DOWNLOADABLE),
            col(Attachment.fetch_note).is_(None),  # marked: over the Bot API limit, kept as a file_id
        )
    )


async def fetch_telegram_files(ctx: dict[str, Any], message_id: int) -> dict[str, int]:
    app = services(ctx)
    async with app.db.session() as session:
        rows = (await session.execute(_pending().where(col(Message.id) == message_id))).all()
    counts = {"stored": 0, "kept_as_file_id": 0}
    for attachment, account_name in rows:
        account = await app.accounts.by_name(CHANNEL, account_name)
        if account is None:
            log.warning("telegram files of message %d: account %r is gone", message_id, account_name)
            break
        try:
            got = await download(_pool(app).get(account), attachment.platform_ref, known_size=attachment.size)
        except (TelegramNetworkError, TelegramServerError) as exc:
            tries = int(ctx.get("job_try", 1))
            if tries >= app.max_tries:
                raise
            log.warning("telegram file of message %d: %s; retrying", message_id, exc.message)
            raise Retry(defer=min(300, tries * 5)) from exc
        if got.data is None:
            counts["kept_as_file_id"] += 1
            log.info("attachment %d kept as file_id: %s", attachment.id, got.kept_as_file_id)
            await _mark(app, attachment.id or 0, fetch_note=str(got.kept_as_file_id))
            continue
        key = await app.blobs.put(got.data)
        await _mark(app, attachment.id or 0, blob_sha256=key, size=attachment.size or len(got.data))
        counts["stored"] += 1
    return counts


async def _mark(app: JobContext, attachment_id: int, **values: Any) -> None:
    async with app.db.session() as session:
        await session.execute(update(Attachment).where(col(Attachment.id) == attachment_id).values(**values))
        await session.commit()


async def sweep_telegram_files(ctx: dict[str, Any]) -> int:
    """Queue a fetch for every message with files still only in Telegram (known-too-big ones excluded)."""
    app = services(ctx)
    query = _pending().where((col(Attachment.size).is_(None)) | (col(Attachment.size) <= MAX_DOWNLOAD))
    async with app.db.session() as session:
        rows = (await session.execute(query)).all()
    message_ids = sorted({a.message_id for a, _ in rows})
    queued = 0
    for message_id in message_ids:
        job_id = f"fetch_telegram_files:{message_id}"
        queued += bool(await app.queue.enqueue("fetch_telegram_files", message_id, job_id=job_id, queue="io"))
    return queued
