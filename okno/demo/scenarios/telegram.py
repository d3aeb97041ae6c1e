"""Telegram: a client bot on the loopback Bot API in webhook mode. A private chat (with a contact share), a
group where two employees of one client write, an album with an invoice and an INN in the caption, a wrong
secret refused, files fetched into blob storage, and a manager's reply that leaves as sendMessage."""

from __future__ import annotations

import secrets
import time
from typing import Any

from aiohttp import web
from sqlalchemy import func
from sqlmodel import col, select

from channels.base import AccountView
from channels.telegram.routes import SECRET_HEADER, webhook_path
from okno.demo.stage import Stage
from sandbox.telegram import TelegramSandbox
from storage.models import Attachment, Message
from storage.repos.accounts import add_channel_account

TOKEN = "700100200:AAF-demo-romashka-buhgalteriya-bot"  # noqa: S105 (the sandbox bot, not a real one)
ACCOUNT = "buh_bot"
IRINA = {"id": 71001, "is_bot": False, "first_name": "Ирина", "last_name": "Соколова", "username": "irina_s"}
OLGA = {"id": 71002, "is_bot": False, "first_name": "Ольга", "last_name": "Миронова"}
SERGEY = {"id": 71003, "is_bot": False, "first_name": "Сергей", "last_name": "Кузнецов"}
GROUP = {"id": -1002003004005, "title": "АО «Вектор» × Бухгалтерия", "type": "supergroup"}


def _msg(
    message_id: int, user: dict[str, Any], minutes_ago: int, chat: dict[str, Any] | None = None, **fields: Any
) -> dict[str, Any]:
    chat = chat or {"id": user["id"], "first_name": user["first_name"], "type": "private"}
    return {
        "message_id": message_id,
        "from": user,
        "chat": chat,
        "date": int(time.time()) - minutes_ago * 60,
        **fields,
    }


def _photo(api: TelegramSandbox, data: bytes) -> list[dict[str, Any]]:
    file_id = api.add_file(data, path=f"photos/{len(api.files)}.jpg")
    return [
        {
            "file_id": file_id,
            "file_unique_id": file_id[-8:],
            "width": 1280,
            "height": 960,
            "file_size": len(data),
        }
    ]


def _updates(api: TelegramSandbox) -> list[tuple[str, dict[str, Any]]]:
    invoice = api.add_file(b"%PDF-1.7 demo invoice 7736207543", path="documents/schet-112.pdf")
    own_contact = {"phone_number": "+79161234567", "first_name": "Ирина", "user_id": IRINA["id"]}
    caption = "Счёт №112 и акт за ноябрь, АО «Вектор», ИНН 7736207543. Оплатить до 28 ноября"
    start = {"type": "bot_command", "offset": 0, "length": 6}
    return [
        ("private /start", {"message": _msg(10, IRINA, 61, text="/start", entities=[start])}),
        (
            "private text",
            {
                "message": _msg(
                    11,
                    IRINA,
                    60,
                    text=(
                        "Добрый день! ООО «Ромашка», ИНН 7707083893. "
                        "Подготовьте, пожалуйста, справку 2-НДФЛ до пятницы."
                    ),
                )
            },
        ),
        ("private contact", {"message": _msg(12, IRINA, 59, contact=own_contact)}),
        (
            "group: Ольга",
            {"message": _msg(21, OLGA, 45, GROUP, text="Коллеги, нужен акт сверки с поставщиком за Q3.")},
        ),
        (
            "group: Сергей",
            {"message": _msg(22, SERGEY, 44, GROUP, text="И счёт на оплату услуг за ноябрь, пожалуйста.")},
        ),
        (
            "album part 2 (late)",
            {
                "message": _msg(
                    32, OLGA, 30, GROUP, media_group_id="8800555", photo=_photo(api, b"\xff\xd8 scan page 2")
                )
            },
        ),
        (
            "album part 1",
            {
                "message": _msg(
                    31,
                    OLGA,
                    30,
                    GROUP,
                    media_group_id="8800555",
                    caption=caption,
                    photo=_photo(api, b"\xff\xd8 scan page 1"),
                )
            },
        ),
        (
            "album part 3",
            {
                "message": _msg(
                    33,
                    OLGA,
                    30,
                    GROUP,
                    media_group_id="8800555",
                    document={
                        "file_id": invoice,
                        "file_unique_id": "inv112",
                        "file_name": "Счёт_112.pdf",
                        "mime_type": "application/pdf",
                        "file_size": 32,
                    },
                )
            },
        ),
    ]


async def run(stage: Stage) -> dict[str, Any]:
    api = TelegramSandbox()
    api.add_bot(TOKEN, "romashka_buh_bot")
    runner, port = await _serve(api)
    stage.runners.append(runner)
    api_base = f"http://127.0.0.1:{port}"
    secret = secrets.token_urlsafe(24)
    view = AccountView(
        "telegram",
        ACCOUNT,
        {"bot_username": "romashka_buh_bot", "api_base": api_base, "mode": "webhook"},
        {"bot_token": TOKEN, "webhook_secret": secret},
    )
    async with stage.services.db.session() as session:
        await add_channel_account(
            session,
            box=stage.services.box,
            channel="telegram",
            name=ACCOUNT,
            config=dict(view.config),
            secrets=dict(view.secrets),
        )
        await session.commit()
    await stage.services.accounts.refresh()
    hook = stage.base_url + webhook_path(ACCOUNT)
    bot = stage.services.jobs.senders["telegram"].pool.get(view)  # type: ignore[attr-defined]
    await bot.set_webhook(hook, secret_token=secret)
    stage.say(f"[telegram] bot @romashka_buh_bot on the loopback Bot API {api_base}; webhook -> {hook}")
    for label, update in _updates(api):
        api.inject(TOKEN, update)
        await api.flush()
        stage.say(f"  {api.webhook_deliveries[-1][1]}  {label}")
        if label.startswith("private"):
            # ingested in the order Ирина wrote: her question, then her shared phone (which merges her into
            # her site contact); the ingest jobs run concurrently and would otherwise race
            await stage.drain()
    async with stage.http.post(
        hook, json={"update_id": 1, "message": {}}, headers={SECRET_HEADER: "wrong"}
    ) as r:
        stage.say(f"  {r.status}  a delivery with a wrong secret token refused, nothing stored")
    await stage.drain()  # ingest, the client bot's turns (after-ingest hook), file fetches (follow-ups)
    said, fetches = await _bot_lines_and_files(stage)
    stage.say(f"[telegram] the client dialogue (bots/client) answered {said} message(s) through the Outbox")
    stage.say(f"[telegram] {fetches} message(s) with files fetched into blob storage via getFile")
    replied = await _reply(stage)
    await stage.drain()
    sent = api.sent("sendMessage")
    stage.say(f"[telegram] the bot sent {len(sent)} message(s): " + "; ".join(p["text"][:60] for p in sent))
    await bot.delete_webhook()
    return {
        "deliveries": [s for _u, s in api.webhook_deliveries],
        "replied": replied,
        "sent": len(sent),
        "reply_quotes": [p.get("reply_parameters") for p in sent],
        "files_fetched": fetches,
        "client_dialogue_said": said,
    }


async def _bot_lines_and_files(stage: Stage) -> tuple[int, int]:
    """What ran by itself after ingest: the client bot's answers, and messages whose files reached blobs."""
    async with stage.services.db.session() as session:
        said = await session.scalar(
            select(func.count()).where(
                col(Message.channel) == "telegram",
                col(Message.direction) == "outbound",
                col(Message.author_staff_id).is_(None),
            )
        )
        fetched = await session.scalar(
            select(func.count(func.distinct(Attachment.message_id)))
            .join(Message, col(Message.id) == col(Attachment.message_id))
            .where(col(Message.channel) == "telegram", col(Attachment.blob_sha256).is_not(None))
        )
    return int(said or 0), int(fetched or 0)


async def _reply(stage: Stage) -> list[int]:
    listing = await stage.staff_call("GET", "/api/v1/requests?limit=100")
    done = []
    for request in listing["requests"]:
        if request["origin_channel"] == "telegram" and "2-НДФЛ" in (request["form"]["what"] or ""):
            text = "Ирина, добрый день! Справку 2-НДФЛ подготовим к четвергу."
            await stage.staff_call("POST", f"/api/v1/requests/{request['id']}/reply", {"text": text})
            stage.say(f"[telegram] manager answered request #{request['id']} in the private chat")
            done.append(int(request["id"]))
    return done


async def _serve(api: TelegramSandbox) -> tuple[web.AppRunner, int]:
    runner = web.AppRunner(api.app(), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    return runner, int(site._server.sockets[0].getsockname()[1])  # type: ignore[union-attr]
