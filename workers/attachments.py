"""`fetch_attachments`: files a platform holds (a Telegram file_id, a WhatsApp media id, a Viber link, an
email part) are moved into blob storage by that channel's own job; intake asks for it without knowing the
platform."""

from __future__ import annotations

from typing import Any

from arq.worker import Retry
from sqlalchemy import update
from sqlmodel import col, select

from storage.models import Attachment, Message
from workers.context import JobContext, services

# Channels whose fetch job takes the message id, and those whose job takes one attachment id.
BY_MESSAGE = {"telegram": "fetch_telegram_files", "email": "extract_email_parts"}
BY_ATTACHMENT = {"whatsapp": "whatsapp_media", "viber": "viber_media"}


async def fetch_attachments(ctx: dict[str, Any], message_id: int) -> int:
    """Queue the channel's fetch job(s) for this message's files not yet in blob storage; returns how many."""
    app = services(ctx)
    async with app.db.session() as session:
        message = await session.get(Message, message_id)
        if message is None:
            return 0
        pending = (
            (
                await session.execute(
                    select(Attachment.id).where(
                        col(Attachment.message_id) == message_id,
                        col(Attachment.blob_sha256).is_(None),
                        col(Attachment.platform_ref).is_not(None),
                    )
                )
            )
            .scalars()
            .all()
        )
    if not pending:
        return 0
    if job := BY_MESSAGE.get(message.channel):
        # One fetch per request (per album part): a part committed while an earlier fetch was already reading
        # its rows is never left behind; a fetch that finds nothing pending does nothing.
        trigger = ctx.get("job_id") or max(pending)
        await app.queue.enqueue(job, message_id, job_id=f"{job}:{message_id}:{trigger}")
        return 1
    if job := BY_ATTACHMENT.get(message.channel):
        for attachment_id in pending:
            await app.queue.enqueue(job, attachment_id, job_id=f"{job}:{attachment_id}")
        return len(pending)
    return 0  # the API channel hands over URLs the integrator serves: nothing to fetch here


async def keep_fetched(app: JobContext, attachment: Attachment, data: bytes, mime: str) -> str:
    """A channel's fetched file into blob storage and onto its attachment row (the row's MIME, where the
    message named one, stays)."""
    key = await app.blobs.put(data)
    async with app.db.session() as session:
        await session.execute(
            update(Attachment)
            .where(col(Attachment.id) == attachment.id)
            .values(blob_sha256=key, size=len(data), mime=attachment.mime or mime)
        )
        await session.commit()
    return "stored"


def retry_fetch(ctx: dict[str, Any], app: JobContext, *, base_s: float) -> Retry | None:
    """A fetch that failed in a way worth another try: the Retry to raise (the n-th waits n × base_s, at
    most five minutes), or None once the tries are spent."""
    tries = int(ctx.get("job_try", 1))
    if tries >= app.max_tries:
        return None
    return Retry(defer=min(300.0, base_s * tries))
