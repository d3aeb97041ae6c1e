"""The provider-neutral call event every PBX module produces, and how it becomes an InboundMessage."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

import phonenumbers

from channels.base import AnomalousPayload
from intake.schema import CallInfo, InboundMessage, Sender

CHANNEL = "telephony"
MAX_CALL_S = 7 * 86_400  # a longer "duration" is a broken payload, not a call
PROVIDER_HEADER = "X-Okno-Provider"
Stage = Literal["started", "answered", "ended", "recording"]
Direction = Literal["inbound", "outbound", "internal"]


@dataclass(frozen=True)
class CallEvent:
    """One thing a PBX said about one call; `call_id` ties the events of a call to one message."""

    event_id: str
    call_id: str
    stage: Stage
    at: datetime
    direction: Direction = "inbound"
    from_number: str | None = None
    to_number: str | None = None
    client_number: str | None = None
    operator_extension: str | None = None
    started_at: datetime | None = None
    answered_at: datetime | None = None
    ended_at: datetime | None = None
    duration_s: float | None = None
    recording_ref: str | None = None


def seconds(value: object, name: str) -> float:
    """A duration as PBXs send it ("42", 42.0) -> seconds, or AnomalousPayload (not a number, negative, NaN,
    beyond a week: datetime arithmetic would overflow on the rest)."""
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise AnomalousPayload(f"{name} must be a number of seconds, got {str(value)[:40]!r}") from None
    if not math.isfinite(number) or not 0 <= number <= MAX_CALL_S:
        raise AnomalousPayload(f"{name} must be 0..{MAX_CALL_S} seconds, got {str(value)[:40]!r}")
    return number


def unix_time(value: object, name: str) -> datetime:
    """Unix seconds -> aware UTC, or AnomalousPayload when it is not a time a calendar holds."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0:
        raise AnomalousPayload(f"{name} must be Unix seconds, got {str(value)[:40]!r}")
    try:
        return datetime.fromtimestamp(value, UTC)
    except (OverflowError, OSError, ValueError):
        raise AnomalousPayload(f"{name} is out of range: {str(value)[:40]!r}") from None


def e164(number: str | None, region: str = "RU") -> str | None:
    """+79161234567 from '79161234567', '89161234567', '8 916 123-45-67' or '+7…'; None for extensions and
    SIP URIs. PBXs drop the '+', so a number that is not national is tried as international."""
    if not number or "@" in number:
        return None
    digits = "".join(ch for ch in number if ch.isdigit())
    if len(digits) < 7:
        return None
    for candidate, hint in ((number, region), ("+" + digits, None)):
        try:
            parsed = phonenumbers.parse(candidate, hint)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number(parsed):
            return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    return None


def is_extension(number: str | None) -> bool:
    return number is not None and number.isdigit() and len(number) <= 6


def client_of(direction: Direction, from_number: str | None, to_number: str | None) -> str | None:
    """The client's side of a call: the caller of an inbound call, the callee of an outbound one."""
    first, second = (to_number, from_number) if direction == "outbound" else (from_number, to_number)
    return e164(first) or e164(second)


def to_message(account: str, event: CallEvent) -> InboundMessage:
    client = event.client_number or client_of(event.direction, event.from_number, event.to_number)
    started = event.started_at or (event.at if event.stage == "started" else None)
    answered = event.answered_at or (event.at if event.stage == "answered" else None)
    ended = event.ended_at or (event.at if event.stage == "ended" else None)
    return InboundMessage(
        channel=CHANNEL,
        account=account,
        event_id=event.event_id[:255],
        message_key=event.call_id[:255],
        # Every call with one number shares a conversation; a number-less event keys on its call.
        conversation_key=client or f"call:{event.call_id}"[:255],
        sender=Sender(external_id=client or f"call:{event.call_id}"[:255], phone=client),
        sent_at=event.at,
        kind="call",
        call=CallInfo(
            direction=event.direction,
            from_number=_short(event.from_number),
            to_number=_short(event.to_number),
            started_at=started,
            answered_at=answered,
            ended_at=ended,
            duration_s=event.duration_s,
            recording_ref=event.recording_ref,
            operator_extension=_short(event.operator_extension),
        ),
    )


def _short(value: str | None) -> str | None:
    return value[:32] if value else None
