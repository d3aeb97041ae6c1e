"""Asterisk AMI: text packets -> multimaps, and a tracker that turns a channel event stream into call events.

AMI reports channels, not calls; the tracker groups channels by Linkedid (Uniqueid on old Asterisk) and says
started / answered / ended / recording once per call, in the generic webhook's JSON shape."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import PurePosixPath
from typing import Any

from channels.telephony.calls import e164, is_extension

Packet = dict[str, str]
CHANNEL_PEER = re.compile(r"^(?:SIP|PJSIP|IAX2|Local)/(\d{1,6})[-@]")
CALL_EVENTS = frozenset({"Newchannel", "Newstate", "DialBegin", "Dial", "BridgeEnter", "Hangup", "VarSet"})


def packets(text: str) -> Iterator[Packet]:
    """AMI wire text (CRLF or LF) -> one multimap per packet; a repeated key keeps its first value."""
    for block in re.split(r"\r?\n\r?\n", text):
        packet: Packet = {}
        for line in block.splitlines():
            key, sep, value = line.partition(":")
            if sep and key.strip() and key.strip() not in packet:
                packet[key.strip()] = value.strip()
        if packet:
            yield packet


def _peer(channel: str) -> str | None:
    match = CHANNEL_PEER.match(channel)
    return match.group(1) if match else None


def _number(value: str | None) -> str | None:
    return None if not value or value in ("<unknown>", "s") else value


@dataclass
class TrackedCall:
    key: str
    direction: str
    from_number: str | None
    to_number: str | None
    first_channel: str
    channels: set[str] = field(default_factory=set)
    operator: str | None = None
    answered: bool = False
    recording: str | None = None
    started_at: datetime | None = None


class CallTracker:
    """Feed packets in order; get back call events (dicts in the generic JSON webhook schema)."""

    def __init__(
        self, recordings_dir: str | None = None, clock: Callable[[], datetime] | None = None
    ) -> None:
        self.recordings_dir = recordings_dir
        self.clock = clock or (lambda: datetime.now(UTC))
        self.calls: dict[str, TrackedCall] = {}
        self.ignored_internal: set[str] = set()

    def feed(self, packet: Packet) -> list[dict[str, Any]]:
        low = {name.lower(): value for name, value in packet.items()}  # AMI keys are case-insensitive
        name = next((event for event in CALL_EVENTS if event.lower() == low.get("event", "").lower()), None)
        if name is None:
            return []
        key = low.get("linkedid") or low.get("uniqueid") or ""
        handler = getattr(self, f"_on_{name.lower()}")
        result: list[dict[str, Any]] = handler(key, low) if key else []
        return result

    def _event(self, call: TrackedCall, stage: str, packet: Packet, **extra: Any) -> dict[str, Any]:
        at = self._at(packet)
        return {
            "event": f"call.{stage}",
            "event_id": f"{call.key}:{stage}",
            "call_id": call.key,
            "direction": call.direction,
            "from": call.from_number,
            "to": call.to_number,
            "operator_extension": call.operator,
            "at": at.isoformat(),
            "started_at": (call.started_at or at).isoformat(),
            **extra,
            "ami": packet,
        }

    def _at(self, packet: Packet) -> datetime:
        stamp = packet.get("timestamp")
        try:
            return datetime.fromtimestamp(float(stamp), UTC) if stamp else self.clock()
        except (ValueError, OverflowError, OSError):
            return self.clock()  # a garbled Timestamp must not stop the listener's tracking

    def _on_newchannel(self, key: str, packet: Packet) -> list[dict[str, Any]]:
        channel = packet.get("channel", "")
        call = self.calls.get(key)
        if call is not None:
            call.channels.add(channel)
            call.operator = call.operator or _peer(channel)
            return []
        if key in self.ignored_internal:
            return []
        caller, exten = _number(packet.get("calleridnum")), _number(packet.get("exten"))
        if e164(caller) and not is_extension(caller):
            direction, operator = "inbound", None
        elif e164(exten) and (is_extension(caller) or _peer(channel)):
            direction, operator = "outbound", caller if is_extension(caller) else _peer(channel)
        else:
            self.ignored_internal.add(key)  # extension to extension: no client on the line
            return []
        call = TrackedCall(key, direction, caller, exten, channel, {channel}, operator)
        call.started_at = self._at(packet)
        self.calls[key] = call
        return [self._event(call, "started", packet)]

    def _on_dialbegin(self, key: str, packet: Packet) -> list[dict[str, Any]]:
        call = self.calls.get(key)
        if call is not None and call.direction == "inbound":
            target = _number(packet.get("destcalleridnum")) or _peer(packet.get("destchannel", ""))
            call.operator = target if is_extension(target) else call.operator
        return []

    def _on_dial(self, key: str, packet: Packet) -> list[dict[str, Any]]:
        return self._on_dialbegin(key, {**packet, "destchannel": packet.get("destination", "")})

    def _on_newstate(self, key: str, packet: Packet) -> list[dict[str, Any]]:
        call = self.calls.get(key)
        channel = packet.get("channel", "")
        # The trunk leg goes Up when an IVR answers; the call is answered when the other leg does.
        if (
            call is None
            or call.answered
            or packet.get("channelstate") != "6"
            or channel == call.first_channel
        ):
            return []
        call.answered = True
        call.operator = call.operator or _peer(channel)
        return [self._event(call, "answered", packet)]

    def _on_bridgeenter(self, key: str, packet: Packet) -> list[dict[str, Any]]:
        return []

    def _on_varset(self, key: str, packet: Packet) -> list[dict[str, Any]]:
        call = self.calls.get(key)
        if call is not None and packet.get("variable") == "MIXMONITOR_FILENAME" and packet.get("value"):
            call.recording = packet["value"]
        return []

    def _on_hangup(self, key: str, packet: Packet) -> list[dict[str, Any]]:
        call = self.calls.get(key)
        if call is None:
            return []
        call.channels.discard(packet.get("channel", ""))
        if call.channels:
            return []
        del self.calls[key]
        events = [self._event(call, "ended", packet)]
        if call.recording and call.answered:
            events.append(
                self._event(call, "recording_ready", packet, recording_url=self._file(call.recording))
            )
        return events

    def _file(self, recording: str) -> str:
        """MixMonitor writes on the PBX; okno reads the same file from the shared recordings folder."""
        name = PurePosixPath(recording).name
        return (
            f"file:{PurePosixPath(self.recordings_dir) / name}"
            if self.recordings_dir
            else f"file:{recording}"
        )
