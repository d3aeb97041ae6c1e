"""Email adapter: raw RFC 5322 bytes -> InboundMessage (and a failed-delivery status for a bounce).

Auto-replies, bounces, receipts and bulk mail become kind "system": recorded on the thread, no request."""

from __future__ import annotations

from dataclasses import replace

from channels.base import AnomalousPayload, RawPayload
from channels.email.mail import DEFAULT_MAX_ATTACHMENT_BYTES, Mail, read_mail, sent_at_of
from channels.email.threading import conversation_key, find_token, fit_key
from intake.schema import AttachmentRef, InboundMessage, MessageKind, Sender, ThreadHints

MAILER_DAEMON = "mailer-daemon"
TEXT_MAX = 200_000  # a 200 KB header dump or spam body is kept in the raw event, not the message


class EmailAdapter:
    channel = "email"

    def __init__(self, *, max_attachment_bytes: int = DEFAULT_MAX_ATTACHMENT_BYTES) -> None:
        self.max_attachment_bytes = max_attachment_bytes

    def read(self, raw: RawPayload) -> Mail:
        if not raw.body.strip():
            raise AnomalousPayload("empty mail body")
        try:
            return read_mail(raw.body, max_attachment_bytes=self.max_attachment_bytes)
        except RecursionError:
            raise AnomalousPayload("MIME structure nested too deep") from None
        except Exception as exc:
            # The stdlib's header parser raises arbitrary errors (IndexError, AttributeError…) on some broken
            # headers that the per-field fallbacks did not foresee: refuse with the error, raw bytes kept.
            raise AnomalousPayload(f"mail the MIME parser cannot read: {exc!r}") from None

    def parse(self, raw: RawPayload) -> list[InboundMessage]:
        mail = self.read(raw)
        if not mail.sender_email and mail.system is not None:
            mail = replace(mail, sender_email=MAILER_DAEMON)  # a report with no From is still a report
        if not mail.sender_email:
            raise AnomalousPayload("no sender address in From, Sender, Reply-To or Return-Path")
        message = _message(raw, mail)
        if mail.system is not None and mail.system.failed:
            return [message, *_bounce_statuses(message, mail)]
        return [message]


def _message(raw: RawPayload, mail: Mail) -> InboundMessage:
    own = fit_key(mail.own_id)
    sender_email = mail.sender_email or ""
    return InboundMessage(
        channel="email",
        account=raw.account,
        event_id=own,
        message_key=own,
        conversation_key=conversation_key(
            references=mail.references,
            in_reply_to=mail.in_reply_to,
            subject=mail.subject,
            sender_email=sender_email,
            own_id=own,
        ),
        sender=Sender(
            external_id=_safe(sender_email[:255]) or sender_email,
            display_name=_safe(mail.sender_name[:255]) if mail.sender_name else None,
            email=_safe(sender_email[:320]),
        ),
        sent_at=sent_at_of(mail, raw.received_at),
        kind=_kind(mail),
        text=_text(mail),
        attachments=_attachments(mail),
        reply_to_key=fit_key(mail.in_reply_to) if mail.in_reply_to else None,
        thread_hints=ThreadHints(
            references=tuple(fit_key(r) for r in mail.references),
            in_reply_to=mail.in_reply_to,
            subject=_safe(mail.subject),
            request_token=find_token(mail.subject),
        ),
        raw_event_id=raw.raw_event_id,
    )


def _safe(value: str | None) -> str | None:
    """No lone surrogates reach the schema, whatever bytes a header smuggled in."""
    return None if value is None else value.encode("utf-8", errors="replace").decode("utf-8")


def _attachments(mail: Mail) -> tuple[AttachmentRef, ...]:
    return tuple(a.model_copy(update={"filename": _safe(a.filename)}) for a in mail.attachments)


def _kind(mail: Mail) -> MessageKind:
    if mail.system is not None:
        return "system"
    if not mail.text.strip() and mail.attachments:
        return "media"
    return "text"


def _text(mail: Mail) -> str | None:
    parts = [p for p in (mail.subject, mail.text) if p and p.strip()]
    return _safe("\n\n".join(parts)[:TEXT_MAX]) or None


def without_subject(text: str, subject: str | None) -> str:
    """A stored mail's text without the subject line _text puts first (the assistant reads both as one text;
    the timeline and the staff bot's card show the subject apart, or not at all)."""
    if subject and text.startswith(subject):
        rest = text[len(subject) :]
        if not rest.strip() or rest.startswith("\n"):
            return rest.strip()
    return text


def _bounce_statuses(message: InboundMessage, mail: Mail) -> list[InboundMessage]:
    """Each bounced Message-ID gets a 'failed' status: intake marks the Outbox row that sent it."""
    return [
        message.model_copy(
            update={
                "event_id": fit_key(f"{message.event_id}:bounce:{returned}"),
                "message_key": fit_key(returned),
                "kind": "status",
                "status": "failed",
                "text": (mail.system.reason if mail.system else None) or message.text,
                "attachments": (),
            }
        )
        for returned in mail.returned_ids
    ]
