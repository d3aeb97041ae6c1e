"""index_message: what accept() stores reaches the retrieval index (messages, and a call's segments),
filtered by client or contact; nothing is indexed while the assistant is off."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import chromadb
import pytest
from chromadb.config import Settings
from click.testing import CliRunner
from sqlmodel import select

from intake.accept import accept
from intake.policy import IntakePolicy
from intake.schema import CallInfo
from okno.cli import main
from okno.services import Services
from okno.settings import Settings as OknoSettings
from storage.embeddings import StaticEmbedding
from storage.models import Call, Client, Conversation, Message, Request, TranscriptSegment
from storage.repos.accounts import add_staff
from storage.vectors import (
    COLLECTION,
    ChromaIndex,
    IndexedText,
    build_index,
    collection_name,
    okno_collections,
)
from tests.factories import NOW, inbound
from workers.indexing import Reindexed, index_message, reindex

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


async def test_a_contacts_chat_joined_to_a_clients_request_is_found_under_that_client(
    services: Services, index: ChromaIndex
) -> None:
    """The client history counts a message by its request's client too; so does the index (the demo's
    Viber contact, merged into the client's, wrote «акт сверки нужен с ООО «Поставщик-М»» in a chat of no
    client)."""
    text = "Забыла написать: акт сверки нужен с ООО «Поставщик-М»."
    got = await accept(services.db, inbound("v1", text=text, sender="viber-irina"), policy=POLICY)
    async with services.db.session() as session:
        message = await session.get(Message, got.message_id)
        assert message is not None and message.request_id is not None
        conversation = await session.get(Conversation, message.conversation_id)
        assert conversation is not None and conversation.client_id is None  # no INN: no client yet
        client = Client(name="ООО «Ромашка»")
        session.add(client)
        await session.flush()
        request = await session.get(Request, message.request_id)
        assert request is not None
        request.client_id = client.id  # a later message of the request gave the INN
        await session.commit()
    assert await index_message({"okno": services.jobs}, got.message_id or 0) == "indexed 1"
    found = index.search("акт сверки", where={"client_id": client.id or 0}, k=5)
    assert [h.id for h in found] == [f"message:{got.message_id}"]


async def test_a_clients_first_message_without_its_inn_is_filed_under_the_client_the_next_one_names(
    services: Services, index: ChromaIndex
) -> None:
    """Retrieval asks by client: a request's first message, indexed before a later one gave the INN, was
    never found (only `okno reindex` filed it)."""
    first = await accept(services.db, inbound("f1", text="Нужен акт сверки за октябрь"), policy=POLICY)
    ctx = {"okno": services.jobs}
    assert await index_message(ctx, first.message_id or 0) == "indexed 1"  # under no client yet
    inn = await accept(services.db, inbound("f2", text="Мы ООО «Ромашка», ИНН 7707083893"), policy=POLICY)
    assert inn.request_id == first.request_id
    async with services.db.session() as session:
        request = await session.get(Request, inn.request_id)
        assert request is not None and request.client_id is not None
        client_id = request.client_id
    again = [f for f in inn.follow_ups if f.args == (first.message_id,)]
    assert [(f.job, f.job_id) for f in again] == [
        ("index_message", f"index_message:{first.message_id}:client:{client_id}")
    ]
    assert not index.search("акт сверки", where={"client_id": client_id}, k=5)
    assert await index_message(ctx, first.message_id or 0) == "indexed 1"
    found = index.search("акт сверки", where={"client_id": client_id}, k=5)
    assert [h.id for h in found] == [f"message:{first.message_id}"]
    # a third message of the now known client queues nothing again
    later = await accept(services.db, inbound("f3", text="Спасибо!"), policy=POLICY)
    assert [f.job_id for f in later.follow_ups if f.job == "index_message"] == [
        f"index_message:{later.message_id}"
    ]


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


async def test_reindex_puts_in_the_history_stored_before_the_assistant_was_on(
    services: Services, tmp_path: Path
) -> None:
    """Messages stored while the assistant was off were never indexed: reindex reads them all, in batches,
    under the company's day, and a second run replaces rather than adds."""
    moscow = ZoneInfo("Europe/Moscow")
    late = datetime(2026, 10, 31, 21, 30, tzinfo=UTC)  # 1 November in Moscow
    texts = ["Пришлите счёт за октябрь", "Акт сверки подписали", "   ", "Когда будет договор?"]
    ids = []
    for n, text in enumerate(texts):
        message = inbound(f"e{n}", text=text, sender=f"u{n % 2}", sent_at=late)
        got = await accept(services.db, message, policy=POLICY)
        assert await index_message({"okno": services.jobs}, got.message_id or 0) == "off"
        ids.append(got.message_id or 0)
    async with services.db.session() as session:
        first = await session.get(Message, ids[0])
        assert first is not None
        conversation = await session.get(Conversation, first.conversation_id)
        assert conversation is not None
        client = Client(name="ООО Ромашка")
        session.add(client)
        await session.flush()
        client_id = conversation.client_id = client.id or 0  # u0's conversation belongs to a client
        await session.commit()
    index = build_index(embedding="static", path=tmp_path / "chroma", url=None)
    seen: list[Reindexed] = []
    done = await reindex(services.db, index, moscow, batch=3, progress=seen.append)
    assert (done.messages, done.items) == (4, 3)  # the blank one gives no entry
    assert [(s.messages, s.items) for s in seen] == [(3, 2), (4, 3)]
    assert index.count() == 3
    assert [h.id for h in index.search("счёт", where={"client_id": client_id}, k=5)] == [f"message:{ids[0]}"]
    assert {h.metadata["day"] for h in index.search("счёт", k=5)} == {20261101}
    again = await reindex(services.db, index, moscow, client_id=client_id)
    assert (again.messages, again.items, index.count()) == (2, 1, 3)  # u0's two, one of them blank


def test_clear_drops_every_okno_collection_and_starts_empty(tmp_path: Path) -> None:
    """After a change of embedding model the old model's vectors are of no use, and Chroma would refuse to
    open that collection with the new model: `--fresh` drops it along with the configured one."""
    older = ChromaIndex(embedding=StaticEmbedding(), path=tmp_path, collection=COLLECTION)
    older.add([IndexedText("message:1", "Пришлите счёт", {"client_id": 1})])
    current = build_index(embedding="static", path=tmp_path, url=None)
    current.add([IndexedText("message:2", "Акт сверки", {"client_id": 1})])
    other = ChromaIndex(embedding=StaticEmbedding(), path=tmp_path, collection="someone_elses")
    other.add([IndexedText("x", "чужое", {"client_id": 1})])
    current.clear()
    assert current.count() == 0
    current.add([IndexedText("message:2", "Акт сверки", {"client_id": 1})])
    assert [h.id for h in current.search("акт", k=5)] == ["message:2"]
    worker = build_index(embedding="static", path=tmp_path, url=None)  # a running worker's handle
    current.clear()
    worker.add([IndexedText("message:3", "Договор", {"client_id": 1})])  # reopened, not NotFoundError
    assert [h.id for h in current.search("договор", k=5)] == ["message:3"]
    client = chromadb.PersistentClient(path=str(tmp_path), settings=Settings(anonymized_telemetry=False))
    assert sorted(okno_collections(client)) == [collection_name("static")]
    assert other.count() == 1  # not okno's: left alone


def test_each_embedding_model_has_its_own_collection(tmp_path: Path) -> None:
    """Chroma refuses a collection opened with another embedding function than the one that made it
    (switching OKNO_LLM__EMBEDDING broke every index job and question before per-model collections)."""
    legacy = ChromaIndex(embedding=StaticEmbedding(), path=tmp_path)
    legacy.add([IndexedText("message:1", "Пришлите счёт", {"client_id": 1})])
    with pytest.raises(ValueError, match="embedding function"):
        ChromaIndex(embedding=_Renamed(), path=tmp_path)
    renamed = ChromaIndex(embedding=_Renamed(), path=tmp_path, collection=collection_name("renamed"))
    renamed.add([IndexedText("message:2", "Акт сверки", {"client_id": 1})])
    assert [h.id for h in renamed.search("акт", k=5)] == ["message:2"]


class _Renamed(StaticEmbedding):
    """Another model as Chroma sees it (its persisted name), as cheap to run as the static one."""

    @staticmethod
    def name() -> str:
        return "okno-renamed"


async def test_the_reindex_command_fills_the_configured_index(
    services: Services, settings: OknoSettings
) -> None:
    for n, text in enumerate(["Пришлите счёт за октябрь", "Акт сверки подписали"]):
        await accept(services.db, inbound(f"e{n}", text=text), policy=POLICY)
    env = {"OKNO_DATA_DIR": str(settings.data_dir), "OKNO_DATABASE_URL": settings.effective_database_url}
    env |= {"OKNO_LOG_LEVEL": "WARNING", "OKNO_LLM__EMBEDDING": "static"}
    result = await asyncio.to_thread(CliRunner().invoke, main, ["reindex", "--fresh"], env=env)
    assert result.exit_code == 0, result.output
    assert "indexed 2 messages as 2 entries" in result.output and "embedding static" in result.output
    assert "the assistant is off" in result.output
    index = build_index(embedding="static", path=settings.data_dir / "chroma", url=None)
    assert index.count() == 2
    both = ["reindex", "--fresh", "--client", "1"]
    refused = await asyncio.to_thread(CliRunner().invoke, main, both, env=env)
    assert refused.exit_code == 2 and "leave out --client" in refused.output


def test_the_reindex_bench_runs_and_indexes_every_message() -> None:
    """bench/reindex.py against the job as it is (the static model here; figures, not timings)."""
    bench = Path(__file__).resolve().parents[2] / "bench" / "reindex.py"
    args = [sys.executable, str(bench), "--messages", "120", "--embedding", "static"]
    done = subprocess.run(args, capture_output=True, text=True, timeout=100)  # noqa: S603 (the repo's bench)
    assert done.returncode == 0, done.stderr[-2000:]
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    assert (figures["messages"], figures["entries"]) == (120, 120) and figures["entries_per_s"] > 0
