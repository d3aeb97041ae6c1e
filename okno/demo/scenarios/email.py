"""The email channel: a cp1251 claim with a PDF, the client's follow-up in the same thread, an auto-reply, a
bounce, and a manager's reply leaving by SMTP (a loopback aiosmtpd) with the threading headers.

No IMAP server runs in the demo: the raw RFC 5322 bytes go through the same sink the IMAP loop feeds."""

from __future__ import annotations

import asyncio
import email
import email.policy
import logging
import socket
from email.message import EmailMessage
from typing import Any

from sqlmodel import col, select

from channels.email.texts import t
from okno.demo.stage import Stage
from storage.models import Message
from storage.repos.accounts import add_channel_account

ACCOUNT = "sales-mail"
ADDRESS = "sales@okno.demo"
CLIENT = "p.ivanov@stroymontazh.ru"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def claim() -> bytes:
    mail = EmailMessage()
    mail["From"] = f"Пётр Иванов <{CLIENT}>"
    mail["To"] = ADDRESS
    mail["Subject"] = "Претензия по договору № 15/2024"
    mail["Message-ID"] = "<claim-15@stroymontazh.ru>"
    mail["Date"] = email.utils.format_datetime(email.utils.localtime())
    mail.set_content(
        "Добрый день!\n\nООО «СтройМонтаж», ИНН 6658021579: по договору № 15/2024 поставлено 120 мешков "
        "цемента вместо 150. Просим допоставить до пятницы.\n\n-- \nПётр Иванов, снабженец\n",
        charset="windows-1251",
        cte="8bit",
    )
    mail.add_attachment(PDF, maintype="application", subtype="pdf", filename="Накладная № 48.pdf")
    return mail.as_bytes(policy=email.policy.SMTP)


def follow_up() -> bytes:
    mail = EmailMessage()
    mail["From"] = f"Пётр Иванов <{CLIENT}>"
    mail["To"] = ADDRESS
    mail["Subject"] = "Re: Претензия по договору № 15/2024"
    mail["Message-ID"] = "<claim-15-2@stroymontazh.ru>"
    mail["In-Reply-To"] = "<claim-15@stroymontazh.ru>"
    mail["References"] = "<claim-15@stroymontazh.ru>"
    mail.set_content(
        'Уточнение: нужны ещё 30 мешков М500.\n\n18.11.2024, 10:00, "Пётр" <p.ivanov@stroymontazh.ru>:\n'
        "> Добрый день!\n",
        charset="koi8-r",
        cte="8bit",
    )
    return mail.as_bytes(policy=email.policy.SMTP)


def auto_reply() -> bytes:
    mail = EmailMessage()
    mail["From"] = "Ольга Смирнова <o.smirnova@vektor-plus.ru>"
    mail["To"] = ADDRESS
    mail["Subject"] = "Автоответ: нахожусь в отпуске"
    mail["Message-ID"] = "<auto-1@vektor-plus.ru>"
    mail["Auto-Submitted"] = "auto-replied"
    mail.set_content("Я в отпуске до 25 ноября.")
    return mail.as_bytes(policy=email.policy.SMTP)


async def run(stage: Stage) -> dict[str, Any]:
    stage.say(t("demo_no_dovecot"))
    smtp, received = _start_smtp()
    async with stage.services.db.session() as session:
        config = {"address": ADDRESS, "from_name": "ООО «Окно»", "smtp_host": "127.0.0.1",
                  "smtp_port": smtp.port if smtp else 1, "smtp_security": "plain"}  # fmt: skip
        await add_channel_account(session, box=stage.services.box, channel="email", name=ACCOUNT,
                                  config=config, secrets={})  # fmt: skip
        await session.commit()
    for label, body in (("cp1251 claim + PDF", claim()), ("reply in thread (koi8-r)", follow_up()),
                        ("auto-reply", auto_reply())):  # fmt: skip
        raw_id = await stage.services.sink.store(channel="email", account=ACCOUNT, headers={}, body=body)
        stage.say(f"  [email] raw #{raw_id} stored: {label}")
    await stage.drain()
    messages = await _messages(stage)
    for message in messages:
        first = (message.text or "").replace("\n", " ")[:80]
        stage.say(f"  [email] {message.kind:6} request={message.request_id} {first}")
    request_id = next(m.request_id for m in messages if m.message_key == "claim-15@stroymontazh.ru")
    sent = await _reply(stage, request_id, received) if smtp else []
    if smtp:
        smtp.stop()
    return {"messages": len(messages), "request": request_id, "replies_sent": len(sent)}


async def _messages(stage: Stage) -> list[Message]:
    async with stage.services.db.session() as session:
        query = select(Message).where(col(Message.channel) == "email").order_by(col(Message.id))
        return list((await session.execute(query)).scalars().all())


async def _reply(stage: Stage, request_id: int | None, received: list[bytes]) -> list[bytes]:
    text = "Пётр, добрый день! Допоставим 30 мешков в пятницу."
    await stage.staff_call("POST", f"/api/v1/requests/{request_id}/reply", {"text": text})
    await stage.drain()
    for _ in range(50):
        if received:
            break
        await asyncio.sleep(0.05)
    for data in received:
        mail = email.message_from_bytes(data, policy=email.policy.default)
        stage.say(f"  [email] manager's reply sent by SMTP: Subject: {mail['Subject']}")
        stage.say(f"          In-Reply-To: {mail['In-Reply-To']}  References: {mail['References']}")
    return received


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _start_smtp() -> tuple[Any, list[bytes]]:
    """A loopback SMTP server standing in for the company's mail server (aiosmtpd, from the dev set)."""
    received: list[bytes] = []
    try:
        from aiosmtpd.controller import Controller
    except ImportError:
        return None, received

    class Recorder:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            received.append(bytes(envelope.original_content or b""))
            return "250 OK"

    logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd narrates every SMTP command at INFO
    controller = Controller(Recorder(), hostname="127.0.0.1", port=_free_port())
    controller.start()
    return controller, received
