"""Calls and their transcripts, read by the message that carries them in the client's history."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from storage.models import Call, TranscriptSegment


async def call_transcript(
    session: AsyncSession, *, message_id: int
) -> tuple[Call | None, Sequence[TranscriptSegment]]:
    """The call of a `call` message and its speaker-labelled segments in order (none before transcription)."""
    call = (await session.execute(select(Call).where(col(Call.message_id) == message_id))).scalars().first()
    if call is None:
        return None, []
    query = (
        select(TranscriptSegment)
        .where(col(TranscriptSegment.call_id) == call.id)
        .order_by(col(TranscriptSegment.position))
    )
    return call, (await session.execute(query)).scalars().all()
