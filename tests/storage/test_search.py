"""Full-text search (revision w10s): messages, call transcripts, clients and INNs, in any letter case, with
Russian word forms, kept in sync as rows change, limited to what a manager may see. SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import col, select

from intake.accept import accept
from intake.policy import IntakePolicy
from storage.db import Database
from storage.models import Call, Message, Request, TranscriptSegment
from storage.repos.accounts import add_staff
from storage.repos.clients import add_client
from storage.repos.search import search, terms_of
from tests.factories import inbound

pytestmark = pytest.mark.storage
POLICY = IntakePolicy(request_window=timedelta(hours=72))


async def seed(db: Database) -> dict[str, int]:
    await accept(db, inbound("e1", sender="u1", text="Нужна справка 2-НДФЛ к пятнице"), policy=POLICY)
    await accept(db, inbound("e2", sender="u2", text="Когда будет акт сверки?"), policy=POLICY)
    await accept(db, inbound("e3", sender="u3", text="Пришлите счёт на оплату"), policy=POLICY)
    async with db.session() as session:
        anna = await add_staff(session, name="Анна")
        boris = await add_staff(session, name="Борис")
        rows = (await session.execute(select(Request).order_by(col(Request.id)))).scalars().all()
        rows[0].assignee_id, rows[1].assignee_id = anna.id, boris.id  # the third stays unassigned
        third = (
            (await session.execute(select(Message).where(col(Message.request_id) == rows[2].id)))
            .scalars()
            .one()
        )
        call = Call(message_id=third.id or 0, direction="inbound")
        session.add(call)
        await session.flush()
        session.add(
            TranscriptSegment(
                call_id=call.id or 0,
                position=0,
                speaker="client",
                start_s=1.5,
                end_s=4.0,
                text="Продлите, пожалуйста, договор аренды",
            )
        )
        await add_client(session, name="ООО «Ромашка»", inn="7736207543")
        await session.commit()
        return {"anna": anna.id or 0, "boris": boris.id or 0, "third_message": third.id or 0}


async def test_messages_transcripts_and_clients_are_found(db: Database) -> None:
    ids = await seed(db)
    async with db.session() as session:
        found = await search(session, query="СПРАВКУ")  # other case, other word form
        assert [h.snippet.replace("\ue000", "[").replace("\ue001", "]") for h in found.messages] == [
            "Нужна [справка] 2-НДФЛ к пятнице"
        ]
        found = await search(session, query="договор аренды")
        assert [(s.message_id, s.speaker, s.start_s) for s in found.segments] == [
            (ids["third_message"], "client", 1.5)
        ]
        assert found.messages == [] and found.clients == []
        for query in ("7736207543", "773620", "ромашка"):
            found = await search(session, query=query)
            assert [(c.name, c.inn) for c in found.clients] == [("ООО «Ромашка»", "7736207543")], query


async def test_a_manager_finds_only_their_own_and_unassigned_requests(db: Database) -> None:
    ids = await seed(db)
    async with db.session() as session:
        everyone = await search(session, query="акт справка счёт договор")
        assert everyone.empty  # all words must match
        for query, anna_sees, boris_sees in (
            ("справка", 1, 0),  # Анна's request
            ("акт сверки", 0, 1),  # Борис's request
            ("счёт оплату", 1, 1),  # unassigned: both
        ):
            assert len((await search(session, query=query)).messages) == 1, query  # a supervisor sees all
            assert len((await search(session, query=query, staff_id=ids["anna"])).messages) == anna_sees
            assert len((await search(session, query=query, staff_id=ids["boris"])).messages) == boris_sees
        assert len((await search(session, query="аренды", staff_id=ids["anna"])).segments) == 1


async def test_the_index_follows_edits_and_deletes(db: Database) -> None:
    await seed(db)
    async with db.session() as session:
        message = (
            (await session.execute(select(Message).where(col(Message.text).like("Когда%")))).scalars().one()
        )
        message.text = "Когда будет накладная?"
        await session.commit()
        assert (await search(session, query="сверки")).empty
        assert len((await search(session, query="накладная")).messages) == 1


async def test_operators_and_punctuation_are_only_words(db: Database) -> None:
    await seed(db)
    async with db.session() as session:
        for query in (
            '"',
            "NEAR(акт",
            "акт OR счёт",
            "справка:* | !",
            "*",
            "   ",
            "'; DROP TABLE message; --",
        ):
            await search(session, query=query)  # never a syntax error from the engine
        assert (await search(session, query="")).empty
    assert terms_of("Справками, пожалуйста!") == ["справк", "пожалуйст"]
