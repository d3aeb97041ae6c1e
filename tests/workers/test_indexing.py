"""index_message: what accept() stores reaches the retrieval index (messages, and a call's segments),
filtered by client or contact; nothing is indexed while the assistant is off."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from intake.accept import accept
from intake.policy import IntakePolicy
from intake.schema import CallInfo
from okno.services import Services
from storage.embeddings import StaticEmbedding
from storage.models import Call, Conversation, Message, TranscriptSegment
from storage.repos.accounts import add_staff
from storage.vectors import ChromaIndex
from tests.factories import NOW, inbound
from workers.indexing import index_message

pytestmark = pytest.mark.storage
POLICY = IntakePolicy()


@pytest.fixture
def index(services: Services, tmp_path: Path) -> ChromaIndex:
    built = ChromaIndex(embedding=StaticEmbedding(), path=tmp_path / "chroma")
    services.jobs.extras["vector_index"] = built
    return built


async def test_accept_queues_indexing_and_the_text_is_found_by_contact(services: Services) -> None:
    result = await accept(services.db, inbound("e1", text="Пришлите счёт за октябрь"), policy=POLICY)
    assert ("index_message", f"index_message:{result.message_id}") in {
        (f.job, f.job_id) for f in result.follow_ups
    }
    assert await index_message({"okno": services.jobs}, result.message_id or 0) == "off"  # assistant off


async def test_messages_and_call_segments_are_searchable(services: Services, index: ChromaIndex) -> None:
    text = await accept(services.db, inbound("e1", text="Пришлите счёт за октябрь"), policy=POLICY)
    call = await accept(
        services.db,
        inbound("c1", text=None, kind="call", call=CallInfo(direction="inbound", to_number="201")),
        policy=POLICY,
    )
    async with services.db.session() as session:
        row = (await session.execute(select(Call))).scalars().one()
        session.add(TranscriptSegment(call_id=row.id or 0, position=0, speaker="client", start_s=0.0,
                                      end_s=2.0, text="Мы уйдём к другому поставщику"))  # fmt: skip
        session.add(TranscriptSegment(call_id=row.id or 0, position=1, speaker="operator", start_s=2.0,
                                      end_s=3.0, text="  "))  # fmt: skip
        conversation = (await session.execute(select(Conversation))).scalars().first()
        assert conversation is not None
        contact_id = conversation.contact_id
        await session.commit()
    ctx = {"okno": services.jobs}
    assert await index_message(ctx, text.message_id or 0) == "indexed 1"
    assert await index_message(ctx, call.message_id or 0) == "indexed 1"  # the blank segment is skipped
    assert await index_message(ctx, text.message_id or 0) == "indexed 1"  # upsert: no second copy
    hits = index.search("счёт", where={"contact_id": contact_id}, k=5)
    assert sorted(h.id for h in hits)[0] == f"message:{text.message_id}"
    assert len(hits) == 2
    speech = [h for h in hits if h.id.startswith("segment:")]
    assert speech[0].metadata["message_id"] == call.message_id
    assert speech[0].text.startswith("client: Мы уйдём")
    assert index.search("счёт", where={"contact_id": contact_id + 1}, k=5) == []


async def test_each_message_is_indexed_with_who_wrote_it(services: Services, index: ChromaIndex) -> None:
    asked = await accept(services.db, inbound("e1", text="Пришлите счёт за октябрь"), policy=POLICY)
    async with services.db.session() as session:
        staff = await add_staff(session, name="Ольга Смирнова")
        conversation = (await session.execute(select(Conversation))).scalars().one()
        reply = Message(
            conversation_id=conversation.id or 0,
            channel=conversation.channel,
            account=conversation.account,
            message_key="out-1",
            direction="outbound",
            author_staff_id=staff.id,
            kind="text",
            text="Счёт №455 отправила на почту",
            sent_at=NOW,
        )
        session.add(reply)
        await session.commit()
        reply_id = reply.id or 0
    ctx = {"okno": services.jobs}
    assert await index_message(ctx, asked.message_id or 0) == "indexed 1"
    assert await index_message(ctx, reply_id) == "indexed 1"
    authors = {h.metadata["message_id"]: h.metadata["author"] for h in index.search("счёт", k=5)}
    assert authors == {asked.message_id: "client", reply_id: "Ольга Смирнова"}


async def test_a_message_is_filed_under_the_company_day(services: Services, index: ChromaIndex) -> None:
    """00:30 on 1 November in Moscow is 31 October in UTC: 'в ноябре' must find it."""
    sent = datetime(2026, 10, 31, 21, 30, tzinfo=UTC)
    services.jobs.policy = replace(services.jobs.policy, tz=ZoneInfo("Europe/Moscow"))
    result = await accept(services.db, inbound("e1", text="Акт за октябрь", sent_at=sent), policy=POLICY)
    assert await index_message({"okno": services.jobs}, result.message_id or 0) == "indexed 1"
    assert [h.metadata["day"] for h in index.search("акт", k=5)] == [20261101]
