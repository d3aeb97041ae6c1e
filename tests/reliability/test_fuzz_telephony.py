"""PBX bodies of every provider okno reads (generic JSON, Twilio, Zadarma, Mango Office, Asterisk AMI
transcripts), seeded from the corpus and the documented shapes, mutated: parsed into calls or refused with a
reason, never a crash — with the provider named by the route's header and when it must be sniffed."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from hypothesis import given
from hypothesis import strategies as st

from channels.base import RawPayload
from channels.telephony.calls import PROVIDER_HEADER
from channels.telephony.parse import PROVIDERS, TIMEZONE_HEADER, TelephonyAdapter
from tests.corpus import corpus_files
from tests.reliability.strategies import (
    FUZZ,
    byte_mutation,
    mutated_bytes,
    mutated_form,
    mutated_json,
)

RECEIVED = datetime(2026, 11, 24, 7, 15, tzinfo=UTC)
CLIENT = "79161234567"
GENERIC: list[dict[str, Any]] = [
    {"event": "call.started", "call_id": "g-1", "at": "2026-11-24T10:15:00+03:00", "direction": "inbound"}
    | {"from": CLIENT, "to": "74951234567"},
    {"event": "call.answered", "call_id": "g-1", "at": "2026-11-24T10:15:07+03:00"}
    | {"from": CLIENT, "operator_extension": "201"},
    {"event": "call.ended", "call_id": "g-1", "at": "2026-11-24T10:16:00Z", "duration_s": 53, "from": CLIENT},
    {"event": "call.recording_ready", "call_id": "g-1", "at": "2026-11-24T10:16:05Z"}
    | {"recording_url": "https://pbx.example/rec/g1.wav", "from": CLIENT},
]


def _vectors(provider: str) -> list[dict[str, Any]]:
    path = corpus_files(f"telephony/{provider}/signature_vectors.json")[0]
    vectors: list[dict[str, Any]] = json.loads(path.read_bytes())["vectors"]
    return vectors


TWILIO = [dict(v["form_params"]) for v in _vectors("twilio") if v.get("form_params")]
TWILIO += [
    {"CallSid": "CA1", "From": "+" + CLIENT, "To": "+74951234567", "Direction": "inbound"}
    | {"CallStatus": status, "CallDuration": "42", "Timestamp": "Tue, 24 Nov 2026 07:15:00 +0000"}
    for status in ("ringing", "in-progress", "completed")
]
TWILIO.append({"CallSid": "CA1", "RecordingSid": "RE1", "RecordingStatus": "completed"})
TWILIO[-1]["RecordingUrl"] = "https://api.twilio.com/rec/RE1"
ZADARMA = [dict(v["post_fields"]) for v in _vectors("zadarma") if v.get("post_fields")]
MANGO_EVENTS = [
    json.loads(p.read_bytes())
    for p in corpus_files("telephony/mango_office/*.json")
    if "vectors" not in json.loads(p.read_bytes())
]
MANGO_FORMS = [{"vpbx_api_key": "k", "sign": "s", "json": json.dumps(e)} for e in MANGO_EVENTS]
AMI = [
    p.read_bytes()
    for p in [
        *corpus_files("telephony/asterisk_ami/*.yaml"),
        Path(__file__).parents[1] / "channels" / "telephony" / "fixtures" / "ami_inbound_call.txt",
    ]
]
AMI_NASTY = [
    b"\r\n\r\n",
    b"Event: Newchannel\r\nLinkedid: x\r\nCallerIDNum: 79161234567\r\nExten: 201\r\nTimestamp: 1e400\r\n",
    b"Event: Hangup\r\nUniqueid: x\r\nTimestamp: nan\r\n",
    b"Event: Newstate\r\nLinkedid: x\r\nChannelState: 6\r\nChannel: SIP/201-1\r\nTimestamp: -9e18\r\n",
    b"Event: VarSet\r\nLinkedid: x\r\nVariable: MIXMONITOR_FILENAME\r\nValue: ../../../etc/passwd\r\n",
    b"event: newchannel\nlinkedid: y\ncalleridnum: +79161234567\nexten: s\nchannel: PJSIP/trunk-1\n",
    b":::\r\n: :\r\n",
]


def _check(body: bytes, headers: dict[str, str]) -> None:
    from tests.reliability.strategies import assert_parsed_or_refused

    raw = RawPayload(account="pbx", body=body, headers=headers, received_at=RECEIVED, raw_event_id=1)
    messages = assert_parsed_or_refused(lambda: TelephonyAdapter().parse(raw), "telephony")
    assert all(m.kind == "call" and m.call is not None for m in messages)


def _headers(provider: str | None, tz: str | None = None) -> dict[str, str]:
    named = {PROVIDER_HEADER: provider} if provider else {}
    return named | ({TIMEZONE_HEADER: tz} if tz else {})


NAMED_OR_SNIFFED = st.sampled_from([True, False])


@FUZZ
@given(body=mutated_json(GENERIC), named=NAMED_OR_SNIFFED)
def test_generic_json_webhooks(body: bytes, named: bool) -> None:
    _check(body, _headers("generic" if named else None))


@FUZZ
@given(body=mutated_form(TWILIO), named=NAMED_OR_SNIFFED)
def test_twilio_callbacks(body: bytes, named: bool) -> None:
    _check(body, _headers("twilio" if named else None))


@FUZZ
@given(
    body=mutated_form(ZADARMA),
    named=NAMED_OR_SNIFFED,
    tz=st.sampled_from(
        [None, "Europe/Moscow", "Asia/Vladivostok", "Mars/Olympus", "../etc/passwd", "\x00", ""]
    ),
)
def test_zadarma_notifications(body: bytes, named: bool, tz: str | None) -> None:
    _check(body, _headers("zadarma" if named else None, tz))


@FUZZ
@given(
    body=mutated_form(MANGO_FORMS) | mutated_json(MANGO_EVENTS),
    named=NAMED_OR_SNIFFED,
    path=st.sampled_from(["events/call", "events/summary", "events/recording", "x/../y", ""]),
)
def test_mango_events(body: bytes, named: bool, path: str) -> None:
    _check(body, _headers("mango" if named else None) | ({"X-Okno-Path": path} if path else {}))


@FUZZ
@given(body=mutated_bytes(AMI, AMI_NASTY), named=NAMED_OR_SNIFFED)
def test_asterisk_ami_transcripts(body: bytes, named: bool) -> None:
    _check(body, _headers("asterisk" if named else None))


@FUZZ
@given(
    body=st.sampled_from(
        [json.dumps(GENERIC[0]).encode(), urlencode(TWILIO[-2]).encode(), urlencode(ZADARMA[0]).encode()]
    ).flatmap(lambda b: byte_mutation(b, probability=0.5)),
    provider=st.sampled_from([*PROVIDERS, "", "GENERIC", "unknown", "\x00"]),
)
def test_any_body_under_any_provider_name(body: bytes, provider: str) -> None:
    """A route names the provider; a body of another provider (or a typo) is refused, not a crash."""
    _check(body, _headers(provider or None))


def test_the_seeds_are_there() -> None:
    assert len(TWILIO) >= 4 and len(ZADARMA) >= 3 and len(MANGO_EVENTS) >= 4 and len(AMI) >= 10


@pytest.mark.parametrize(
    ("provider", "body"),
    [
        ("zadarma", b"event=NOTIFY_END&pbx_call_id=in_1&caller_id=79161234567&duration=%3A"),  # not a number
        ("zadarma", b"event=NOTIFY_END&pbx_call_id=in_1&caller_id=79161234567&duration=1e309"),  # infinite
        ("twilio", b"CallSid=CA1&CallStatus=completed&CallDuration=nan"),
        (
            "twilio",
            b"CallSid=CA1&CallStatus=ringing&Timestamp=Tue%2C+24+Nov+2026+07%3A15%3A00+-0000",
        ),  # naive
        ("mango", json.dumps({"entry_id": "e", "end_time": 1e20, "entry_result": 1}).encode()),  # overflow
        ("mango", json.dumps({"entry_id": "e", "end_time": 1516454946, "call_direction": [1]}).encode()),
        (
            "mango",
            json.dumps({"entry_id": "e", "end_time": 1516454946, "from": {"number": 79161234567}}).encode(),
        ),
        (
            "generic",
            json.dumps({"event": "call.started", "call_id": "\ud800", "at": "2026-11-24T10:15:00Z"}).encode(),
        ),
        (
            "generic",
            json.dumps({"event": "call.started", "call_id": "c", "at": "0001-01-01T00:00:00+03:00"}).encode(),
        ),
        ("generic", b"[" * 100_000 + b"]" * 100_000),  # deep nesting: RecursionError in json
        (
            "asterisk",
            b"Event: Newchannel\r\nLinkedid: x\r\nCallerIDNum: 79161234567\r\nExten: 201\r\n"
            b"Timestamp: \x001\r\n",
        ),
    ],
)
def test_regressions_found_by_fuzzing(provider: str, body: bytes) -> None:
    """Each of these crashed a parser (ValueError, OverflowError, TypeError, ValidationError, RecursionError)
    before the fixes that came with the fuzz tests."""
    _check(body, _headers(provider))
