"""Telephony: two calls through the PBX stand-in. A calm one on Mango Office (events + a signed recording
download) and a tense one on Zadarma where the client threatens to leave (notifications + the REST link);
a forged webhook is refused; both recordings are transcribed locally, speakers labelled, into the history."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from aiohttp import web
from sqlmodel import col, select

from okno.demo.stage import Stage
from sandbox.pbx import SandboxPbx
from sandbox.pbx_audio import russian_call
from storage.models import Call, Message, TranscriptSegment
from storage.repos.accounts import add_channel_account
from workers.transcribe import sweep_transcriptions

CALM = [
    ("operator", "Здравствуйте, компания Окно, меня зовут Анна."),
    ("client", "Добрый день. Подскажите, когда придёт счёт за ноябрь?"),
    ("operator", "Счёт отправим сегодня до вечера на вашу почту."),
    ("client", "Отлично, спасибо большое."),
]
TENSE = [
    ("operator", "Компания Окно, слушаю вас."),
    ("client", "Поставка опять сорвана, это уже третий раз."),
    ("client", "Если до пятницы ничего не изменится, мы уйдём к другому поставщику."),
    ("operator", "Понимаю вас, я сейчас же передам вопрос руководителю."),
]


async def _open_pbx(stage: Stage) -> SandboxPbx:
    pbx = SandboxPbx()
    runner = web.AppRunner(pbx.app(), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    stage.runners.insert(0, runner)
    pbx.base_url = f"http://127.0.0.1:{runner.addresses[0][1]}"
    keys = pbx.keys
    accounts = (
        ("mango", f"{pbx.base_url}/mango/vpbx", {"api_key": keys.mango_key, "api_salt": keys.mango_salt}),
        (
            "zadarma",
            f"{pbx.base_url}/zadarma",
            {"api_key": keys.zadarma_key, "api_secret": keys.zadarma_secret},
        ),
    )
    async with stage.services.db.session() as session:
        for name, api_url, secrets in accounts:
            await add_channel_account(
                session, box=stage.services.box, channel="telephony", name=name,
                config={"provider": name, "api_url": api_url}, secrets=secrets,
            )  # fmt: skip
        await session.commit()
    await stage.services.accounts.refresh()
    return pbx


async def _calm_call(stage: Stage, pbx: SandboxPbx) -> list[int]:
    url = f"{stage.base_url}/telephony/mango/mango/webhook"
    sides = {"from": {"number": "79031234567"}, "to": {"extension": "101", "line_number": "74951234567"}}
    common, now = {"entry_id": "demo-calm", "call_id": "leg-1"}, 1795000000
    statuses = []
    for seq, state, offset in ((1, "Appeared", 0), (2, "Connected", 4), (3, "Disconnected", 25)):
        event = {**common, "seq": seq, "call_state": state, "timestamp": now + offset, **sides}
        statuses.append(await pbx.send_mango(stage.http, f"{url}/events/call", event))
    recording = {**common, "recording_id": "calm", "recording_state": "Completed", "timestamp": now + 26}
    statuses.append(await pbx.send_mango(stage.http, f"{url}/events/recording", recording))
    return statuses


async def _tense_call(stage: Stage, pbx: SandboxPbx) -> list[int]:
    url = f"{stage.base_url}/telephony/zadarma/zadarma/webhook"
    start = {"call_start": "2026-11-24 11:30:00", "pbx_call_id": "demo-tense", "caller_id": "79267771234"}
    end = {"internal": "102", "duration": "20", "disposition": "answered", "is_recorded": "1"}
    events = [
        {"event": "NOTIFY_START", **start, "called_did": "74951234567"},
        {"event": "NOTIFY_ANSWER", **start, "destination": "102", "internal": "102"},
        {"event": "NOTIFY_END", **start, "called_did": "74951234567", **end, "call_id_with_rec": "tense"},
        {"event": "NOTIFY_RECORD", "pbx_call_id": "demo-tense", "call_id_with_rec": "tense"},
    ]
    return [await pbx.send_zadarma(stage.http, url, event) for event in events]


async def _show(stage: Stage, message_key: str) -> dict[str, Any]:
    async with stage.services.db.session() as session:
        message = (
            (await session.execute(select(Message).where(col(Message.message_key) == message_key)))
            .scalars()
            .one()
        )
        call = (await session.execute(select(Call).where(col(Call.message_id) == message.id))).scalars().one()
        query = select(TranscriptSegment).where(col(TranscriptSegment.call_id) == call.id)
        segments = (await session.execute(query.order_by(col(TranscriptSegment.position)))).scalars().all()
    stage.say(
        f"  call {message_key}: {call.direction}, ext. {call.operator_extension}, {call.transcript_status}"
    )
    for segment in segments:
        who = "Оператор" if segment.speaker == "operator" else "Клиент"
        stage.say(f"    [{segment.start_s:5.1f}s] {who}: {segment.text}")
    return {"status": call.transcript_status, "segments": len(segments), "request_id": message.request_id}


async def run(stage: Stage) -> dict[str, Any]:
    pbx = await _open_pbx(stage)
    stage.say(f"[telephony] PBX stand-in on {pbx.base_url}: synthesizing two short calls (festival)")
    with tempfile.TemporaryDirectory(prefix="okno-calls-") as tmp:
        pbx.recordings["calm"] = russian_call(CALM, Path(tmp) / "calm.wav").read_bytes()
        pbx.recordings["tense"] = russian_call(TENSE, Path(tmp) / "tense.wav").read_bytes()
    statuses = await _calm_call(stage, pbx) + await _tense_call(stage, pbx)
    stage.say(f"  webhooks answered {statuses}")
    forged = {
        "event": "NOTIFY_START",
        "call_start": "2026-11-24 11:00:00",
        "pbx_call_id": "x",
        "caller_id": "1",
    }
    async with stage.http.post(
        f"{stage.base_url}/telephony/zadarma/zadarma/webhook", data=forged, headers={"Signature": "Zm9yZ2Vk"}
    ) as response:
        stage.say(f"  {response.status}  a forged Zadarma notification is refused, nothing stored")
        refused = response.status
    await stage.drain()
    # Each "recording ready" event started its transcription; the sweep is the safety net and finds nothing.
    left = await sweep_transcriptions({"okno": stage.services.jobs})
    await stage.drain()
    stage.say(
        f"[telephony] recordings transcribed locally as they arrived (Whisper base, int8); left: {left}"
    )
    shown = {key: await _show(stage, key) for key in ("demo-calm", "demo-tense")}
    return {"webhooks": statuses, "forged": refused, "calls": shown, "recordings_served": pbx.served}
