"""Mango Office VPBX realtime events: /events/call, /events/summary, /events/recording (json form field)."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from typing import Any

from channels.base import AnomalousPayload, UnsupportedEvent
from channels.telephony.calls import CallEvent, Direction, Stage, e164, unix_time
from channels.telephony.verify import form_fields

CALL_STATES: dict[str, Stage] = {"Appeared": "started", "Connected": "answered", "Disconnected": "ended"}
SUMMARY_DIRECTIONS: dict[int, Direction] = {0: "internal", 1: "inbound", 2: "outbound"}
Handler = Callable[[dict[str, Any]], CallEvent]


def _side(data: dict[str, Any], name: str) -> dict[str, str]:
    """A call side's fields as text (Mango sends strings; anything else in a number is not a number)."""
    side = data.get(name) or {}
    if not isinstance(side, dict):
        return {}
    return {k: str(v) for k, v in side.items() if isinstance(v, str | int) and not isinstance(v, bool)}


def _moment(value: object) -> datetime:
    return unix_time(value, "a Mango timestamp")


def _direction(source: dict[str, str], target: dict[str, str]) -> Direction:
    if source.get("extension") and target.get("extension"):
        return "internal"
    return "outbound" if source.get("extension") else "inbound"


def _client(direction: Direction, source: dict[str, str], target: dict[str, str]) -> str | None:
    first, second = (target, source) if direction == "outbound" else (source, target)
    return e164(first.get("number")) or e164(second.get("number"))


def _call(data: dict[str, Any]) -> CallEvent:
    state = str(data.get("call_state", ""))
    stage = CALL_STATES.get(state)
    if stage is None:
        raise UnsupportedEvent(f"Mango call_state {state!r} (hold and transfer states change nothing)")
    source, target = _side(data, "from"), _side(data, "to")
    direction = _direction(source, target)
    operator = (target if direction == "inbound" else source).get("extension")
    return CallEvent(
        event_id=f"call:{data.get('call_id') or data['entry_id']}:{data.get('seq')}:{state}",
        call_id=str(data["entry_id"]),
        stage=stage,
        at=_moment(data.get("timestamp")),
        direction=direction,
        from_number=source.get("number") or source.get("extension"),
        to_number=target.get("number") or target.get("extension"),
        client_number=_client(direction, source, target),
        operator_extension=str(operator) if operator else None,
    )


def _summary(data: dict[str, Any]) -> CallEvent:
    source, target = _side(data, "from"), _side(data, "to")
    code = str(data.get("call_direction", 1))
    direction = SUMMARY_DIRECTIONS.get(int(code), "inbound") if code.isdecimal() else "inbound"
    talk = data.get("talk_time") or 0
    ended = _moment(data.get("end_time"))
    operator = (target if direction == "inbound" else source).get("extension")
    return CallEvent(
        event_id=f"summary:{data['entry_id']}",
        call_id=str(data["entry_id"]),
        stage="ended",
        at=ended,
        direction=direction,
        from_number=source.get("number") or source.get("extension"),
        to_number=target.get("number") or target.get("extension"),
        client_number=_client(direction, source, target),
        operator_extension=str(operator) if operator else None,
        started_at=_moment(data.get("create_time")),
        # entry_result 1 means the call was talked; talk_time is when.
        answered_at=_moment(talk) if data.get("entry_result") == 1 and talk else None,
        ended_at=ended,
        duration_s=max(0.0, ended.timestamp() - _moment(talk).timestamp()) if talk else 0.0,
    )


def _recording(data: dict[str, Any]) -> CallEvent:
    state = str(data.get("recording_state", ""))
    if state != "Completed":
        raise UnsupportedEvent(f"Mango recording {state!r}: only a Completed recording has a file")
    if not data.get("recording_id"):
        raise AnomalousPayload("a Mango recording event carries recording_id")
    extension = data.get("extension")
    return CallEvent(
        event_id=f"recording:{data['recording_id']}:{state}",
        call_id=str(data["entry_id"]),
        stage="recording",
        at=_moment(data.get("timestamp")),
        operator_extension=str(extension) if extension else None,
        recording_ref=f"mango:{data['recording_id']}",
    )


def _kind(data: dict[str, Any]) -> Handler:
    if "recording_state" in data:
        return _recording
    if "call_state" in data:
        return _call
    if "entry_result" in data or "end_time" in data:
        return _summary
    raise UnsupportedEvent(f"Mango event with fields {sorted(data)[:6]} is not a call event")


def decode(body: bytes) -> dict[str, Any]:
    """The event from the form body (`json` field), or the bare JSON event (a saved sample)."""
    text = body.decode("utf-8", "replace")
    raw = text if text.lstrip().startswith("{") else form_fields(body).get("json", "")
    try:
        data = json.loads(raw)
    except (json.JSONDecodeError, RecursionError) as exc:
        raise AnomalousPayload(f"Mango json field is not JSON: {exc}") from exc
    if not isinstance(data, dict) or not data.get("entry_id"):
        raise AnomalousPayload("a Mango event is a JSON object with entry_id")
    return data


def parse_mango(body: bytes) -> CallEvent:
    data = decode(body)
    return _kind(data)(data)
