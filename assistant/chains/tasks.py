"""Task extraction: proposed tasks from a staff note; assignee and due are resolved in code, never guessed."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from pydantic import BaseModel, Field

from assistant.due_dates import Due, resolve_due
from assistant.llm import ChatRunner, Usage
from assistant.prompting import fence, messages
from assistant.schemas import TaskDraft, TaskDrafts
from assistant.staff_names import SELF, resolve_staff, staff_in_text

ASK = "?"  # the assignee could not be resolved to one staff member: the confirmation card asks


@dataclass
class ProposedTask:
    """A proposal only: a staff member confirms it before anything is created."""

    title: str
    assignee: str | None  # a staff name from the directory, ASK, or None when nobody was named
    candidates: tuple[str, ...]
    due: Due | None
    client: str | None


@dataclass
class TaskProposals:
    tasks: list[ProposedTask]
    usage: Usage


def _assignee(
    draft: TaskDraft, text: str, staff: Sequence[str], author: str, only: bool
) -> tuple[str | None, tuple[str, ...]]:
    if draft.assignee.strip():
        found = resolve_staff(draft.assignee, staff, author=author)
        if found.staff:
            return found.staff, ()
        if found.candidates or any(w[:1].isupper() for w in draft.assignee.split()):
            return ASK, found.candidates
    if only:  # one task: a name anywhere in the note is its assignee
        named = staff_in_text(text, staff)
        if len(named) == 1:
            return named[0], ()
        if len(named) > 1:
            return ASK, tuple(named)
        if any(w.strip(",.!?").casefold() in SELF for w in text.split()):
            return author, ()
    return None, ()


def _written(phrase: str, text: str) -> bool:
    """The phrase stands in the note (case and spacing aside)."""
    words = " ".join(phrase.casefold().split())
    return bool(words) and words in " ".join(text.casefold().split())


def _proposal(
    draft: TaskDraft, text: str, staff: Sequence[str], author: str, now: datetime, only: bool
) -> ProposedTask:
    assignee, candidates = _assignee(draft, text, staff, author, only)
    # the model's deadline words first; the note itself when there is one task, and first when the model
    # reworded the deadline ("после завтра", "через Thursday")
    phrases = [draft.due, text] if only else [draft.due]
    if only and draft.due.strip() and not _written(draft.due, text):
        phrases.reverse()
    due = next((found for phrase in phrases if (found := resolve_due(phrase, now)) is not None), None)
    return ProposedTask(draft.title.strip(), assignee, candidates, due, draft.client.strip() or None)


async def extract_tasks(
    runner: ChatRunner, text: str, *, author: str, staff: Sequence[str], now: datetime
) -> TaskProposals:
    drafts, usage = await runner.run(
        TaskDrafts, messages("tasks", author=author, text=fence(text)), chain="tasks"
    )
    only = len(drafts.tasks) == 1
    tasks = [_proposal(d, text, staff, author, now, only) for d in drafts.tasks if d.title.strip()]
    return TaskProposals(tasks, usage)


class BareTask(BaseModel):
    title: str = Field(max_length=120)
    assignee: str = Field(max_length=60)
    due: str = Field(max_length=20)


class BareTasks(BaseModel):
    tasks: list[BareTask] = Field(max_length=5)


async def bare_tasks(
    runner: ChatRunner, text: str, *, author: str, staff: Sequence[str], now: datetime
) -> TaskProposals:
    """The baseline: the model resolves names and dates itself from a one-line prompt."""
    out, usage = await runner.run(
        BareTasks,
        messages("tasks_bare", now=now.isoformat(), author=author, staff=", ".join(staff), text=text),
        chain="tasks_bare",
    )
    tasks = []
    for t in out.tasks:
        try:
            at = datetime.fromisoformat(t.due).replace(tzinfo=now.tzinfo) if t.due else None
        except ValueError:
            at = None
        due = Due(at, "T" in t.due) if at else None
        tasks.append(ProposedTask(t.title, t.assignee or None, (), due, None))
    return TaskProposals(tasks, usage)
