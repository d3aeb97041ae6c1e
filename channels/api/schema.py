"""The documented body of POST /api/v1/inbound (see channels/api/README.md)."""

from __future__ import annotations

from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator


class ApiSender(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(min_length=1, max_length=255, description="the sender's id in your system")
    name: str | None = Field(default=None, max_length=255)
    phone: str | None = Field(default=None, max_length=64)
    email: str | None = Field(default=None, max_length=320)
    username: str | None = Field(default=None, max_length=255)
    company: str | None = Field(default=None, max_length=255)
    inn: str | None = Field(default=None, pattern=r"^\d{10}(\d{2})?$")


class ApiAttachment(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: str = Field(min_length=1, max_length=2048)
    filename: str | None = Field(default=None, max_length=255)
    mime: str | None = Field(default=None, max_length=255)
    size: int | None = Field(default=None, ge=0)
    kind: Literal["image", "video", "audio", "voice", "document", "other"] = "document"


class ApiInbound(BaseModel):
    model_config = ConfigDict(extra="forbid")

    event_id: str = Field(min_length=1, max_length=255, description="unique per delivery; a retry repeats it")
    message_id: str | None = Field(default=None, max_length=255, description="defaults to event_id")
    conversation_id: str | None = Field(default=None, max_length=255, description="defaults to sender.id")
    kind: Literal["text", "media", "edit", "reaction", "status", "system"] = "text"
    sent_at: AwareDatetime | None = Field(default=None, description="ISO 8601 with offset; default: received")
    sender: ApiSender
    text: str | None = Field(default=None, max_length=20000)
    attachments: list[ApiAttachment] = Field(default_factory=list, max_length=50)
    reply_to: str | None = Field(default=None, max_length=255)
    status: Literal["delivered", "read", "failed"] | None = None

    @model_validator(mode="after")
    def _has_content(self) -> ApiInbound:
        if self.kind in ("text", "media", "edit") and not (self.text or self.attachments):
            raise ValueError(f"a {self.kind!r} event needs text or attachments")
        if self.kind == "status" and (self.status is None or self.message_id is None):
            raise ValueError("a 'status' event needs status and the message_id it is about")
        return self
