"""LLM jobs on the "llm" queue: conflict analysis of an inbound message, and the request form fill.

The model runs outside any transaction (seconds); what it finds is written in one short transaction."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import text as sql
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from assistant.chains.conflict import ConflictResult, Turn, analyze_conflict
from assistant.chains.request_form import fill_form
from assistant.config import LlmSettings
from assistant.kind_hints import KindHints
from assistant.llm import ChatRunner
from storage.models import Alert, Message, Request, TranscriptSegment
from storage.models.work import OPEN_ALERT_STATUSES
from storage.repos.audit import audit
from storage.repos.calls import call_transcript
from storage.repos.requests import set_field
from workers.context import JobContext, services

log = logging.getLogger(__name__)
ALERT_LOCK = 8_000_000_000  # advisory-lock key space of conflict alerts: this plus the request id
CONTEXT_MESSAGES = 4
CHANNEL_KIND = {"email": "email", "telephony": "call"}  # everything else reads as chat


@dataclass
class AssistantServices:
    runner: ChatRunner
    tz: ZoneInfo
    hints: KindHints | None = None  # the conflict kind's hints in the configured embedding


def assistant_of(app: JobContext, *, force: bool = False) -> AssistantServices | None:
    """One loaded model per worker process, built on first use when OKNO_LLM__ENABLED (or put in extras).
    `force`: build it from the same settings even when not enabled (the demo shows the assistant)."""
    found = app.extras.get("assistant")
    if isinstance(found, AssistantServices):
        return found
    settings = app.extras.get("llm")  # put there by the composition root (okno/services.py)
    if not isinstance(settings, LlmSettings) or not (settings.enabled or force):
        return None
    runner = ChatRunner.from_settings(settings)
    hints = KindHints.configured(settings.embedding) if runner.scorer is not None else None
    built = AssistantServices(runner, app.policy.tz, hints)
    app.extras["assistant"] = built
    return built


async def message_context(session: AsyncSession, message: Message) -> list[Turn]:
    """The conversation's last few messages before this one, oldest first: the conflict check's context."""
    query = (
        select(Message)
        .where(col(Message.conversation_id) == message.conversation_id)
        .where(col(Message.sent_at) <= message.sent_at)
        .where(col(Message.id) != message.id)
        .order_by(col(Message.sent_at).desc())
        .limit(CONTEXT_MESSAGES)
    )
    earlier = (await session.execute(query)).scalars().all()
    return [Turn("client" if m.direction == "inbound" else "staff", m.text or "") for m in reversed(earlier)]


def turn_context(segments: Sequence[TranscriptSegment], n: int) -> list[Turn]:
    """The call's last few turns before turn n: the conflict check's context for a client turn."""
    return [Turn(s.speaker, s.text) for s in segments[max(0, n - CONTEXT_MESSAGES) : n]]


async def _open_alert(session: AsyncSession, request_id: int, category: str) -> Alert | None:
    query = (
        select(Alert)
        .where(col(Alert.kind) == "conflict")
        .where(col(Alert.request_id) == request_id)
        .where(col(Alert.category) == category)
        .where(col(Alert.status).in_(OPEN_ALERT_STATUSES))
    )
    return (await session.execute(query)).scalars().first()


async def _record_conflict(
    session: AsyncSession, message: Message, result: ConflictResult, *, segment_id: int | None = None
) -> tuple[str, int | None]:
    request = await session.get(Request, message.request_id) if message.request_id else None
    category = result.verdict.category
    if message.request_id is not None and session.get_bind().dialect.name == "postgresql":
        # two llm workers on one request: the check below and the insert run one at a time (SQLite's
        # BEGIN IMMEDIATE already serializes writers)
        await session.execute(
            sql("SELECT pg_advisory_xact_lock(:key)"), {"key": ALERT_LOCK + message.request_id}
        )
    if message.request_id is not None and await _open_alert(session, message.request_id, category):
        return "duplicate", None  # at most one open conflict alert per request and category
    alert = Alert(
        kind="conflict",
        severity=min(3, max(1, result.verdict.severity)),
        category=category,
        evidence_quote=result.evidence,
        source_message_id=message.id,
        source_segment_id=segment_id,
        client_id=request.client_id if request else None,
        request_id=message.request_id,
        details={
            "reason": result.verdict.reason,
            "evidence_check": result.evidence_check,
            "confidence": None if result.confidence is None else round(result.confidence, 3),
        },
    )
    session.add(alert)
    await session.flush()
    await audit(
        session,
        actor_kind="assistant",
        action="alert.create",
        entity="alert",
        entity_id=alert.id,
        details={"message_id": message.id, "category": category, "severity": alert.severity},
    )
    return "alerted", alert.id


async def _announce(app: JobContext, alert_id: int | None) -> None:
    """Tell the staff at once (the staff bot); its periodic tick would catch a lost enqueue within seconds."""
    if alert_id is None:
        return
    try:
        await app.queue.enqueue("notify_alert", alert_id, job_id=f"notify_alert:{alert_id}", queue="io")
    except Exception:  # the alert is stored; delivery is retried by staff_tick
        log.warning("notify_alert %d not queued", alert_id, exc_info=True)


async def analyze_message(ctx: Mapping[str, Any], message_id: int) -> str:
    """Conflict or not; a positive with a verified quote becomes an Alert (once per request and category)."""
    app = services(ctx)
    async with app.db.session() as session:
        message = await session.get(Message, message_id)
        if message is None or message.direction != "inbound" or not message.text:
            return "skipped"
        context = await message_context(session, message)
        text, channel = message.text, CHANNEL_KIND.get(message.channel, "chat")
    helper = assistant_of(app)
    if helper is None:
        return "assistant off"
    result = await analyze_conflict(helper.runner, text, channel=channel, context=context, hints=helper.hints)
    if not result.alert:
        return "rejected quote" if result.verdict.conflict else "no conflict"
    async with app.db.session() as session, session.begin():
        message = await session.get(Message, message_id)
        assert message is not None
        outcome, alert_id = await _record_conflict(session, message, result)
    await _announce(app, alert_id)
    log.info("message %s: conflict %s (%s)", message_id, result.verdict.category, outcome)
    return outcome


async def analyze_call(ctx: Mapping[str, Any], message_id: int) -> str:
    """A call transcript, every client turn with the turns before it as context; the turn the check is surest
    of alerts. The first turn over the threshold was often not the one: in the walk-through the director's
    «Здравствуйте, это Пётр Волков, директор Ромашки» scored 0.54 (alerted as «требует руководителя», and the
    check stopped there), before «…если так продолжится, мы расторгнем договор» at 0.78. A calm call was read
    whole anyway, so reading on costs no more than the worst case did."""
    app = services(ctx)
    async with app.db.session() as session:
        _call, segments = await call_transcript(session, message_id=message_id)
    helper = assistant_of(app) if segments else None
    if helper is None:
        return "assistant off" if segments else "no transcript"
    best: tuple[TranscriptSegment, ConflictResult] | None = None
    for n, segment in enumerate(segments):
        if segment.speaker != "client" or not segment.text.strip():
            continue
        context = turn_context(segments, n)
        result = await analyze_conflict(
            helper.runner, segment.text, channel="call", context=context, hints=helper.hints
        )
        if result.alert and (best is None or _surer(result, best[1])):
            best = (segment, result)
    if best is None:
        return "no conflict"
    segment, result = best
    async with app.db.session() as session, session.begin():
        message = await session.get(Message, message_id)
        assert message is not None
        outcome, alert_id = await _record_conflict(session, message, result, segment_id=segment.id)
    await _announce(app, alert_id)
    return outcome


def _surer(result: ConflictResult, than: ConflictResult) -> bool:
    """A higher P(conflict) (a local model's), else a higher severity; the earlier turn on a tie."""
    ours, theirs = result.confidence or 0.0, than.confidence or 0.0
    return (ours, result.verdict.severity) > (theirs, than.verdict.severity)


async def fill_request_form(ctx: Mapping[str, Any], request_id: int, message_id: int) -> str:
    """Fill the form fields still empty from the request's client messages; a manager's value stays."""
    app = services(ctx)
    async with app.db.session() as session:
        request = await session.get(Request, request_id)
        if request is None:
            return "skipped"
        missing = [f for f in ("what", "company_name", "due_at") if getattr(request, f) is None]
        query = (
            select(Message.text)
            .where(col(Message.request_id) == request_id)
            .where(col(Message.direction) == "inbound")
            .where(col(Message.text).is_not(None))
            .order_by(col(Message.sent_at))
        )
        texts = [t for t in (await session.execute(query)).scalars().all() if t]
    if not missing or not texts:
        return "nothing to fill"
    helper = assistant_of(app)
    if helper is None:
        return "assistant off"
    proposal = await fill_form(helper.runner, texts, now=app.clock().astimezone(helper.tz))
    async with app.db.session() as session, session.begin():
        request = await session.get(Request, request_id)
        assert request is not None
        now = app.clock()
        changed = [
            name
            for name, value in proposal.values.items()
            if getattr(request, name) is None
            and set_field(request, field=name, value=value, source="assistant", at=now)
        ]
        if changed:
            await audit(
                session,
                actor_kind="assistant",
                action="request.fill",
                entity="request",
                entity_id=request_id,
                details={"fields": changed, "message_id": message_id},
            )
    return f"filled {','.join(changed)}" if changed else "nothing to fill"
