"""WhatsApp: a client writes (text, a voice note, a document) through the loopback Graph API, a forged
delivery is refused, the media lands in blob storage, a manager answers, the read receipt comes back; a second
client who wrote 25 hours ago gets the template instead of free text."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta
from typing import Any

from aiohttp import web
from sqlmodel import col, select

from okno.demo.stage import Stage
from sandbox.whatsapp import GraphApiStandIn
from storage.models import Attachment, Message, Outbox
from storage.repos.accounts import add_channel_account
from workers.whatsapp import SWEEP_JOB

ACCOUNT = "whatsapp-main"
IRINA, OLEG = "79161234567", "79267771234"
VOICE = b"OggS\x00\x02" + bytes(120)  # a stand-in for an Opus voice note
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


async def _open_number(stage: Stage) -> GraphApiStandIn:
    graph = GraphApiStandIn(access_token=secrets.token_urlsafe(24), app_secret=secrets.token_hex(16))
    runner = web.AppRunner(graph.app(), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    stage.runners.insert(0, runner)  # closed after okno, like the other stand-ins
    port = runner.addresses[0][1]
    graph.base_url = f"http://127.0.0.1:{port}"
    graph.webhook_url = f"{stage.base_url}/whatsapp/{ACCOUNT}/webhook"
    async with stage.services.db.session() as session:
        await add_channel_account(
            session,
            box=stage.services.box,
            channel="whatsapp",
            name=ACCOUNT,
            config={
                "phone_number_id": graph.phone_number_id,
                "graph_url": graph.base_url,
                "template": "okno_followup",
            },
            secrets={
                "access_token": graph.access_token,
                "app_secret": graph.app_secret,
                "verify_token": "demo",
            },
        )
        await session.commit()
    await stage.services.accounts.refresh()
    return graph


async def run(stage: Stage) -> dict[str, Any]:
    graph = await _open_number(stage)
    stage.say(f"[whatsapp] Graph API stand-in on {graph.base_url}; webhooks to {graph.webhook_url}")
    irina = "Ирина Соколова"
    first = await graph.client_writes(
        IRINA,
        irina,
        {
            "type": "text",
            "text": {
                "body": "Добрый день! ООО «Ромашка», ИНН 7707083893. Нужен акт сверки за октябрь до 28.11"
            },
        },
    )
    voice = graph.add_media(VOICE, "audio/ogg")
    await graph.client_writes(
        IRINA,
        irina,
        {"type": "audio", "audio": {"id": voice.id, "mime_type": "audio/ogg; codecs=opus", "voice": True}},
    )
    doc = graph.add_media(PDF, "application/pdf", "rekvizity_romashka.pdf")
    await graph.client_writes(
        IRINA,
        irina,
        {
            "type": "document",
            "document": {"id": doc.id, "mime_type": "application/pdf", "filename": doc.filename},
        },
    )
    for delivery in graph.deliveries:
        stage.say(f"  {delivery.status}  signed webhook from {irina}: {_summary(delivery.body)}")
    forged = await graph.deliver(graph.deliveries[0].body, signature="sha256=" + "0" * 64)
    stage.say(f"  {forged.status}  forged delivery (wrong X-Hub-Signature-256) refused, nothing stored")
    await stage.drain()
    await stage.services.queue.enqueue(SWEEP_JOB, job_id="demo:whatsapp_media_sweep")
    await stage.drain()
    stored = await _stored_media(stage)
    stage.say(f"[whatsapp] media fetched into blob storage: {stored}")
    sent = await _reply_and_read(stage, graph, first)
    window = await _late_client(stage, graph)
    return {"deliveries": [d.status for d in graph.deliveries], "media": stored, **sent, **window}


def _summary(body: dict[str, Any]) -> str:
    item = body["entry"][0]["changes"][0]["value"]["messages"][0]
    kind = item["type"]
    if kind == "text":
        return str(item["text"]["body"])[:60]
    return f"{'голосовое' if item[kind].get('voice') else kind} {item[kind].get('filename') or ''}".strip()


async def _stored_media(stage: Stage) -> list[str]:
    query = (
        select(Attachment.kind, Attachment.blob_sha256)
        .join(Message, col(Message.id) == col(Attachment.message_id))
        .where(col(Message.channel) == "whatsapp")
    )
    async with stage.services.db.session() as session:
        rows = (await session.execute(query)).all()
    return [f"{kind}:{(key or 'not yet')[:12]}" for kind, key in rows]


async def _request_of(stage: Stage, wamid: str) -> int:
    async with stage.services.db.session() as session:
        query = select(Message.request_id).where(col(Message.message_key) == wamid)
        return int((await session.execute(query)).scalars().one() or 0)


async def _outbox_status(stage: Stage, outbox_id: int) -> tuple[str, str | None]:
    async with stage.services.db.session() as session:
        row = await session.get(Outbox, outbox_id)
        return (row.status, row.last_error) if row else ("missing", None)


async def _reply_and_read(stage: Stage, graph: GraphApiStandIn, wamid: str) -> dict[str, Any]:
    request_id = await _request_of(stage, wamid)
    text = "Ирина, здравствуйте! Акт сверки за октябрь пришлём завтра до обеда."
    answer = await stage.staff_call("POST", f"/api/v1/requests/{request_id}/reply", {"text": text})
    await stage.drain()
    sent = graph.sent[-1]
    stage.say(
        f"[whatsapp] manager answered request #{request_id}: "
        f"the Graph API got a {sent['type']} message, {sent['_wamid'][:18]}…"
    )
    for status in ("delivered", "read"):
        await graph.report_status(sent["_wamid"], status)
        await stage.drain()
    status, _ = await _outbox_status(stage, int(answer["outbox_id"]))
    stage.say(f"[whatsapp] read receipt came back: outbox #{answer['outbox_id']} is now '{status}'")
    return {"reply_status": status}


async def _late_client(stage: Stage, graph: GraphApiStandIn) -> dict[str, Any]:
    late = datetime.now(UTC) - timedelta(hours=25)
    wamid = await graph.client_writes(
        OLEG, "Олег Ким", {"type": "text", "text": {"body": "Когда будет готова декларация по НДС?"}}, at=late
    )
    await stage.drain()
    request_id = await _request_of(stage, wamid)
    answer = await stage.staff_call(
        "POST", f"/api/v1/requests/{request_id}/reply", {"text": "Декларация готова"}
    )
    await stage.drain()
    free_status, reason = await _outbox_status(stage, int(answer["outbox_id"]))
    stage.say(f"[whatsapp] free text to a client silent for 25 h: '{free_status}': {reason}")
    template = await stage.staff_call(
        "POST", f"/api/v1/requests/{request_id}/reply", {"text": "/template okno_followup | Олег"}
    )
    await stage.drain()
    template_status, _ = await _outbox_status(stage, int(template["outbox_id"]))
    stage.say(f"[whatsapp] the template okno_followup instead: '{template_status}'")
    return {"outside_window": free_status, "template": template_status}
