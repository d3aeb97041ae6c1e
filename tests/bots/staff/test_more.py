"""The rest of the staff bot's paths: a client's file reaches the topic as a document; a question after a
summary is answered from the client's history with citations; ✏️ picks another assignee by name."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pytest
from sqlmodel import select

from bots.staff.mirror import mirror_to_topic
from intake.accept import accept
from intake.policy import IntakePolicy
from intake.schema import AttachmentRef
from storage.models import Task
from storage.vectors import Hit, IndexedText
from tests.bots.staff.conftest import FORUM, StaffDesk, buttons, texts
from tests.factories import inbound

pytestmark = pytest.mark.storage


class OneHitIndex:
    """A vector index that always finds one message (the retrieval itself is tested with Chroma elsewhere)."""

    def __init__(self, message_id: int) -> None:
        self.message_id = message_id
        self.asked: list[Mapping[str, Any] | None] = []

    def add(self, items: Sequence[IndexedText]) -> None:
        return None

    def search(self, query: str, *, where: Mapping[str, Any] | None = None, k: int = 8) -> list[Hit]:
        self.asked.append(where)
        meta = {"message_id": self.message_id, "day": 20261124, "client_id": 1}
        return [Hit(f"message:{self.message_id}", "Пришлите счёт за октябрь", meta, 0.1)]


async def test_a_clients_file_reaches_the_topic_as_a_document(desk: StaffDesk) -> None:
    key = await desk.app.blobs.put(b"%PDF-1.7 act")
    act = AttachmentRef(kind="document", filename="act.pdf", mime="application/pdf", size=12, blob_key=key)
    result = await accept(
        desk.services.db, inbound("e1", text="Акт во вложении", attachments=(act,)), policy=IntakePolicy()
    )
    assert await mirror_to_topic({"okno": desk.app}, result.message_id or 0) == "mirrored"
    [text] = desk.api.sent("sendMessage")
    [document] = desk.api.sent("sendDocument")
    assert int(text["chat_id"]) == FORUM and "📎 act.pdf" in text["text"]
    assert document["message_thread_id"] == text["message_thread_id"]
    assert desk.api.files[str(document["document"]).removeprefix("attach://")].data == b"%PDF-1.7 act"


async def test_a_question_after_the_summary_is_answered_from_history(desk: StaffDesk) -> None:
    result = await accept(
        desk.services.db,
        inbound("e1", text="ООО «Ромашка», ИНН 7707083893. Пришлите счёт за октябрь"),
        policy=IntakePolicy(),
    )
    assert texts(await desk.write(7001, "Что спрашивала Ромашка про счета?")) == [
        "Сначала выберите клиента: /client Ромашка."
    ]
    await desk.write(7001, "/client 7707083893")
    index = OneHitIndex(result.message_id or 0)
    desk.app.extras["vector_index"] = index
    desk.use_model(lambda _m, _t: {"text": "Просили счёт за октябрь.", "cites": [result.message_id, 999]})
    [answer] = texts(await desk.write(7001, "Что спрашивала Ромашка про счета?"))
    assert answer == f"Просили счёт за октябрь.\n#m{result.message_id}"  # an id it was not shown is dropped
    assert index.asked and index.asked[-1] is not None


async def test_edit_picks_another_assignee_by_name(desk: StaffDesk) -> None:
    [card] = await desk.write(7001, "/task Ивану позвонить клиенту завтра")
    await desk.press(7001, dict(buttons(card))["✏️ Исполнитель"], message_id=1001)
    assert "не понял" in texts(await desk.write(7001, "Кто-то"))[0].lower()
    [updated] = await desk.write(7001, "Ольге")
    assert "👤 Исполнитель: Ольга Миронова" in updated["text"]
    await desk.press(7001, dict(buttons(updated))["✅ Создать"], message_id=1002)
    async with desk.services.db.session() as session:
        [task] = (await session.execute(select(Task))).scalars().all()
    assert task.assignee_id == desk.staff["Ольга"].id
