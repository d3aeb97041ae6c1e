"""The real local 0.5B model end to end (marked `llm`; one model load per module, a few short calls)."""

from __future__ import annotations

from datetime import datetime

import pytest

from assistant.chains.conflict import analyze_conflict
from assistant.chains.tasks import extract_tasks
from assistant.config import LlmSettings
from assistant.llm import ChatRunner
from assistant.local_models import ModelMissing, model_path
from tests.assistant.conftest import STAFF

pytestmark = pytest.mark.llm


@pytest.fixture(scope="module")
def runner() -> ChatRunner:
    pytest.importorskip("llama_cpp", reason="llama-cpp-python is built by scripts/setup.sh")
    try:
        model_path("0.5b")
    except ModelMissing as exc:
        pytest.fail(f"the 0.5B model is part of the set-up: {exc}")
    return ChatRunner.from_settings(LlmSettings(model="0.5b", n_ctx=2048, n_threads=2), model="0.5b")


async def test_a_conflict_and_a_calm_message_through_the_real_model(runner: ChatRunner) -> None:
    angry = await analyze_conflict(
        runner, "Заказ обещали во вторник, уже пятница. Это безобразие!", channel="chat"
    )
    calm = await analyze_conflict(runner, "Спасибо, документы получили, всё в порядке.", channel="chat")
    assert angry.usage.prompt_tokens > 0 and angry.usage.completion_tokens > 0
    if angry.alert:  # whatever the small model says, an alert's quote stands in the source
        assert angry.evidence is not None and angry.evidence in angry.source
    assert not calm.alert
    assert runner.totals["conflict"].calls == 2


async def test_a_task_note_through_the_real_model(runner: ChatRunner) -> None:
    now = datetime.fromisoformat("2026-11-24T10:00:00+03:00")
    out = await extract_tasks(
        runner, "Ване подготовить договор до пятницы", author="Мария Петрова", staff=STAFF, now=now
    )
    assert out.tasks, "a plain one-task note gives a task"
    task = out.tasks[0]
    assert task.assignee in (*STAFF, "?", None)  # checked against the directory, never free text
    assert task.due is None or task.due.at.tzinfo is not None
