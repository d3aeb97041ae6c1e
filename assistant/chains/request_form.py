"""Request form fill: what the client wants, their company and deadline, for the fields still empty."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from assistant.due_dates import resolve_due
from assistant.llm import ChatRunner, Usage
from assistant.prompting import fence, messages
from assistant.schemas import FormFill
from intake.request_form import counterparties

MAX_CHARS = 1500  # the latest client messages only: the form is about the request now


@dataclass
class FormProposal:
    values: dict[str, object]  # request field -> value, only what the conversation says
    usage: Usage


def _present(value: str, texts: Sequence[str]) -> bool:
    """A company name must be written in the conversation (the model may not invent one)."""
    needle = value.casefold().strip(" «»\"'")
    return bool(needle) and any(needle in t.casefold().replace("«", "").replace("»", "") for t in texts)


def _plain(name: str) -> str:
    return " ".join(name.replace("«", " ").replace("»", " ").strip("\"'").casefold().split())


def _counterparty(value: str, texts: Sequence[str]) -> bool:
    """A company the messages name only as the other side of the client's business ("акт сверки с ООО
    «Поставщик-М»"): the client's supplier is not the client, however the model reads it."""
    plain = _plain(value)
    others = [_plain(name) for name in counterparties("\n".join(texts))]
    return any(plain in (name, name.split(" ", 1)[-1]) for name in others)


async def fill_form(runner: ChatRunner, texts: Sequence[str], *, now: datetime) -> FormProposal:
    joined = "\n---\n".join(texts)[-MAX_CHARS:]
    out, usage = await runner.run(
        FormFill, messages("request_form", text=fence(joined)), chain="request_form"
    )
    values: dict[str, object] = {}
    if out.what.strip():
        values["what"] = out.what.strip()
    company = out.company_name
    if company.strip() and _present(company, texts) and not _counterparty(company, texts):
        values["company_name"] = company.strip().strip("«»\"'")
    due = resolve_due(out.due, now) if out.due.strip() else None
    if due is not None and _present(out.due, texts):
        values["due_at"] = due.at
    return FormProposal(values, usage)
