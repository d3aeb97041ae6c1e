"""Raw RFC 5322 bytes -> a readable view of one mail: who, when, subject, threading, text, attachments."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

from channels.email.clean import clean_reply
from channels.email.headers import Headers, open_message
from channels.email.mime import Collected, walk
from channels.email.system import SystemMail, classify
from intake.schema import AttachmentRef

DEFAULT_MAX_ATTACHMENT_BYTES = 25 * 1024 * 1024
# A Date this far ahead of the moment we received the mail is a broken clock, not a fact.
CLOCK_SKEW = timedelta(days=1)


@dataclass(frozen=True)
class Mail:
    message_id: str | None
    raw_sha256: str
    subject: str | None
    sender_name: str | None
    sender_email: str | None
    reply_to: str | None
    sent_at: datetime | None
    references: tuple[str, ...]
    in_reply_to: str | None
    full_text: str
    text: str  # quotes and signature cut
    attachments: tuple[AttachmentRef, ...]
    system: SystemMail | None
    returned_ids: tuple[str, ...]  # for a bounce: the Message-IDs of the mail that bounced

    @property
    def own_id(self) -> str:
        return self.message_id or f"sha256:{self.raw_sha256}"


def read_mail(raw: bytes, *, max_attachment_bytes: int = DEFAULT_MAX_ATTACHMENT_BYTES) -> Mail:
    headers = open_message(raw)
    body = Collected(max_attachment_bytes)
    walk(headers.modern, body)
    sender = _sender(headers)
    full = body.body()
    ids = headers.ids("Message-ID")
    in_reply_to = headers.ids("In-Reply-To")
    references = tuple(headers.ids("References"))
    return Mail(
        message_id=ids[0] if ids else None,
        raw_sha256=hashlib.sha256(raw).hexdigest(),
        subject=headers.get("Subject"),
        sender_name=sender[0] or None,
        sender_email=sender[1].lower() if sender[1] else None,
        reply_to=_first_address(headers, "Reply-To"),
        sent_at=_date(headers),
        references=references or tuple(in_reply_to[:1]),
        in_reply_to=in_reply_to[0] if in_reply_to else None,
        full_text=full,
        text=clean_reply(full).text,
        attachments=tuple(body.attachments),
        system=classify(headers, body, sender[1]),
        returned_ids=tuple(dict.fromkeys(body.returned_ids)),
    )


def _sender(headers: Headers) -> tuple[str, str]:
    for name in ("From", "Sender", "Reply-To", "Return-Path"):
        found = headers.addresses(name)
        if found:
            return found[0]
    return "", ""


def _first_address(headers: Headers, name: str) -> str | None:
    found = headers.addresses(name)
    return found[0][1].lower() if found else None


def _date(headers: Headers) -> datetime | None:
    value = headers.get("Date")
    if not value:
        return None
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    try:
        return moment.astimezone(UTC)
    except (OverflowError, ValueError):
        return None


def sent_at_of(mail: Mail, received_at: datetime | None) -> datetime:
    """The Date header when it is plausible, else when okno received the mail."""
    received = received_at or datetime.now(UTC)
    if received.tzinfo is None:
        received = received.replace(tzinfo=UTC)
    if mail.sent_at is None or mail.sent_at > received + CLOCK_SKEW or mail.sent_at.year < 1990:
        return received
    return mail.sent_at
