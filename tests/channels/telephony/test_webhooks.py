"""Each provider's webhooks posted over HTTP to the running okno by the PBX sandbox: a call's events become
one call message (the same message_key), a wrong signature is 403 with nothing stored, the corpus vectors
pass, and the recording is then fetched from the sandbox with the provider's authentication."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlmodel import select

from storage.models import ChannelIdentity, Contact
from tests.channels.telephony.conftest import Telephony, silent_wav
from tests.corpus import CORPUS
from workers.transcribe import sweep_transcriptions

pytestmark = pytest.mark.storage
CLIENT = "79161234567"


async def _transcribe(t: Telephony) -> int:
    queued = await sweep_transcriptions({"okno": t.live.services.jobs})
    await t.live.drain()
    return queued


def _flip_signature(headers: dict[str, str], name: str) -> dict[str, str]:
    value = headers[name]
    return {**headers, name: value[:-2] + ("A" if value[-2] != "A" else "B") + value[-1]}


async def test_generic_call_from_start_to_recording(telephony: Telephony) -> None:
    t, pbx = telephony, telephony.pbx
    pbx.recordings["g1"] = silent_wav()
    url = t.hook("generic")
    base = {"call_id": "g-100", "direction": "inbound", "from": CLIENT, "to": "74951234567"}
    for event, at, extra in (
        ("call.started", "2026-11-24T10:15:00+03:00", {}),
        ("call.answered", "2026-11-24T10:15:07+03:00", {"operator_extension": "201"}),
        ("call.ended", "2026-11-24T10:16:00+03:00", {"duration_s": 53}),
        ("call.recording_ready", "2026-11-24T10:16:05+03:00", {"recording_url": pbx.generic_url("g1")}),
    ):
        assert await pbx.send_generic(t.live.http, url, {"event": event, "at": at, **base, **extra}) == 200
    await t.live.drain()
    message, call = await t.call("g-100")
    assert (message.kind, call.direction, call.operator_extension) == ("call", "inbound", "201")
    assert call.answered_at is not None and call.ended_at is not None and not call.missed
    assert call.recording_ref == pbx.generic_url("g1")
    async with t.live.services.db.session() as session:
        identity = (await session.execute(select(ChannelIdentity))).scalars().one()
        contact = await session.get(Contact, identity.contact_id)
    assert contact is not None and contact.phone == "+" + CLIENT  # an unknown number made a contact
    assert await _transcribe(t) == 0  # the recording event already started the transcription
    _message, call = await t.call("g-100")
    assert pbx.served == ["g1"] and call.recording_sha256 is not None
    assert call.transcript_status == "silent"  # the sandbox's file holds no speech


async def test_generic_missed_call_and_refusals(telephony: Telephony) -> None:
    t, pbx = telephony, telephony.pbx
    url = t.hook("generic")
    base = {"call_id": "g-200", "direction": "inbound", "from": CLIENT, "to": "74951234567"}
    await pbx.send_generic(t.live.http, url, {"event": "call.started", "at": "2026-11-24T10:00:00Z", **base})
    await pbx.send_generic(t.live.http, url, {"event": "call.ended", "at": "2026-11-24T10:00:30Z", **base})
    await t.live.drain()
    _message, call = await t.call("g-200")
    assert call.missed and call.answered_at is None
    before = await t.raw_count()
    body = json.dumps({"event": "call.started", "at": "2026-11-24T10:00:00Z", **base}).encode()
    headers = {"X-Okno-Timestamp": "1", "X-Okno-Signature": "sha256=00"}
    async with t.live.http.post(url, data=body, headers=headers) as response:
        assert response.status == 403
    async with t.live.http.post(t.hook("generic", "nobody"), data=body) as response:
        assert response.status == 404
    assert await t.raw_count() == before


async def test_twilio_status_and_recording_callbacks(telephony: Telephony) -> None:
    t, pbx = telephony, telephony.pbx
    pbx.recordings["RE1"] = silent_wav()
    url = t.hook("twilio")
    call: dict[str, str] = {"CallSid": "CA100", "AccountSid": pbx.keys.twilio_sid, "From": "+" + CLIENT}
    call |= {"To": "+74951234567", "Direction": "inbound"}
    for status, extra in (("ringing", {}), ("in-progress", {}), ("completed", {"CallDuration": "42"})):
        assert await pbx.send_twilio(t.live.http, url, {**call, "CallStatus": status, **extra}) == 200
    recording = {"CallSid": "CA100", "RecordingSid": "RE1", "RecordingStatus": "completed"}
    recording["RecordingUrl"] = pbx.twilio_url("RE1")
    assert await pbx.send_twilio(t.live.http, url, recording) == 200
    before = await t.raw_count()
    form = {**call, "CallStatus": "ringing"}
    async with t.live.http.post(
        url, data=form, headers={"X-Twilio-Signature": "bm90IGEgc2lnbmF0dXJl"}
    ) as resp:
        assert resp.status == 403
    assert await t.raw_count() == before
    await t.live.drain()
    message, stored = await t.call("CA100")
    assert await t.conversation_key(message) == "+" + CLIENT
    assert stored.duration_s == 42 and not stored.missed
    await _transcribe(t)
    _message, stored = await t.call("CA100")
    assert pbx.served == ["RE1"] and stored.transcript_status == "silent"


async def test_zadarma_notifications_and_the_api_link(telephony: Telephony) -> None:
    t, pbx = telephony, telephony.pbx
    pbx.recordings["1709294400.5"] = silent_wav()
    url = t.hook("zadarma")
    start = {"call_start": "2026-11-24 10:15:00", "pbx_call_id": "in_z1", "caller_id": CLIENT}
    events: list[dict[str, str]] = [
        {"event": "NOTIFY_START", **start, "called_did": "74951234567"},
        {"event": "NOTIFY_ANSWER", **start, "destination": "201", "internal": "201"},
        {"event": "NOTIFY_END", **start, "called_did": "74951234567", "internal": "201", "duration": "40"}
        | {
            "disposition": "answered",
            "status_code": "16",
            "is_recorded": "1",
            "call_id_with_rec": "1709294400.5",
        },
        {"event": "NOTIFY_RECORD", "pbx_call_id": "in_z1", "call_id_with_rec": "1709294400.5"},
    ]
    for event in events:
        assert await pbx.send_zadarma(t.live.http, url, event) == 200
    async with t.live.http.get(url, params={"zd_echo": "abc"}) as response:
        assert await response.text() == "abc"
    await t.live.drain()
    _message, call = await t.call("in_z1")
    assert call.operator_extension == "201" and call.recording_ref == "zadarma:in_z1:1709294400.5"
    await _transcribe(t)
    _message, call = await t.call("in_z1")
    assert pbx.served == ["1709294400.5"] and call.transcript_status == "silent" and pbx.refused == []


async def test_mango_events_and_the_signed_recording_post(telephony: Telephony) -> None:
    t, pbx = telephony, telephony.pbx
    pbx.recordings["rec-1"] = silent_wav()
    url = t.hook("mango")
    sides = {"from": {"number": CLIENT}, "to": {"extension": "101", "line_number": "74952129298"}}
    common = {"entry_id": "ENTRY1", "call_id": "LEG1"}
    posts: list[tuple[str, dict[str, Any]]] = [
        ("events/call", {**common, "seq": 1, "call_state": "Appeared", "timestamp": 1795000000, **sides}),
        ("events/call", {**common, "seq": 2, "call_state": "Connected", "timestamp": 1795000005, **sides}),
        ("events/call", {**common, "seq": 3, "call_state": "Disconnected", "timestamp": 1795000060, **sides}),
        (
            "events/recording",
            {**common, "recording_id": "rec-1", "recording_state": "Completed"} | {"timestamp": 1795000061},
        ),
    ]
    for path, event in posts:
        assert await pbx.send_mango(t.live.http, f"{url}/{path}", event) == 200
    await t.live.drain()
    _message, call = await t.call("ENTRY1")
    assert (
        call.operator_extension == "101"
        and call.answered_at is not None
        and call.recording_ref == "mango:rec-1"
    )
    await _transcribe(t)
    _message, call = await t.call("ENTRY1")
    assert pbx.served == ["rec-1"] and call.transcript_status == "silent"


async def test_corpus_vectors_over_http_pass_and_one_byte_fails(telephony: Telephony) -> None:
    t = telephony
    # The corpus recordings live on the providers' own hosts, unreachable here: try each download once.
    t.live.services.jobs.max_tries = 1
    zadarma = json.loads((CORPUS / "telephony/zadarma/signature_vectors.json").read_text(encoding="utf-8"))
    for vector in zadarma["vectors"]:
        headers = {"Signature": vector["expected_signature_header"]}
        async with t.live.http.post(
            t.hook("zadarma", "zadarma-corpus"), data=vector["post_fields"], headers=headers
        ) as r:
            assert r.status == 200, vector["event"]
        async with t.live.http.post(
            t.hook("zadarma", "zadarma-corpus"),
            data=vector["post_fields"],
            headers=_flip_signature(headers, "Signature"),
        ) as r:
            assert r.status == 403
        fields = dict(vector["post_fields"])
        name = vector["signed_fields_in_order"][0]
        fields[name] = fields[name][:-1] + chr(ord(fields[name][-1]) ^ 1)
        async with t.live.http.post(t.hook("zadarma", "zadarma-corpus"), data=fields, headers=headers) as r:
            assert r.status == 403
    mango = json.loads((CORPUS / "telephony/mango_office/signature_vectors.json").read_text(encoding="utf-8"))
    form = mango["vectors"][2]["form_body_fields"]
    async with t.live.http.post(t.hook("mango", "mango-corpus") + "/events/call", data=form) as r:
        assert r.status == 200
    changed = {**form, "json": form["json"].replace("74991102914", "74991102915")}
    async with t.live.http.post(t.hook("mango", "mango-corpus") + "/events/call", data=changed) as r:
        assert r.status == 403
    await t.live.drain()
    _message, call = await t.call("MzUyODbvczkxMjo0MDE=")
    assert call.from_number == "74991102914"


async def test_refused_recording_ends_unavailable_without_a_retry_loop(telephony: Telephony) -> None:
    t, pbx = telephony, telephony.pbx
    pbx.recordings["RE9"] = silent_wav()
    event = {
        "event": "call.recording_ready",
        "call_id": "g-900",
        "at": "2026-11-24T10:00:00Z",
        "from": CLIENT,
    }
    event["recording_url"] = pbx.twilio_url("RE9")  # the generic account's bearer token is not Twilio's login
    assert await pbx.send_generic(t.live.http, t.hook("generic"), event) == 200
    await t.live.drain()
    _message, call = await t.call("g-900")
    assert call.transcript_status == "unavailable" and pbx.refused == ["twilio: bad basic auth"]
    assert await _transcribe(t) == 0  # final: the sweep leaves it alone
