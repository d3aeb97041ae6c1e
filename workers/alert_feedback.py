"""Staff verdicts on conflict alerts («Не конфликт», a corrected kind: staff bot or web) as a labelled
conflicts file for `okno eval conflicts --file`, so a company measures the assistant on its own
clients. Each case holds what the check read: the message (or the call's client turn) with the same earlier
turns as context, and the staff's answer. A conflict the assistant let pass counts where a staff member
marked it on the message (web): without such marks the file measures precision and the kind, not recall."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from assistant.chains.conflict import Turn
from assistant.languages import language
from storage.models import Alert, Message
from storage.repos.alerts import Verdicts, model_category, verdicts
from storage.repos.calls import call_transcript
from workers.analyze import CHANNEL_KIND, message_context, turn_context


@dataclass
class Feedback:
    cases: list[dict[str, Any]] = field(default_factory=list)
    skipped: list[int] = field(default_factory=list)  # alert ids whose source is gone (forgotten, deleted)
    tally: Verdicts = field(default_factory=Verdicts)  # of the alerts written, as the dashboard counts


async def _read(session: AsyncSession, alert: Alert) -> tuple[str, str, Sequence[Turn]] | None:
    """(text, channel, context) as analyze_message or analyze_call gave them to the conflict check."""
    message = await session.get(Message, alert.source_message_id) if alert.source_message_id else None
    if message is None:
        return None
    if alert.source_segment_id is None:
        if not message.text:
            return None
        context = await message_context(session, message)
        return message.text, CHANNEL_KIND.get(message.channel, "chat"), context
    _call, segments = await call_transcript(session, message_id=message.id or 0)
    for n, segment in enumerate(segments):
        if segment.id == alert.source_segment_id and segment.text.strip():
            return segment.text, "call", turn_context(segments, n)
    return None


async def feedback_cases(session: AsyncSession) -> Feedback:
    """Every conflict alert a staff member judged, oldest first, as eval cases."""
    query = (
        select(Alert)
        .where(col(Alert.kind) == "conflict")
        .where(col(Alert.feedback).is_not(None))
        .order_by(col(Alert.id))
    )
    found = Feedback()
    written: list[Alert] = []
    for alert in (await session.execute(query)).scalars().all():
        read = await _read(session, alert)
        if read is None:
            found.skipped.append(alert.id or 0)
            continue
        written.append(alert)
        text, channel, context = read
        conflict = bool(alert.feedback)
        found.cases.append(
            {
                "id": f"alert-{alert.id}",
                "channel": channel,
                "lang": language(text),
                "text": text,
                "conflict": conflict,
                "category": (alert.category or "none") if conflict else "none",
                "context": [{"speaker": t.speaker, "text": t.text} for t in context],
                # what the assistant said: "none" where it let the conflict pass and a staff member marked it
                "model_category": model_category(alert),
            }
        )
    found.tally = verdicts(written)
    return found
