"""The client summary job ("llm" queue): folds a client's new messages into the stored rolling summary
(assistant/history.summarize_client: the model runs outside any transaction)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from assistant.history import summarize_client as fold
from workers.analyze import assistant_of
from workers.context import services


async def summarize_client(ctx: Mapping[str, Any], client_id: int) -> str:
    app = services(ctx)
    assistant = assistant_of(app)
    if assistant is None:
        return "assistant off"
    # one stored summary for every reader: in the company's language and time zone
    _points, result = await fold(
        app.db, assistant.runner, client_id, language=app.policy.language, tz=assistant.tz
    )
    return "summarized" if result.calls else "up to date"
