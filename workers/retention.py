"""Retention (152-FZ: keep personal data no longer than needed): call recordings and raw payloads older than
the configured periods are deleted by a periodic job. The call row, its transcript and the parsed message
stay; a raw payload keeps its row (status, reason, time) with the bytes gone and a marker header.
A raw event still pending or failed is never purged: it has not been turned into a message yet."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import func, update
from sqlmodel import col, select

from storage.models import Call, RawEvent
from storage.repos.audit import audit
from storage.repos.privacy import blobs_in_use
from workers.context import JobContext, services

log = logging.getLogger(__name__)
EXTRAS_KEY = "retention"
PURGED_HEADER = "X-Okno-Purged"
BATCH = 500
UNPROCESSED = ("pending", "failed")


@dataclass(frozen=True)
class RetentionPolicy:
    """None keeps forever. Put in JobContext.extras["retention"] by the composition root."""

    recordings: timedelta | None = None
    raw_payloads: timedelta | None = None


async def enforce_retention(ctx: dict[str, Any]) -> dict[str, int]:
    """One pass: returns how many recordings and raw payloads it removed (at most BATCH of each; the next
    run takes the rest)."""
    app = services(ctx)
    policy = app.extras.get(EXTRAS_KEY)
    if not isinstance(policy, RetentionPolicy):
        return {"recordings": 0, "raw_payloads": 0}
    done = {
        "recordings": await _recordings(app, policy.recordings) if policy.recordings else 0,
        "raw_payloads": await _raw_payloads(app, policy.raw_payloads) if policy.raw_payloads else 0,
    }
    if any(done.values()):
        log.info("retention removed %s", done)
    return done


async def _recordings(app: JobContext, keep: timedelta) -> int:
    cutoff = app.clock() - keep
    async with app.db.session() as session:
        rows = (
            await session.execute(
                select(Call.id, Call.message_id, Call.recording_sha256)
                .where(
                    func.coalesce(col(Call.ended_at), col(Call.created_at)) < cutoff,
                    col(Call.recording_ref).is_not(None) | col(Call.recording_sha256).is_not(None),
                )
                .order_by(col(Call.id))
                .limit(BATCH)
            )
        ).all()
        if not rows:
            return 0
        ids = [r[0] for r in rows]
        keys = sorted({r[2] for r in rows if r[2]})
        await session.execute(
            update(Call).where(col(Call.id).in_(ids)).values(recording_ref=None, recording_sha256=None)
        )
        # A blob shared with a newer call or an attachment (same bytes) stays.
        gone = [
            k
            for k in keys
            if k not in await blobs_in_use(session, keys, except_messages=[r[1] for r in rows])
        ]
        await audit(
            session,
            actor_kind="system",
            action="retention.recordings",
            entity="call",
            entity_id=None,
            details={"calls": ids, "before": cutoff.isoformat(), "blobs": len(gone)},
        )
        await session.commit()
    for key in gone:
        await app.blobs.delete(key)
    return len(ids)


async def _raw_payloads(app: JobContext, keep: timedelta) -> int:
    cutoff = app.clock() - keep
    async with app.db.session() as session:
        ids = list(
            (
                await session.execute(
                    select(RawEvent.id)
                    .where(
                        col(RawEvent.received_at) < cutoff,
                        col(RawEvent.status).not_in(UNPROCESSED),
                        func.length(col(RawEvent.body)) > 0,
                    )
                    .order_by(col(RawEvent.id))
                    .limit(BATCH)
                )
            ).scalars()
        )
        if not ids:
            return 0
        marker = {PURGED_HEADER: f"retention {app.clock().date().isoformat()}"}
        await session.execute(
            update(RawEvent).where(col(RawEvent.id).in_(ids)).values(body=b"", headers=marker)
        )
        await audit(
            session,
            actor_kind="system",
            action="retention.raw_payloads",
            entity="raw_event",
            entity_id=None,
            details={"count": len(ids), "first": ids[0], "last": ids[-1], "before": cutoff.isoformat()},
        )
        await session.commit()
    return len(ids)


async def retention_forever(app: JobContext, interval_s: float) -> None:
    """For the inline backend: `okno serve` runs the job itself (arq workers run it as a cron job)."""
    while True:
        try:
            await enforce_retention({"okno": app})
        except Exception:
            log.warning("retention pass failed; next in %.0fs", interval_s, exc_info=True)
        await asyncio.sleep(interval_s)
