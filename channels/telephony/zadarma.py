"""Zadarma PBX notifications: NOTIFY_START / INTERNAL / ANSWER / END / OUT_START / OUT_END / RECORD / IVR."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from channels.base import AnomalousPayload, UnsupportedEvent
from channels.telephony.calls import CallEvent, seconds
from channels.telephony.verify import form_fields

Handler = Callable[[dict[str, str], datetime, datetime], CallEvent]


def _start(fields: dict[str, str], start: datetime, received: datetime) -> CallEvent:
    return CallEvent(
        event_id=_event_id(fields),
        call_id=fields["pbx_call_id"],
        stage="started",
        at=start,
        direction="inbound",
        from_number=fields.get("caller_id"),
        to_number=fields.get("called_did"),
        operator_extension=fields.get("internal") or None,
        started_at=start,
    )


def _answer(fields: dict[str, str], start: datetime, received: datetime) -> CallEvent:
    return CallEvent(
        event_id=_event_id(fields),
        call_id=fields["pbx_call_id"],
        stage="answered",
        at=received,
        direction="inbound",
        from_number=fields.get("caller_id"),
        to_number=fields.get("destination"),
        operator_extension=fields.get("internal") or fields.get("destination") or None,
        started_at=start,
    )


def _out_start(fields: dict[str, str], start: datetime, received: datetime) -> CallEvent:
    return CallEvent(
        event_id=_event_id(fields),
        call_id=fields["pbx_call_id"],
        stage="started",
        at=start,
        direction="outbound",
        from_number=fields.get("internal"),
        to_number=fields.get("destination"),
        operator_extension=fields.get("internal") or None,
        started_at=start,
    )


def _end(fields: dict[str, str], start: datetime, received: datetime) -> CallEvent:
    outbound = fields["event"] == "NOTIFY_OUT_END"
    duration = seconds(fields.get("duration") or 0, "duration")
    answered = fields.get("disposition") == "answered"
    ended = max(received, start + timedelta(seconds=duration))
    return CallEvent(
        event_id=_event_id(fields),
        call_id=fields["pbx_call_id"],
        stage="ended",
        at=ended,
        direction="outbound" if outbound else "inbound",
        from_number=fields.get("internal") if outbound else fields.get("caller_id"),
        to_number=fields.get("destination") if outbound else fields.get("called_did"),
        operator_extension=fields.get("internal") or None,
        started_at=start,
        # Zadarma's duration is the talk time: the answer came that long before the end.
        answered_at=ended - timedelta(seconds=duration) if answered else None,
        ended_at=ended,
        duration_s=duration,
    )


def _record(fields: dict[str, str], start: datetime, received: datetime) -> CallEvent:
    if not fields.get("call_id_with_rec"):
        raise AnomalousPayload("NOTIFY_RECORD without call_id_with_rec")
    return CallEvent(
        event_id=_event_id(fields),
        call_id=fields["pbx_call_id"],
        stage="recording",
        at=received,
        recording_ref=f"zadarma:{fields['pbx_call_id']}:{fields['call_id_with_rec']}",
    )


EVENT_HANDLERS: dict[str, Handler] = {
    "NOTIFY_START": _start,
    "NOTIFY_INTERNAL": _start,
    "NOTIFY_IVR": _start,
    "NOTIFY_ANSWER": _answer,
    "NOTIFY_END": _end,
    "NOTIFY_OUT_START": _out_start,
    "NOTIFY_OUT_END": _end,
    "NOTIFY_RECORD": _record,
}


def _event_id(fields: dict[str, str]) -> str:
    return f"{fields['pbx_call_id']}:{fields['event']}:{fields.get('internal', '')}"


def _call_start(fields: dict[str, str], tz: ZoneInfo, received: datetime) -> datetime:
    value = fields.get("call_start")
    if not value:
        return received
    try:
        return datetime.strptime(value, "%Y-%m-%d %H:%M:%S").replace(tzinfo=tz)
    except ValueError as exc:
        raise AnomalousPayload(f"call_start is not 'YYYY-MM-DD HH:MM:SS': {value!r}") from exc


def parse_zadarma(body: bytes, received: datetime, tz: ZoneInfo) -> CallEvent:
    fields = form_fields(body)
    handler = EVENT_HANDLERS.get(fields.get("event", ""))
    if handler is None:
        raise UnsupportedEvent(f"Zadarma event {fields.get('event')!r} is not a call event")
    if not fields.get("pbx_call_id"):
        raise AnomalousPayload("a Zadarma call notification carries pbx_call_id")
    return handler(fields, _call_start(fields, tz, received), received)
