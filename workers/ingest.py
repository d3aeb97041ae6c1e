"""The ingest job (RawEvent -> parser -> intake.accept) and the sink that stores raw bytes first."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from arq.worker import Retry
from sqlalchemy.exc import SQLAlchemyError

from channels.base import AnomalousPayload, RawPayload, UnsupportedEvent
from intake.accept import Accepted, accept
from intake.schema import InboundMessage
from storage.db import Database
from storage.repos.raw_events import add_raw_event, count_attempt, finish_raw_event, get_raw_event
from workers.context import JobContext, services
from workers.metrics import EVENTS_ACCEPTED, EVENTS_FAILED
from workers.queue import JobQueue

log = logging.getLogger(__name__)


class StoringSink:
    """RawEventSink: commit the bytes, then enqueue ingest. An enqueue failure loses nothing: the sweeper
    finds the pending row."""

    def __init__(self, db: Database, queue: JobQueue) -> None:
        self.db = db
        self.queue = queue

    async def store(
        self,
        *,
        channel: str,
        account: str,
        headers: Mapping[str, str],
        body: bytes,
        status: str = "pending",
        reason: str | None = None,
    ) -> int:
        async with self.db.lone_statement() as conn:
            raw_id = await add_raw_event(
                conn,
                channel=channel,
                account=account,
                headers=headers,
                body=body,
                status=status,
                reason=reason,
            )
        if status == "pending":
            try:
                await self.queue.enqueue("ingest", raw_id, job_id=f"ingest:{raw_id}", queue="io")
            except Exception:
                log.warning(
                    "raw event %d stored, enqueue failed; the sweeper will deliver it", raw_id, exc_info=True
                )
        return raw_id


async def ingest(ctx: dict[str, Any], raw_event_id: int) -> str:
    app = services(ctx)
    try:
        async with app.db.session() as session:
            raw = await get_raw_event(session, raw_event_id=raw_event_id)
            if raw is None:
                return "missing"
            if raw.status not in ("pending", "failed"):
                return raw.status  # already ingested: a redelivered job changes nothing
            attempts = await count_attempt(session, raw_event_id=raw_event_id)
            await session.commit()
            payload = RawPayload(
                account=raw.account,
                body=raw.body,
                headers={str(k): str(v) for k, v in raw.headers.items()},
                received_at=raw.received_at,
                raw_event_id=raw.id,
            )
            channel = raw.channel
    except (
        SQLAlchemyError,
        OSError,
    ) as exc:  # the database restarting: try again soon (the sweeper also would)
        job_try = int(ctx.get("job_try", 1))
        if job_try >= app.max_tries:
            raise
        log.warning("ingest %d: database unavailable (%r); retrying", raw_event_id, exc)
        raise Retry(defer=min(30, 2**job_try)) from exc
    status, reason, messages = _parse(app, channel, payload)
    if not messages:
        await _finish(app, raw_event_id, status, reason)
        return status
    try:
        results = [await _accept(app, message, raw_event_id) for message in messages]
    except Exception as exc:
        if attempts < app.max_tries:
            log.warning("ingest %d try %d failed (%r); retrying", raw_event_id, attempts, exc)
            raise Retry(defer=min(60, 2**attempts)) from exc
        await _finish(app, raw_event_id, "failed", f"accept failed after {attempts} tries: {exc!r}")
        raise
    status = "duplicate" if all(r.outcome == "duplicate" for r in results) else "accepted"
    await _finish(app, raw_event_id, status, None)
    if status == "accepted" and (hook := app.after_ingest.get(channel)):
        try:
            await app.queue.enqueue(hook, raw_event_id, job_id=f"{hook}:{raw_event_id}")
        except Exception:  # the event is stored; a missed dialogue turn must not re-run the accept
            log.warning("%s for raw event %d not queued", hook, raw_event_id, exc_info=True)
    return status


def _parse(
    app: JobContext, channel: str, payload: RawPayload
) -> tuple[str, str | None, list[InboundMessage]]:
    parser = app.parsers.get(channel)
    if parser is None:
        return _refused(channel, "unsupported", f"no parser installed for channel {channel!r}")
    try:
        messages = parser.parse(payload)
    except UnsupportedEvent as exc:
        return _refused(channel, "unsupported", exc.reason)
    except AnomalousPayload as exc:
        return _refused(channel, "anomalous", exc.reason)
    except Exception as exc:  # a parser bug must not lose the event: keep it with the error
        log.exception("parser %s crashed on raw event %s", channel, payload.raw_event_id)
        return _refused(channel, "anomalous", f"parser error: {exc!r}")
    if not messages:
        return _refused(channel, "unsupported", "the parser found no message in this event")
    return "accepted", None, messages


def _refused(channel: str, status: str, reason: str) -> tuple[str, str, list[InboundMessage]]:
    EVENTS_FAILED.labels(channel, status).inc()
    log.info("%s event kept as %s: %s", channel, status, reason)
    return status, reason, []


async def _accept(app: JobContext, message: InboundMessage, raw_event_id: int) -> Accepted:
    result = await accept(
        app.db, message.model_copy(update={"raw_event_id": raw_event_id}), policy=app.policy
    )
    EVENTS_ACCEPTED.labels(message.channel, result.outcome).inc()
    for follow_up in result.follow_ups:
        try:
            await app.queue.enqueue(
                follow_up.job, *follow_up.args, job_id=follow_up.job_id, queue=follow_up.queue
            )
        except Exception:  # the message is stored; a lost analysis must not re-run the accept
            log.warning("follow-up %s not queued", follow_up.job_id, exc_info=True)
    return result


async def _finish(app: JobContext, raw_event_id: int, status: str, reason: str | None) -> None:
    async with app.db.session() as session:
        await finish_raw_event(session, raw_event_id=raw_event_id, status=status, reason=reason)
        await session.commit()
