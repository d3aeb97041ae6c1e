"""Viber work that needs storage: fetching client files into blob storage while Viber's links still work,
and whether a user is still subscribed, for the sender (channels/viber stays storage-free, DESIGN.md)."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

import aiohttp
from sqlmodel import col, select

from channels.media import MediaRefused
from channels.viber.media import FILE_KINDS, download
from storage.db import Database
from storage.models import Attachment, ChannelIdentity, Message
from workers.attachments import keep_fetched, retry_fetch
from workers.context import JobContext, services

log = logging.getLogger(__name__)
JOB = "viber_media"
SWEEP_JOB = "viber_media_sweep"
RETRY_BASE_S = 5.0  # the n-th retry waits n times this, at most five minutes
LINKS_LIVE = timedelta(days=1)  # the sweep gives up on links older than this


async def fetch_viber_media(ctx: dict[str, Any], attachment_id: int) -> str:
    """Media URL -> blob; a failure is retried, and the URL stays on the attachment whatever happens."""
    app = services(ctx)
    attachment = await _load(app, attachment_id)
    if attachment is None:
        return "missing"
    if attachment.blob_sha256:
        return "done"  # fetched already: a repeated job changes nothing
    if attachment.kind not in FILE_KINDS or not attachment.platform_ref:
        return "not-a-file"
    try:
        got = await download(attachment.platform_ref)
    except MediaRefused as exc:
        log.warning("viber media of attachment %d not stored: %s", attachment_id, exc)
        return "refused"
    except (aiohttp.ClientError, TimeoutError) as exc:
        again = retry_fetch(ctx, app, base_s=RETRY_BASE_S)
        if again is None:
            log.warning("viber media of attachment %d: gave up: %r", attachment_id, exc)
            return "failed"
        raise again from exc
    return await keep_fetched(app, attachment, got.data, got.mime)


async def _load(app: JobContext, attachment_id: int) -> Attachment | None:
    query = (
        select(Attachment)
        .join(Message, col(Message.id) == col(Attachment.message_id))
        .where(col(Attachment.id) == attachment_id, col(Message.channel) == "viber")
    )
    async with app.db.session() as session:
        return (await session.execute(query)).scalars().first()


async def sweep_viber_media(ctx: dict[str, Any], limit: int = 200) -> int:
    """Queue a fetch for every recent Viber file that has a link and no blob yet; older links have expired,
    and asking again for them forever would only load Viber."""
    app = services(ctx)
    query = (
        select(Attachment.id)
        .join(Message, col(Message.id) == col(Attachment.message_id))
        .where(
            col(Message.channel) == "viber",
            col(Message.sent_at) >= app.clock() - LINKS_LIVE,
            col(Attachment.blob_sha256).is_(None),
            col(Attachment.platform_ref).is_not(None),
            col(Attachment.kind).in_(FILE_KINDS),
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


class StoredReachable:
    """channels.viber.send.Reachable read from storage: False once the user unsubscribed (intake records it
    from the `unsubscribed` callback, and clears it when they subscribe or write again)."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def __call__(self, *, account: str, user_id: str) -> bool:
        query = select(ChannelIdentity.reachable).where(
            col(ChannelIdentity.channel) == "viber",
            col(ChannelIdentity.account) == account,
            col(ChannelIdentity.external_id) == user_id,
        )
        async with self.db.session() as session:
            found = (await session.execute(query)).scalars().first()
        return found is not False  # an unknown user: Viber itself says whether they may be written to
