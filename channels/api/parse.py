"""JSON body -> InboundMessage. A body that does not match the schema is refused with the reason."""

from __future__ import annotations

from datetime import UTC, datetime

from pydantic import ValidationError

from channels.api.schema import ApiInbound
from channels.base import AnomalousPayload, RawPayload
from channels.json_shape import json_object
from intake.schema import AttachmentRef, InboundMessage, Sender


def validate(body: bytes) -> ApiInbound:
    try:
        return ApiInbound.model_validate(json_object(body))
    except ValidationError as exc:
        raise AnomalousPayload(_readable(exc)) from None


def _readable(exc: ValidationError) -> str:
    return "; ".join(
        f"{'.'.join(str(p) for p in err['loc']) or 'body'}: {err['msg']}" for err in exc.errors()
    )


class ApiAdapter:
    channel = "api"

    def parse(self, raw: RawPayload) -> list[InboundMessage]:
        event = validate(raw.body)
        sender = event.sender
        return [
            InboundMessage(
                channel="api",
                account=raw.account,
                event_id=event.event_id,
                message_key=event.message_id or event.event_id,
                conversation_key=event.conversation_id or sender.id,
                sender=Sender(
                    external_id=sender.id,
                    display_name=sender.name,
                    phone=sender.phone,
                    email=sender.email,
                    username=sender.username,
                    company=sender.company,
                    inn=sender.inn,
                ),
                sent_at=event.sent_at or raw.received_at or datetime.now(UTC),
                kind=event.kind,
                text=event.text,
                attachments=tuple(
                    AttachmentRef(kind=a.kind, filename=a.filename, mime=a.mime, size=a.size, url=a.url)
                    for a in event.attachments
                ),
                reply_to_key=event.reply_to,
                status=event.status,
                raw_event_id=raw.raw_event_id,
            )
        ]
