"""Tasks in words: a Russian sentence becomes a proposal card; the Task exists only after ✅, with the right
assignee and due date, and the assignee is told. ❌ creates nothing; ✏️ changes a field first; /my lists."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlmodel import select

from assistant.chains.tasks import extract_tasks  # noqa: F401  (the chain the fake model answers for)
from intake.accept import accept
from intake.policy import IntakePolicy
from storage.models import StaffDraft, Task
from tests.assistant.fakes import always
from tests.bots.staff.conftest import StaffDesk, buttons, texts
from tests.factories import inbound

pytestmark = pytest.mark.storage
SENTENCE = "поставь Ивану задачу позвонить в Ромашку до пятницы"
FRIDAY_18_MSK = datetime(2026, 11, 27, 15, 0, tzinfo=UTC)


async def _tasks(desk: StaffDesk) -> list[Task]:
    async with desk.services.db.session() as session:
        return list((await session.execute(select(Task))).scalars().all())


async def _romashka(desk: StaffDesk) -> None:
    await accept(desk.services.db, inbound("e1", text="ООО «Ромашка», ИНН 7707083893"), policy=IntakePolicy())


async def test_a_russian_sentence_becomes_a_task_only_after_the_check_mark(desk: StaffDesk) -> None:
    await _romashka(desk)
    model = desk.use_model(
        always(
            {
                "tasks": [
                    {
                        "title": "Позвонить в Ромашку",
                        "assignee": "Ивану",
                        "due": "до пятницы",
                        "client": "Ромашку",
                    }
                ]
            }
        )
    )
    [card] = await desk.write(7001, SENTENCE)
    assert card["text"].splitlines() == [
        "📝 Задача: Позвонить в Ромашку",
        "👤 Исполнитель: Иван Соколов",
        "📅 Срок: 27.11.2026 18:00",
        "🏢 Клиент: ООО «Ромашка» (ИНН 7707083893)",
    ]
    assert SENTENCE in str(model.seen[-1][-1].content)  # the staff member's words went to the chain, fenced
    assert await _tasks(desk) == []  # a proposal creates nothing
    create = dict(buttons(card))["✅ Создать"]
    calls = await desk.press(7001, create, message_id=1001)
    [task] = await _tasks(desk)
    assert (task.title, task.assignee_id, task.author_id) == (
        "Позвонить в Ромашку",
        desk.staff["Иван"].id,
        desk.staff["Анна"].id,
    )
    assert task.due_at == FRIDAY_18_MSK and task.client_id is not None
    assert task.created_by_assistant and task.confirmed_by_id == desk.staff["Анна"].id
    edited = [c for c in calls if c["method"] == "editMessageText"]
    assert edited[0]["text"].startswith(f"✅ Задача #{task.id} создана")
    told = [c for c in calls if c["method"] == "sendMessage" and str(c["chat_id"]) == "7002"]
    assert told and "Позвонить в Ромашку" in told[0]["text"] and "Анна Петрова" in told[0]["text"]
    # The same button pressed again (a double tap) does nothing more.
    again = await desk.press(7001, create, message_id=1001)
    assert len(await _tasks(desk)) == 1 and [c["method"] for c in again] == ["answerCallbackQuery"]


async def test_without_the_model_the_rules_propose_the_same_task(desk: StaffDesk) -> None:
    await _romashka(desk)
    [card] = await desk.write(7001, SENTENCE)
    assert "👤 Исполнитель: Иван Соколов" in card["text"] and "📅 Срок: 27.11.2026 18:00" in card["text"]
    assert "Позвонить в Ромашку" in card["text"]
    await desk.press(7001, dict(buttons(card))["✅ Создать"], message_id=1001)
    [task] = await _tasks(desk)
    assert task.assignee_id == desk.staff["Иван"].id and task.due_at == FRIDAY_18_MSK
    assert not task.created_by_assistant


async def test_cancel_creates_nothing_and_edit_changes_the_due_date(desk: StaffDesk) -> None:
    [card] = await desk.write(7001, "/task Ивану подготовить акт сверки до пятницы")
    keys = dict(buttons(card))
    await desk.press(7001, keys["✏️ Срок"], message_id=1001)
    [updated] = await desk.write(7001, "30.11 в 12:00")
    assert "📅 Срок: 30.11.2026 12:00" in updated["text"]
    cancel = dict(buttons(updated))["❌ Отмена"]
    [*_, edit] = await desk.press(7001, cancel, message_id=1002)
    assert edit["text"] == "❌ Отменено, задача не создана."
    assert await _tasks(desk) == []
    async with desk.services.db.session() as session:
        assert {d.status for d in (await session.execute(select(StaffDraft))).scalars()} == {"cancelled"}


async def test_someone_elses_proposal_cannot_be_confirmed(desk: StaffDesk) -> None:
    [card] = await desk.write(7001, "/task Ивану позвонить клиенту завтра")
    calls = await desk.press(7002, dict(buttons(card))["✅ Создать"], message_id=1001)
    assert await _tasks(desk) == [] and [c["method"] for c in calls] == ["answerCallbackQuery"]


async def test_my_lists_tasks_and_marks_done(desk: StaffDesk) -> None:
    [card] = await desk.write(7001, "/task Ивану позвонить клиенту завтра")
    await desk.press(7001, dict(buttons(card))["✅ Создать"], message_id=1001)
    [listing] = await desk.write(7002, "/my")
    assert listing["text"].startswith("Мои задачи:") and "Позвонить клиенту" in listing["text"]
    done = next(data for label, data in buttons(listing) if label.startswith("✔️"))
    await desk.press(7002, done, message_id=1002)
    [task] = await _tasks(desk)
    assert task.status == "done"
    assert texts(await desk.write(7002, "/my")) == ["У вас нет открытых задач и заявок."]
