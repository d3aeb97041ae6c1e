"""RawPayload -> call messages. The route names the provider in X-Okno-Provider; saved bodies are sniffed."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from pydantic import ValidationError

from channels.base import AnomalousPayload, RawPayload, UnsupportedEvent
from channels.telephony import generic
from channels.telephony.ami import CallTracker, packets
from channels.telephony.calls import CHANNEL, PROVIDER_HEADER, CallEvent, to_message
from channels.telephony.mango import parse_mango
from channels.telephony.twilio import parse_twilio
from channels.telephony.verify import form_fields
from channels.telephony.zadarma import parse_zadarma
from intake.schema import InboundMessage

PROVIDERS = ("generic", "twilio", "zadarma", "mango", "asterisk", "folder")
TIMEZONE_HEADER = "X-Okno-Timezone"
Parser = Callable[[RawPayload, datetime], list[CallEvent]]


def _header(raw: RawPayload, name: str) -> str | None:
    wanted = name.lower()
    return next((value for key, value in raw.headers.items() if key.lower() == wanted), None)


def _generic(raw: RawPayload, received: datetime) -> list[CallEvent]:
    return [generic.parse_event(generic.load(raw.body))]


def _local(raw: RawPayload, received: datetime) -> list[CallEvent]:
    """Events okno's own loops stored (AMI tracker, folder import): local recording paths allowed."""
    return [generic.parse_event(generic.load(raw.body), local=True)]


def _asterisk(raw: RawPayload, received: datetime) -> list[CallEvent]:
    if raw.body.lstrip().startswith(b"{"):
        return _local(raw, received)
    # A saved AMI transcript: replay it through the tracker, as the listener would have.
    tracker = CallTracker(clock=lambda: received)
    text = raw.body.decode("utf-8", "replace")
    found = [event for packet in packets(text) for event in tracker.feed(packet)]
    if not found:
        raise UnsupportedEvent(
            "no client call in this AMI stream (actions, status or extension-to-extension)"
        )
    return [generic.parse_event(event, local=True) for event in found]


def _twilio(raw: RawPayload, received: datetime) -> list[CallEvent]:
    return [parse_twilio(raw.body, received)]


def _zadarma(raw: RawPayload, received: datetime) -> list[CallEvent]:
    try:
        tz = ZoneInfo(_header(raw, TIMEZONE_HEADER) or "Europe/Moscow")
    except (KeyError, ValueError) as exc:
        raise AnomalousPayload(f"unknown account time zone: {exc}") from exc
    return [parse_zadarma(raw.body, received, tz)]


def _mango(raw: RawPayload, received: datetime) -> list[CallEvent]:
    return [parse_mango(raw.body)]


PROVIDER_PARSERS: dict[str, Parser] = {
    "generic": _generic,
    "twilio": _twilio,
    "zadarma": _zadarma,
    "mango": _mango,
    "asterisk": _asterisk,
    "folder": _local,
}


def sniff(body: bytes) -> str:
    """Which provider a saved body came from, when no header says so."""
    head = body.lstrip()[:200]
    if head.startswith(b"{"):
        try:
            data = json.loads(body)
        except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
            raise AnomalousPayload(f"body is not JSON: {exc}") from exc
        if isinstance(data, dict) and "vectors" in data:
            raise UnsupportedEvent("signature test vectors, not a PBX event")
        if isinstance(data, dict) and "authorization_header" in data:
            raise UnsupportedEvent("an API authorization vector, not a PBX event")
        return (
            "asterisk"
            if isinstance(data, dict) and "ami" in data
            else ("mango" if isinstance(data, dict) and "entry_id" in data else "generic")
        )
    if head.lower().startswith((b"action:", b"event:", b"response:", b"asterisk call manager")):
        return "asterisk"
    fields = form_fields(body)
    if "CallSid" in fields:
        return "twilio"
    if fields.get("event", "").startswith("NOTIFY_"):
        return "zadarma"
    if "json" in fields and "sign" in fields:
        return "mango"
    raise AnomalousPayload("cannot tell the PBX from this body: name it (X-Okno-Provider or --provider)")


class TelephonyAdapter:
    channel = CHANNEL

    def parse(self, raw: RawPayload) -> list[InboundMessage]:
        provider = _header(raw, PROVIDER_HEADER) or sniff(raw.body)
        parser = PROVIDER_PARSERS.get(provider)
        if parser is None:
            raise UnsupportedEvent(f"unknown telephony provider {provider!r}: one of {', '.join(PROVIDERS)}")
        received = raw.received_at or datetime.now(UTC)
        try:
            events = parser(raw, received)
        except KeyError as exc:
            raise AnomalousPayload(f"{provider} event without {exc}") from exc
        try:
            return [to_message(raw.account, event) for event in events]
        except ValidationError as exc:  # e.g. a lone surrogate in an id: valid JSON, not storable text
            raise AnomalousPayload(
                f"{provider} event does not make a call message: {exc.errors()[0]['msg']}"
            ) from None
