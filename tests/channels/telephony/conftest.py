"""Telephony fixtures: the PBX sandbox on loopback, telephony accounts in the live okno, audio made at test
time (festival for Russian, espeak-ng for English, sox to mix a stereo call)."""

from __future__ import annotations

import io
import wave
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
from sqlalchemy import func
from sqlmodel import col, select

from sandbox.pbx import SandboxPbx
from storage.models import Call, Conversation, Message, RawEvent, TranscriptSegment
from storage.repos.accounts import add_channel_account
from tests.conftest import Live, start_app

ZADARMA_CORPUS_SECRET = "corpus-test-secret"
MANGO_CORPUS = ("corpus-api-key", "corpus-api-salt")


@dataclass
class Telephony:
    live: Live
    pbx: SandboxPbx

    def hook(self, provider: str, account: str | None = None) -> str:
        return f"{self.live.url}/telephony/{provider}/{account or provider}/webhook"

    async def raw_count(self) -> int:
        async with self.live.services.db.session() as session:
            return int((await session.execute(select(func.count()).select_from(RawEvent))).scalar_one())

    async def call(self, message_key: str) -> tuple[Message, Call]:
        async with self.live.services.db.session() as session:
            message = (
                (await session.execute(select(Message).where(col(Message.message_key) == message_key)))
                .scalars()
                .one()
            )
            call = (
                (await session.execute(select(Call).where(col(Call.message_id) == message.id)))
                .scalars()
                .one()
            )
            return message, call

    async def conversation_key(self, message: Message) -> str:
        async with self.live.services.db.session() as session:
            conversation = await session.get(Conversation, message.conversation_id)
            assert conversation is not None
            return conversation.conversation_key

    async def segments(self, call_id: int) -> list[TranscriptSegment]:
        async with self.live.services.db.session() as session:
            query = select(TranscriptSegment).where(col(TranscriptSegment.call_id) == call_id)
            return list((await session.execute(query.order_by(col(TranscriptSegment.position)))).scalars())


async def add_accounts(live: Live, pbx: SandboxPbx) -> None:
    keys = pbx.keys
    rows = [
        (
            "generic",
            {"provider": "generic"},
            {"webhook_secret": keys.webhook_secret, "recording_token": keys.recording_token},
        ),
        ("twilio", {"provider": "twilio", "account_sid": keys.twilio_sid}, {"auth_token": keys.twilio_token}),
        (
            "zadarma",
            {"provider": "zadarma", "api_url": f"{pbx.base_url}/zadarma", "timezone": "Europe/Moscow"},
            {"api_key": keys.zadarma_key, "api_secret": keys.zadarma_secret},
        ),
        (
            "mango",
            {"provider": "mango", "api_url": f"{pbx.base_url}/mango/vpbx"},
            {"api_key": keys.mango_key, "api_salt": keys.mango_salt},
        ),
        ("zadarma-corpus", {"provider": "zadarma"}, {"api_secret": ZADARMA_CORPUS_SECRET}),
        ("mango-corpus", {"provider": "mango"}, {"api_key": MANGO_CORPUS[0], "api_salt": MANGO_CORPUS[1]}),
    ]
    async with live.services.db.session() as session:
        for name, config, secrets in rows:
            await add_channel_account(
                session, box=live.services.box, channel="telephony", name=name, config=config, secrets=secrets
            )
        await session.commit()
    await live.services.accounts.refresh()


@pytest.fixture
async def telephony(live: Live) -> AsyncIterator[Telephony]:
    pbx = SandboxPbx()
    runner, url = await start_app(pbx.app())
    pbx.base_url = url
    await add_accounts(live, pbx)
    yield Telephony(live, pbx)
    await runner.cleanup()


def silent_wav(seconds: float = 1.0, channels: int = 2) -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(channels)
        out.setsampwidth(2)
        out.setframerate(16000)
        out.writeframes(b"\0\0" * channels * int(16000 * seconds))
    return buffer.getvalue()
