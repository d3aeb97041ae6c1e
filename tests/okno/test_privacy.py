"""`okno privacy export|forget CONTACT` on a live install with two clients: the export holds everything about
one person and nothing about the other; after forget, no trace of the person's words, numbers or files is left
anywhere in the database, the blob store or the vector index — while the other client and shared files
stay."""

from __future__ import annotations

import asyncio
import json
import zipfile
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import text
from sqlmodel import SQLModel, col, select

from okno.cli import main
from okno.settings import Settings
from storage.embeddings import StaticEmbedding
from storage.models import (
    Attachment,
    AuditLog,
    Call,
    ChannelIdentity,
    Contact,
    Message,
    RawEvent,
    Request,
    TranscriptSegment,
)
from storage.vectors import COLLECTION, ChromaIndex, IndexedText, collection_name
from tests.conftest import Live
from tests.factories import api_body

pytestmark = pytest.mark.storage
IVAN_PHONE = "+79161234567"
IVAN_TEXT = "Иван Петров: нужен акт сверки по договору 77-ИП"
SECRET_WORDS = ("Петров", "77-ИП", "9161234567", "ivan@example.ru", "консультация по налогу")
SHARED_FILE = b"%PDF-1.4 the price list everyone gets"
IVAN_FILE = b"RIFF....WAVE ivan's call recording"


async def _post(live: Live, body: dict[str, Any]) -> None:
    data = json.dumps(body, ensure_ascii=False).encode()  # UTF-8 as sent, so a search for leftovers sees it
    headers = live.api_headers() | {"Content-Type": "application/json"}
    async with live.http.post(f"{live.url}/api/v1/inbound", data=data, headers=headers) as r:
        assert r.status == 202, await r.text()


async def _two_clients(live: Live) -> dict[str, Any]:
    ivan = {"id": "u1", "name": "Иван Петров", "phone": IVAN_PHONE, "email": "ivan@example.ru"}
    await _post(live, api_body("i1", text=IVAN_TEXT) | {"sender": ivan})
    await _post(live, api_body("o1", sender="u2", text="Ольга: счёт на оплату, пожалуйста"))
    await live.drain()
    blobs = live.services.jobs.blobs
    shared, recording = await blobs.put(SHARED_FILE), await blobs.put(IVAN_FILE)
    async with live.services.db.session() as session:
        messages = {m.message_key: m for m in (await session.execute(select(Message))).scalars()}
        for key in ("i1", "o1"):
            session.add(Attachment(message_id=messages[key].id or 0, kind="document", blob_sha256=shared))
        call = Call(message_id=messages["i1"].id or 0, direction="inbound", from_number=IVAN_PHONE)
        call.recording_sha256, call.recording_ref = recording, "https://pbx.example/rec/1.wav"
        session.add(call)
        await session.flush()
        session.add(
            TranscriptSegment(
                call_id=call.id or 0,
                position=0,
                speaker="client",
                start_s=0,
                end_s=2,
                text="консультация по налогу",
            )
        )
        await session.commit()
        ids = {k: m.id or 0 for k, m in messages.items()}
    return {"messages": ids, "shared": shared, "recording": recording, "segment": f"segment:{call.id}"}


def _index(settings: Settings, collection: str = collection_name("static")) -> ChromaIndex:
    return ChromaIndex(embedding=StaticEmbedding(), path=settings.data_dir / "chroma", collection=collection)


async def _cli(settings: Settings, *args: str, code: int = 0) -> str:
    """The command in a thread (it runs its own event loop), against the live install's files."""
    env = {"OKNO_DATA_DIR": str(settings.data_dir), "OKNO_DATABASE_URL": settings.effective_database_url}
    env |= {"OKNO_LOG_LEVEL": "WARNING", "OKNO_LLM__EMBEDDING": "static"}  # as the test index was built
    result = await asyncio.to_thread(CliRunner().invoke, main, list(args), env=env)
    assert result.exit_code == code, result.output
    return result.output


async def _everything(live: Live) -> str:
    """Every row of every table as text, raw bodies decoded: what a search for leftovers looks at."""
    parts = []
    async with live.services.db.session() as session:
        for table in SQLModel.metadata.sorted_tables:
            for row in (await session.execute(table.select())).all():
                parts.append(
                    " ".join(
                        v.decode("utf-8", "replace")
                        if isinstance(v, bytes)
                        else json.dumps(v, ensure_ascii=False, default=str)
                        for v in row
                    )
                )
    return "\n".join(parts)


async def test_export_holds_one_person_and_nobody_else(
    live: Live, settings: Settings, tmp_path: Path
) -> None:
    made = await _two_clients(live)
    output = await _cli(settings, "privacy", "export", IVAN_PHONE, "--out", str(tmp_path / "ivan.zip"))
    assert "exported" in output and "(2 files)" in output
    with zipfile.ZipFile(tmp_path / "ivan.zip") as archive:
        data = json.loads(archive.read("person.json"))
        assert archive.read(f"blobs/{made['recording']}") == IVAN_FILE
    assert [m["text"] for m in data["messages"]] == [IVAN_TEXT]
    assert [i["external_id"] for i in data["identities"]] == ["u1"]
    assert (
        data["transcripts"][0]["text"] == "консультация по налогу"
        and data["calls"][0]["from_number"] == IVAN_PHONE
    )
    assert len(data["requests"]) == 1 and IVAN_TEXT in data["raw_events"][0]["body_text"]
    assert "Ольга" not in json.dumps(data, ensure_ascii=False)
    for who in ("api:site:u1", "api:u1", "ivan@example.ru", str(data["contact_id"])):
        out = tmp_path / f"{who.replace(':', '_')}.json"
        await _cli(settings, "privacy", "export", who, "--out", str(out))
        assert json.loads(out.read_text())["contact_id"] == data["contact_id"]
    refused = await _cli(settings, "privacy", "export", "+79990000000", code=1)
    assert "no contact matches" in refused


async def test_forget_leaves_no_trace_of_the_person(live: Live, settings: Settings) -> None:
    made = await _two_clients(live)
    ids = made["messages"]
    entries = [
        IndexedText(f"message:{ids['i1']}", IVAN_TEXT, {"client_id": 1}),
        IndexedText(f"message:{ids['o1']}", "счёт на оплату", {"client_id": 2}),
        IndexedText(made["segment"], "консультация по налогу", {"client_id": 1}),
    ]
    _index(settings).add(entries)
    _index(settings, COLLECTION).add(entries)  # an install's collection from before per-model collections
    output = await _cli(
        settings, "privacy", "forget", "api:site:u1", "--yes", "--staff-id", str(live.staff_id)
    )
    assert "forgot contacts" in output and "1 files deleted" in output
    leftovers = await _everything(live)
    assert [w for w in SECRET_WORDS if w in leftovers] == []
    blobs = live.services.jobs.blobs
    assert not await blobs.exists(made["recording"]) and await blobs.exists(
        made["shared"]
    )  # Olga's copy stays
    for collection in (collection_name("static"), COLLECTION):
        found = _index(settings, collection).search("акт счёт налог", k=5)
        assert sorted(h.id for h in found) == [f"message:{ids['o1']}"], collection
    async with live.services.db.session() as session:
        olga = await session.get(Message, ids["o1"])
        assert olga is not None and olga.text == "Ольга: счёт на оплату, пожалуйста"
        requests = (await session.execute(select(Request).order_by(col(Request.id)))).scalars().all()
        ivans = [r for r in requests if r.id != olga.request_id]  # ingest order is not fixed: not by id
        assert len(requests) == 2 and len(ivans) == 1
        assert ivans[0].what is None and ivans[0].created_at is not None  # statistics
        [entry] = (
            await session.execute(select(AuditLog).where(col(AuditLog.action) == "privacy.forget"))
        ).scalars()
        assert (
            entry.actor_kind == "staff"
            and entry.actor_id == live.staff_id
            and entry.details["counts"]["messages"] >= 1
        )
        raw = (await session.execute(select(RawEvent).order_by(col(RawEvent.id)))).scalars().first()
        assert raw is not None and raw.body == b"" and raw.headers == {"X-Okno-Purged": "privacy_forget"}
        identities = (await session.execute(select(ChannelIdentity.external_id))).scalars().all()
        assert list(identities) == ["u2"]
        assert (await session.execute(text("SELECT count(*) FROM transcript_segment"))).scalar_one() == 0
    # The person writes again: a new contact and conversation, not the forgotten one.
    await _post(live, api_body("i2", text="снова я"))
    await live.drain()
    async with live.services.db.session() as session:
        assert len((await session.execute(select(Contact))).scalars().all()) == 3
