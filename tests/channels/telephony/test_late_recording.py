"""A PBX says "recording ready" after the call was stored: that event, not a sweep, starts the transcription;
and a call's extension links it to the staff member who owns it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlmodel import select

from intake.accept import accept
from intake.policy import IntakePolicy
from intake.schema import CallInfo, InboundMessage
from storage.db import Database
from storage.models import Call
from storage.repos.accounts import add_staff
from tests.factories import inbound

pytestmark = pytest.mark.storage
POLICY = IntakePolicy()
START = datetime(2026, 11, 24, 7, 0, tzinfo=UTC)


def call_event(event_id: str, **info: Any) -> InboundMessage:
    return inbound(
        event_id,
        channel="telephony",
        account="pbx",
        message_key="call-1",
        kind="call",
        text=None,
        sender="+79161234567",
        phone="+79161234567",
        call=CallInfo(direction="inbound", **info),
    )


async def test_recording_ready_later_asks_for_a_transcript_once(db: Database) -> None:
    async with db.session() as session:
        anna = await add_staff(session, name="Анна", extension="201")
        await session.commit()
    started = await accept(db, call_event("c1", started_at=START, operator_extension="201"), policy=POLICY)
    assert not [f for f in started.follow_ups if f.job == "transcribe_call"]
    ended = await accept(
        db,
        call_event("c2", answered_at=START, ended_at=START + timedelta(minutes=2)),
        policy=POLICY,
    )
    assert not [f for f in ended.follow_ups if f.job == "transcribe_call"]
    ready = await accept(db, call_event("c3", recording_ref="https://pbx/rec/1.wav"), policy=POLICY)
    assert [f.job_id for f in ready.follow_ups if f.job == "transcribe_call"] == [
        f"transcribe_call:{ready.message_id}"
    ]
    again = await accept(db, call_event("c4", recording_ref="https://pbx/rec/1.wav"), policy=POLICY)
    assert not [f for f in again.follow_ups if f.job == "transcribe_call"]
    async with db.session() as session:
        call = (await session.execute(select(Call))).scalars().one()
    assert call.operator_staff_id == anna.id and call.recording_ref == "https://pbx/rec/1.wav"
