"""The documented generic JSON webhook (README.md): call.started / answered / ended / recording_ready."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from channels.base import AnomalousPayload, UnsupportedEvent
from channels.telephony.calls import CallEvent, Direction, Stage

STAGES: dict[str, Stage] = {
    "call.started": "started",
    "call.answered": "answered",
    "call.ended": "ended",
    "call.recording_ready": "recording",
}
DIRECTIONS: tuple[Direction, ...] = ("inbound", "outbound", "internal")


def _text(body: dict[str, Any], name: str) -> str | None:
    value = body.get(name)
    if value is None or value == "":
        return None
    if not isinstance(value, str | int):
        raise AnomalousPayload(f"'{name}' must be a string")
    return str(value)


def _when(body: dict[str, Any], name: str) -> datetime | None:
    value = _text(body, name)
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError as exc:
        raise AnomalousPayload(f"'{name}' is not an ISO 8601 time: {value!r}") from exc
    if moment.tzinfo is None:
        raise AnomalousPayload(f"'{name}' needs a time zone (e.g. 2026-11-24T10:15:00+03:00)")
    try:
        moment.astimezone(UTC)  # year 1 at +03:00 has no UTC time
    except OverflowError:
        raise AnomalousPayload(f"'{name}' is out of range: {value!r}") from None
    return moment


def _recording(body: dict[str, Any], *, local: bool) -> str | None:
    url = _text(body, "recording_url")
    if url is None:
        return None
    # Webhook senders may only point at HTTP(S); local paths come from okno's own loops.
    allowed = ("http://", "https://", "file:", "blob:") if local else ("http://", "https://")
    if not url.startswith(allowed):
        raise AnomalousPayload(f"recording_url must be an http(s) URL, got {url[:40]!r}")
    return url


def load(body: bytes) -> dict[str, Any]:
    try:
        data = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise AnomalousPayload(f"body is not JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise AnomalousPayload("body must be a JSON object")
    return data


def parse_event(data: dict[str, Any], *, local: bool = False) -> CallEvent:
    name = _text(data, "event") or ""
    stage = STAGES.get(name)
    if stage is None:
        raise UnsupportedEvent(f"generic call event {name!r} is not one of {', '.join(STAGES)}")
    call_id = _text(data, "call_id")
    at = _when(data, "at")
    if call_id is None or at is None:
        raise AnomalousPayload("'call_id' and 'at' are required")
    direction = _text(data, "direction") or "inbound"
    if direction not in DIRECTIONS:
        raise AnomalousPayload(f"'direction' must be one of {', '.join(DIRECTIONS)}")
    duration = data.get("duration_s")
    if duration is not None and (not isinstance(duration, int | float) or duration < 0):
        raise AnomalousPayload("'duration_s' must be a non-negative number")
    return CallEvent(
        event_id=_text(data, "event_id") or f"{call_id}:{name}",
        call_id=call_id,
        stage=stage,
        at=at,
        direction=direction,
        from_number=_text(data, "from"),
        to_number=_text(data, "to"),
        operator_extension=_text(data, "operator_extension"),
        started_at=_when(data, "started_at"),
        answered_at=_when(data, "answered_at"),
        ended_at=_when(data, "ended_at"),
        duration_s=float(duration) if duration is not None else None,
        recording_ref=_recording(data, local=local),
    )
