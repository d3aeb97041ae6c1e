"""Request form fill: what the client wants, their company and deadline, for the fields still empty."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from assistant.due_dates import resolve_due
from assistant.llm import ChatRunner, Usage
from assistant.prompting import fence, messages
from assistant.schemas import FormFill

MAX_CHARS = 1500  # the latest client messages only: the form is about the request now


@dataclass
class FormProposal:
    values: dict[str, object]  # request field -> value, only what the conversation says
    usage: Usage


def _present(value: str, texts: Sequence[str]) -> bool:
    """A company name must be written in the conversation (the model may not invent one)."""
    needle = value.casefold().strip(" «»\"'")
    return bool(needle) and any(needle in t.casefold().replace("«", "").replace("»", "") for t in texts)


async def fill_form(runner: ChatRunner, texts: Sequence[str], *, now: datetime) -> FormProposal:
    joined = "\n---\n".join(texts)[-MAX_CHARS:]
    out, usage = await runner.run(
        FormFill, messages("request_form", text=fence(joined)), chain="request_form"
    )
    values: dict[str, object] = {}
    if out.what.strip():
        values["what"] = out.what.strip()
    if out.company_name.strip() and _present(out.company_name, texts):
        values["company_name"] = out.company_name.strip().strip("«»\"'")
    due = resolve_due(out.due, now) if out.due.strip() else None
    if due is not None and _present(out.due, texts):
        values["due_at"] = due.at
    return FormProposal(values, usage)
