"""Structured outputs of the chains (what the model must return), checked by pydantic."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any, Literal

from pydantic import BaseModel, Field, JsonValue, create_model, model_validator

CATEGORIES = (
    "dissatisfaction",
    "missed_deadline",
    "quality_claim",
    "payment_dispute",
    "churn_threat",
    "legal_threat",
    "rudeness",
    "escalation_request",
)
Category = Literal[
    "dissatisfaction",
    "missed_deadline",
    "quality_claim",
    "payment_dispute",
    "churn_threat",
    "legal_threat",
    "rudeness",
    "escalation_request",
    "none",
]


class ConflictVerdict(BaseModel):
    """Is the client in conflict with us in this message? evidence: words copied from the message."""

    conflict: bool
    category: Category
    severity: int = Field(ge=0, le=3, description="0 none, 1 mild, 2 serious, 3 threat")
    evidence: str = Field(max_length=160, description="exact words copied from the message, or empty")
    reason: str = Field(max_length=60, description="two to four words")

    @model_validator(mode="after")
    def _consistent(self) -> ConflictVerdict:
        # The 1.5B model sometimes answers conflict=true with category "none": treat it as no conflict.
        if self.conflict and self.category == "none":
            self.conflict = False
        if self.conflict:
            self.severity = max(1, self.severity)
        return self


class TaskDraft(BaseModel):
    """One task as written: the assignee and due phrases are resolved in code, not by the model."""

    title: str = Field(max_length=120)
    assignee: str = Field(max_length=60, description="the person's name exactly as written, or empty")
    due: str = Field(max_length=60, description="the deadline words exactly as written, or empty")
    client: str = Field(max_length=80, description="client company named in the text, or empty")


class TaskDrafts(BaseModel):
    """Tasks a staff member asked for in the text; empty when it asks for none."""

    tasks: list[TaskDraft] = Field(max_length=5)


class FormFill(BaseModel):
    """What the client's request is about, from the conversation; empty strings when not said."""

    what: str = Field(max_length=200, description="what the client wants done, short")
    company_name: str = Field(max_length=120, description="the client's company as written, or empty")
    due: str = Field(max_length=60, description="the deadline words as written, or empty")


POINT_CHARS = 300  # a summary point's text, as the model writes it and as code builds it


class SummaryPoint(BaseModel):
    section: Literal["who", "requests", "recent", "mood", "promises", "risks"]
    text: str = Field(max_length=POINT_CHARS)
    cites: list[int] = Field(description="ids of the messages this point comes from")


class ClientSummary(BaseModel):
    """A rolling summary of one client; every point cites message ids."""

    points: list[SummaryPoint] = Field(max_length=12)


class NarrativePoint(BaseModel):
    section: Literal["recent", "mood", "promises", "risks"]
    text: str = Field(max_length=POINT_CHARS)
    cites: list[int] = Field(description="ids of the messages this point comes from")


class ClientNarrative(BaseModel):
    """What the messages tell about one client (who they are and their requests come from the card)."""

    points: list[NarrativePoint] = Field(max_length=8)


class Answer(BaseModel):
    """An answer from retrieved messages, citing their ids."""

    text: str = Field(max_length=600)
    cites: list[int]


class Restated(BaseModel):
    """An answer said again in the question's language (a translation into Russian runs longer)."""

    text: str = Field(max_length=900)


def _citing(ids: Collection[int], **schema: Any) -> Any:
    """A `cites` field whose JSON schema offers only ids: llama.cpp compiles the enum into the grammar the
    model writes under, and an OpenAI-compatible model reads it in the tool's schema. Parsing still takes any
    int, so that the chain drops a stray id (and counts it) rather than failing the whole answer."""
    enum: list[JsonValue] = [*sorted(ids)]
    items: dict[str, JsonValue] = {"type": "integer", "enum": enum}
    return Field(
        description="ids of the messages this comes from", json_schema_extra={"items": items, **schema}
    )


def narrative_citing(ids: Collection[int]) -> type[ClientNarrative]:
    """ClientNarrative whose schema asks for one or more points, each citing one or more of ids.

    The summary's second ask, when under a free `list[int]` no point cited a given id (on the 1.5B model the
    demo's summary once came back empty that way)."""
    point = create_model(
        "NarrativePoint", __base__=NarrativePoint, cites=(list[int], _citing(ids, minItems=1, maxItems=3))
    )
    return create_model(
        "ClientNarrative",
        __base__=ClientNarrative,
        __doc__=ClientNarrative.__doc__,
        points=(list[point], Field(max_length=8, json_schema_extra={"minItems": 1})),
    )


def answer_citing(ids: Collection[int]) -> type[Answer]:
    """Answer whose schema offers only the retrieved messages' ids (none retrieved: the plain Answer)."""
    if not ids:
        return Answer
    return create_model("Answer", __base__=Answer, __doc__=Answer.__doc__, cites=(list[int], _citing(ids)))
