"""The shapes every channel adapter produces and every sender consumes (DESIGN.md: InboundMessage)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator

Channel = Literal["telegram", "whatsapp", "viber", "email", "telephony", "api"]
CHANNELS: tuple[Channel, ...] = ("telegram", "whatsapp", "viber", "email", "telephony", "api")
MessageKind = Literal["text", "media", "call", "reaction", "edit", "status", "system"]
Direction = Literal["inbound", "outbound"]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Sender(_Frozen):
    """Who sent it, as the platform knows them; identity resolution turns this into a Contact."""

    external_id: str = Field(min_length=1, max_length=255)
    display_name: str | None = Field(default=None, max_length=255)
    phone: str | None = Field(default=None, max_length=64)
    email: str | None = Field(default=None, max_length=320)
    username: str | None = Field(default=None, max_length=255)
    # What the sender says about their company, when the platform or integrator knows it.
    company: str | None = Field(default=None, max_length=255)
    inn: str | None = Field(default=None, max_length=12)


class AttachmentRef(_Frozen):
    kind: Literal["image", "video", "audio", "voice", "document", "sticker", "location", "contact", "other"]
    filename: str | None = None
    mime: str | None = None
    size: int | None = Field(default=None, ge=0)
    file_id: str | None = None  # the platform's own handle (Telegram file_id, WhatsApp media id)
    # Viber gives a public link instead, which expires: `url`, fetched into blob storage soon after
    url: str | None = None
    blob_key: str | None = None  # sha256 once the file is in blob storage
    order: int | None = None  # the platform's order of parts (e.g. Telegram message_id in an album)


class ThreadHints(_Frozen):
    references: tuple[str, ...] = ()
    in_reply_to: str | None = None
    subject: str | None = None
    request_token: str | None = None


class CallInfo(_Frozen):
    direction: Literal["inbound", "outbound", "internal"]
    from_number: str | None = None
    to_number: str | None = None
    started_at: AwareDatetime | None = None
    answered_at: AwareDatetime | None = None
    ended_at: AwareDatetime | None = None
    duration_s: float | None = Field(default=None, ge=0)
    recording_ref: str | None = None
    operator_extension: str | None = None


class InboundMessage(_Frozen):
    """One platform event, normalized. `event_id` dedupes deliveries; `message_key` names the message."""

    channel: Channel
    account: str = Field(min_length=1, max_length=100)
    event_id: str = Field(min_length=1, max_length=255)
    message_key: str = Field(min_length=1, max_length=255)
    conversation_key: str = Field(min_length=1, max_length=255)
    sender: Sender
    sent_at: AwareDatetime
    kind: MessageKind = "text"
    text: str | None = None
    attachments: tuple[AttachmentRef, ...] = ()
    reply_to_key: str | None = None
    thread_hints: ThreadHints = ThreadHints()
    call: CallInfo | None = None
    # For kind == "status": the delivery state the platform reports for an outbound message. On any other
    # kind, "reachable" / "unreachable": the client can (again) / can no longer be written to on this channel
    # (Telegram: the bot blocked; Viber: unsubscribed, and a Viber user's own message subscribes them again).
    status: str | None = None
    raw_event_id: int | None = None

    @field_validator("sent_at")
    @classmethod
    def _to_utc(cls, value: datetime) -> datetime:
        return value.astimezone(UTC)


class OutboundMessage(_Frozen):
    """What a channel sender gets from the Outbox: where to send, and what."""

    channel: Channel
    account: str
    conversation_key: str
    text: str | None = None
    attachments: tuple[AttachmentRef, ...] = ()
    # The client message this answers; None for a message of okno's own that answers nothing (a broadcast):
    # email sends that as a new mail under thread_hints.subject, not as «Re:» in the client's thread.
    reply_to_key: str | None = None
    thread_hints: ThreadHints = ThreadHints()
    outbox_id: int
    # The recipient's external id and a readable author line, for channels that address a person.
    recipient_id: str | None = None
    author_name: str | None = None
    # Answers the client may tap instead of typing («1»…«5» under the rating question): a channel with buttons
    # shows them and hands a press back as the client's text; the others ignore them (the text says what to
    # write).
    choices: tuple[str, ...] = ()
