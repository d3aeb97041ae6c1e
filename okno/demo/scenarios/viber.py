"""Viber: a client writes to the company's bot through the loopback REST Bot API (a request with the company
and its INN, then a picture of the details), the picture is fetched into blob storage while Viber's link
works, a manager answers through the staff API, and the `delivered` and `seen` callbacks come back."""

from __future__ import annotations

import secrets
from typing import Any

from aiohttp import web
from sqlmodel import col, select

from okno.demo.stage import Stage
from sandbox.viber import ViberApiStandIn
from storage.models import Attachment, Message, Outbox, Request
from storage.repos.accounts import add_channel_account

ACCOUNT = "main"
SENDER_NAME = "ООО Окно"
TARAS = "TkFtMXY5cUtsWjNvUHc9PQ=="  # Viber user ids are opaque base64
NAME = "Тарас Ковальчук"
REQUEST = (
    "Добрый день! ООО «Полесье», ИНН 7704128391. Пришлите, пожалуйста, счёт на оплату услуг за декабрь "
    "до 15.12, реквизиты на фото ниже."
)
CAPTION = "Реквизиты для счёта"
PHOTO = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01" + bytes(240) + b"\xff\xd9"  # a stand-in for a phone photo


async def _open_bot(stage: Stage) -> ViberApiStandIn:
    viber = ViberApiStandIn(auth_token=secrets.token_hex(24), bot_name="Окно")
    runner = web.AppRunner(viber.app(), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    stage.runners.insert(0, runner)  # closed after okno, like the other stand-ins
    port = runner.addresses[0][1]
    viber.base_url = f"http://127.0.0.1:{port}"
    viber.webhook_url = f"{stage.base_url}/viber/{ACCOUNT}/webhook"  # as `okno listen`'s set_webhook names it
    async with stage.services.db.session() as session:
        await add_channel_account(
            session,
            box=stage.services.box,
            channel="viber",
            name=ACCOUNT,
            config={"sender_name": SENDER_NAME, "api_url": f"{viber.base_url}/pa"},
            secrets={"auth_token": viber.auth_token},
        )
        await session.commit()
    await stage.services.accounts.refresh()
    return viber


async def run(stage: Stage) -> dict[str, Any]:
    viber = await _open_bot(stage)
    stage.say(f"[viber] REST Bot API stand-in on {viber.base_url}; callbacks to {viber.webhook_url}")
    first = await viber.client_writes(TARAS, NAME, {"type": "text", "text": REQUEST})
    link = viber.add_media(PHOTO, "image/jpeg")
    await viber.client_writes(
        TARAS,
        NAME,
        {"type": "picture", "media": link, "text": CAPTION, "file_name": "rekvizity.jpg", "size": len(PHOTO)},
    )
    for delivery in viber.deliveries:
        stage.say(f"  {delivery.status}  signed callback from {NAME}: {_summary(delivery.body)}")
    await stage.drain()  # ingest, then the viber_media job fetches the picture while the link works
    request = await _request_of(stage, first)
    due = request.due_at.astimezone(stage.services.settings.company.tz) if request.due_at else None
    stage.say(
        f"[viber] request #{request.id} filled in: {request.company_name or '—'}, ИНН {request.inn or '—'}, "
        f"due {due.strftime('%d.%m %H:%M') if due else '—'}"
    )
    stored = await _stored_pictures(stage)
    stage.say(f"[viber] the picture fetched into blob storage: {', '.join(stored) or 'nothing'}")
    sent = await _reply_and_read(stage, viber, int(request.id or 0))
    return {
        "deliveries": [d.status for d in viber.deliveries[:2]],
        "request_id": request.id,
        "company": request.company_name,
        "inn": request.inn,
        "due": due is not None,
        "pictures": stored,
        **sent,
    }


def _summary(body: dict[str, Any]) -> str:
    message = body["message"]
    if message["type"] == "text":
        return f"{str(message['text'])[:60]}…"
    return f"{message['type']} «{message.get('text') or message.get('file_name') or ''}»"


async def _request_of(stage: Stage, token: str) -> Request:
    async with stage.services.db.session() as session:
        query = (
            select(Request)
            .join(Message, col(Message.request_id) == col(Request.id))
            .where(col(Message.channel) == "viber", col(Message.message_key) == token)
        )
        return (await session.execute(query)).scalars().one()


async def _stored_pictures(stage: Stage) -> list[str]:
    query = (
        select(Attachment.kind, Attachment.blob_sha256, Attachment.size)
        .join(Message, col(Message.id) == col(Attachment.message_id))
        .where(col(Message.channel) == "viber", col(Attachment.kind) == "image")
    )
    async with stage.services.db.session() as session:
        rows = (await session.execute(query)).all()
    return [f"{kind}:{key[:12]} ({size} bytes)" if key else f"{kind}:not yet" for kind, key, size in rows]


async def _outbox_status(stage: Stage, outbox_id: int) -> str:
    async with stage.services.db.session() as session:
        row = await session.get(Outbox, outbox_id)
        return row.status if row else "missing"


async def _reply_and_read(stage: Stage, viber: ViberApiStandIn, request_id: int) -> dict[str, Any]:
    text = "Тарас, добрый день! Реквизиты получили, счёт за декабрь пришлём сегодня до 18:00."
    answer = await stage.staff_call("POST", f"/api/v1/requests/{request_id}/reply", {"text": text})
    await stage.drain()
    outbox_id = int(answer["outbox_id"])
    sent = viber.sent[-1]
    stage.say(
        f"[viber] manager answered request #{request_id}: send_message ({sent['type']}) "
        f"from «{sent['sender']['name']}», outbox #{outbox_id} '{await _outbox_status(stage, outbox_id)}'"
    )
    statuses = []
    for event in ("delivered", "seen"):
        await viber.report(sent["_token"], event)
        await stage.drain()
        statuses.append(await _outbox_status(stage, outbox_id))
    read = statuses[-1] == "read"
    stage.say(
        f"[viber] Viber reported delivered, then seen: outbox #{outbox_id} is now '{statuses[-1]}'"
        + (f" — {NAME} has read the reply" if read else "")
    )
    return {"replied": sent["text"] == text, "reply_statuses": statuses}
