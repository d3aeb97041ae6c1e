"""The summary job on a real database: one stored summary for every reader, so it is written in the company's
language and shows times in the company's zone (not the server's UTC)."""

from __future__ import annotations

import dataclasses
import re
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from langchain_core.messages import BaseMessage
from sqlmodel import select

from assistant.llm import ChatRunner
from intake.accept import accept
from okno.services import Services
from storage.models import Client, ClientSummary
from tests.assistant.fakes import ToolCallingFake, user_text
from tests.factories import NOW, client_owning_all, inbound
from workers.analyze import AssistantServices
from workers.summary import summarize_client

pytestmark = pytest.mark.storage


def cite_first(messages: list[BaseMessage], _tool: str) -> dict[str, Any]:
    first = int(re.findall(r"id=(\d+)", user_text(messages))[0])
    return {"points": [{"section": "recent", "text": "Asked for the act", "cites": [first]}]}


async def test_the_summary_job_writes_in_the_company_language_and_time_zone(services: Services) -> None:
    app = services.jobs
    app.policy = dataclasses.replace(app.policy, language="en", tz=ZoneInfo("Asia/Yekaterinburg"))
    model = ToolCallingFake(responder=cite_first)
    app.extras["assistant"] = AssistantServices(ChatRunner(model), app.policy.tz)
    await accept(services.db, inbound("e1", text="Пришлите акт сверки", sent_at=NOW), policy=app.policy)
    client_id = await client_owning_all(
        services.db, Client(name="ООО Ромашка"), what="акт сверки", due_at=NOW
    )
    assert await summarize_client({"okno": app}, client_id) == "summarized"
    system, prompt = str(model.seen[-1][0].content), user_text(model.seen[-1])
    assert "Write in English" in system
    # 07:00 UTC is 12:00 in Yekaterinburg, in the message line and the request's deadline alike
    assert f"{NOW:%Y-%m-%d} 12:00 api client" in prompt and f"due {NOW:%Y-%m-%d} 12:00" in prompt
    async with services.db.session() as session:
        stored = (await session.execute(select(ClientSummary))).scalars().one()
    assert stored.points[0]["text"] == "Asked for the act"
