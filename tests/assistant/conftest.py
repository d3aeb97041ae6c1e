"""Assistant tests: the `llm` marker (real local model runs) and a fake-model runner."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from langchain_core.messages import BaseMessage

from assistant.llm import ChatRunner
from tests.assistant.fakes import ToolCallingFake

STAFF = [
    "Иван Соколов",
    "Мария Петрова",
    "Ольга Смирнова",
    "Алексей Кузнецов",
    "Дмитрий Волков",
    "John Smith",
]


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "llm: runs the real local 0.5B model end to end (slow; few and short)")


@pytest.fixture
def fake_runner() -> Callable[..., tuple[ChatRunner, ToolCallingFake]]:
    def build(
        responder: Callable[[list[BaseMessage], str], dict[str, Any]], **kwargs: Any
    ) -> tuple[ChatRunner, ToolCallingFake]:
        model = ToolCallingFake(responder=responder)
        return ChatRunner(model, **kwargs), model

    return build
