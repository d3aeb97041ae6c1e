"""Twilio voice status callbacks (CallStatus) and recording status callbacks (RecordingStatus)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

from channels.base import AnomalousPayload, UnsupportedEvent
from channels.telephony.calls import CallEvent, Direction, Stage, is_extension, seconds
from channels.telephony.verify import form_fields

CALL_STAGES: dict[str, Stage] = {
    "queued": "started",
    "initiated": "started",
    "ringing": "started",
    "in-progress": "answered",
    "completed": "ended",
    "busy": "ended",
    "no-answer": "ended",
    "failed": "ended",
    "canceled": "ended",
}


def _direction(fields: dict[str, str]) -> Direction:
    value = fields.get("Direction", "inbound")
    return "outbound" if value.startswith("outbound") else "inbound"


def _at(fields: dict[str, str], received: datetime) -> datetime:
    stamp = fields.get("Timestamp")
    if not stamp:
        return received
    try:
        moment = parsedate_to_datetime(stamp)
    except (TypeError, ValueError) as exc:
        raise AnomalousPayload(f"Timestamp is not RFC 2822: {stamp!r}") from exc
    # RFC 2822's "-0000" means UTC with the sender's zone unknown; the parser leaves such a time naive.
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _client_side(number: str | None) -> str | None:
    """Twilio Client identities ('client:alice') and SIP URIs are the operator's side, not a phone."""
    return None if number is None or number.startswith(("client:", "sip:")) else number


def _call(fields: dict[str, str], received: datetime) -> CallEvent:
    status = fields.get("CallStatus", "")
    stage = CALL_STAGES.get(status)
    if stage is None:
        raise UnsupportedEvent(f"Twilio CallStatus {status!r} is not a call stage")
    direction = _direction(fields)
    at = _at(fields, received)
    duration = seconds(fields["CallDuration"], "CallDuration") if fields.get("CallDuration") else None
    answered = stage == "ended" and status == "completed" and bool(duration)
    operator = fields.get("To") if direction == "inbound" else fields.get("From")
    return CallEvent(
        event_id=f"{fields['CallSid']}:{status}:{fields.get('SequenceNumber', '')}",
        call_id=fields["CallSid"],
        stage=stage,
        at=at,
        direction=direction,
        from_number=_client_side(fields.get("From")),
        to_number=_client_side(fields.get("To")),
        operator_extension=operator if is_extension(operator) else None,
        duration_s=duration,
        # A completed call with talk time was answered, even when the in-progress callback is not subscribed.
        answered_at=at - timedelta(seconds=duration or 0) if answered else None,
    )


def _recording(fields: dict[str, str], received: datetime) -> CallEvent:
    status = fields.get("RecordingStatus", "")
    if status != "completed":
        raise UnsupportedEvent(f"Twilio recording {status or 'without status'}: only 'completed' has a file")
    url = fields.get("RecordingUrl", "")
    if not url.startswith("https://") and not url.startswith("http://"):
        raise AnomalousPayload("RecordingUrl is missing")
    return CallEvent(
        event_id=f"{fields['RecordingSid']}:{status}",
        call_id=fields["CallSid"],
        stage="recording",
        at=_at(fields, received),
        recording_ref=url,
    )


def parse_twilio(body: bytes, received: datetime) -> CallEvent:
    fields = form_fields(body)
    if not fields.get("CallSid"):
        raise AnomalousPayload("a Twilio voice callback carries CallSid")
    if fields.get("RecordingSid"):
        return _recording(fields, received)
    return _call(fields, received)
