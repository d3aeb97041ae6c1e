"""Jobs that bring email attachments into blob storage (sha256-deduplicated): the bytes are already in the
RawEvent, so this is a local extraction by the MIME path the parser recorded, never a download."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from sqlalchemy import update
from sqlmodel import col, select

from channels.email.parts import PREFIX, extract
from storage.models import Attachment, Message, RawEvent
from workers.context import JobContext, services
from workers.listeners import PeriodicSweep

log = logging.getLogger(__name__)
CHANNEL = "email"


def _pending() -> Any:
    return (
        select(Attachment)
        .join(Message, col(Message.id) == col(Attachment.message_id))
        .where(
            col(Message.channel) == CHANNEL,
            col(Attachment.blob_sha256).is_(None),
            col(Attachment.platform_ref).startswith(PREFIX),
        )
    )


async def extract_email_parts(ctx: dict[str, Any], message_id: int) -> dict[str, int]:
    app = services(ctx)
    async with app.db.session() as session:
        attachments = (await session.execute(_pending().where(col(Message.id) == message_id))).scalars().all()
        message = await session.get(Message, message_id)
        raw = await session.get(RawEvent, message.raw_event_id) if message and message.raw_event_id else None
        body = raw.body if raw is not None else None
    counts = {"stored": 0, "missing": 0}
    for attachment in attachments:
        data = await asyncio.to_thread(extract, body, attachment.platform_ref or "") if body else None
        if data is None:
            counts["missing"] += 1
            log.warning(
                "email attachment %d: %s not found in the raw mail", attachment.id, attachment.platform_ref
            )
            continue
        key = await app.blobs.put(data)
        async with app.db.session() as session:
            await session.execute(
                update(Attachment).where(col(Attachment.id) == attachment.id).values(blob_sha256=key)
            )
            await session.commit()
        counts["stored"] += 1
    return counts


async def sweep_email_parts(ctx: dict[str, Any]) -> int:
    """Queue an extraction for every email message whose attachments are not in blob storage yet."""
    app = services(ctx)
    async with app.db.session() as session:
        rows = (await session.execute(_pending())).scalars().all()
    queued = 0
    for message_id in sorted({a.message_id for a in rows}):
        job_id = f"extract_email_parts:{message_id}"
        queued += bool(await app.queue.enqueue("extract_email_parts", message_id, job_id=job_id, queue="io"))
    return queued


def part_sweep(jobs: JobContext, *, every_s: float = 15.0) -> PeriodicSweep:
    return PeriodicSweep("email-parts", sweep_email_parts, jobs, every_s=every_s)
