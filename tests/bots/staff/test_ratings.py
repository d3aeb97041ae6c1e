"""A client's low rating reaches the head the same hour: the client answers okno's question with «2 — …»,
intake puts it on the done request, and the staff bot tells the assignee's head (here the supervisor on
duty) once, with the client's words and the request's link; a good score tells nobody. The heads' digest
counts the day's ratings."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from bots.staff.mirror import mirror_to_topic
from intake.accept import accept
from intake.policy import IntakePolicy
from storage.models import ForumTopic, Request
from storage.repos.company_settings import ClientNotices, save_client_notices
from tests.bots.staff.conftest import StaffDesk, texts
from tests.factories import inbound
from workers.notify import staff_tick

pytestmark = pytest.mark.storage
VIKTOR = 7003


async def _rated(desk: StaffDesk, event: str, sender: str, answer: str, *, minutes_ago: int = 0) -> int:
    """A request of Ivan's, done and asked about an hour ago; the client's answer now (or minutes ago)."""
    text = "ООО «Ромашка», ИНН 7707083893. Нужна декларация."
    asked = desk.now - timedelta(hours=1)
    first = await accept(
        desk.services.db,
        inbound(f"{event}-0", text=text, sender=sender, sent_at=asked),
        policy=IntakePolicy(),
    )
    async with desk.services.db.session() as session:
        request = await session.get(Request, first.request_id)
        assert request is not None
        request.assignee_id, request.status = desk.staff["Иван"].id, "done"
        request.done_at = request.survey_sent_at = asked
        await session.commit()
    answered_at = desk.now - timedelta(minutes=minutes_ago)
    answered = await accept(
        desk.services.db,
        inbound(event, text=answer, sender=sender, sent_at=answered_at),
        policy=IntakePolicy(),
    )
    assert answered.request_id == first.request_id  # the rating, not a new request
    return first.request_id or 0


def _to_viktor(desk: StaffDesk) -> list[str]:
    return [str(p["text"]) for p in desk.api.sent("sendMessage") if str(p["chat_id"]) == str(VIKTOR)]


async def test_a_low_rating_is_told_to_the_head_once_and_a_good_one_to_nobody(desk: StaffDesk) -> None:
    async with desk.services.db.session() as session:
        await save_client_notices(session, ClientNotices(ask_rating=True), staff_id=None)
        await session.commit()
    good = await _rated(desk, "g1", "u-good", "5, спасибо!", minutes_ago=5)
    low = await _rated(desk, "l1", "u-low", "2 — декларацию сдали в последний день, нервничали")
    await staff_tick({"okno": desk.app})  # 10:00 in Moscow: the digest goes as well
    await staff_tick({"okno": desk.app})
    told = [text for text in _to_viktor(desk) if text.startswith("⭐")]
    assert told == [
        f"⭐ Низкая оценка клиента: 2 из 5, заявка #{low} (ООО «Ромашка», ответственный: Иван Соколов)\n"
        "Клиент написал: «декларацию сдали в последний день, нервничали»\n"
        f"Открыть: https://okno.example/ui/requests/{low}"
    ]
    assert not any(f"#{good}" in text for text in _to_viktor(desk))
    [digest] = [text for text in _to_viktor(desk) if text.startswith("📊")]
    assert "Оценки клиентов: 2, средняя 3,5; низких: 1" in digest
    [card] = texts(await desk.write(VIKTOR, "/client Ромашка"))  # before calling the client back
    assert (
        f"Последняя оценка клиента: ★★☆☆☆ 2/5 (заявка #{low}, 24.11.2026 10:00)"
        " «декларацию сдали в последний день, нервничали»"
    ) in card.splitlines()


async def test_the_rating_of_a_done_request_leaves_the_topic_on_the_open_one(desk: StaffDesk) -> None:
    """Staff answer in the client's topic: after the client rated the done request, their text in the topic
    still goes to the request the client opened since."""
    policy = IntakePolicy()
    asked = desk.now - timedelta(hours=1)
    first = await accept(desk.services.db, inbound("m1", text="Нужен акт", sent_at=asked), policy=policy)
    await mirror_to_topic({"okno": desk.app}, first.message_id or 0)
    async with desk.services.db.session() as session:
        done = await session.get(Request, first.request_id)
        assert done is not None
        done.status, done.done_at, done.survey_sent_at = "done", asked, asked
        await session.commit()
    later = desk.now - timedelta(minutes=30)
    second = await accept(
        desk.services.db, inbound("m2", text="И счёт, пожалуйста", sent_at=later), policy=policy
    )
    await mirror_to_topic({"okno": desk.app}, second.message_id or 0)
    rating = await accept(desk.services.db, inbound("m3", text="5", sent_at=desk.now), policy=policy)
    assert rating.request_id == first.request_id != second.request_id
    await mirror_to_topic({"okno": desk.app}, rating.message_id or 0)
    async with desk.services.db.session() as session:
        [topic] = (await session.execute(select(ForumTopic))).scalars().all()
    assert topic.request_id == second.request_id
